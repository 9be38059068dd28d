/** Where `wxlogin dev` listens and keeps its state, for the banner. */
export interface BannerInput {
  serviceUrl: string;
  simulatorUrl: string;
  /** The service's URLs on this machine's LAN addresses, when it listens on all of them (real-device preview). */
  lanUrls?: string[];
  /** The address given to `--host` (both listen on it). */
  host: string;
  appid: string;
  /** The demo app's AppSecret: the simulator's published one, printed because it protects nothing. */
  appSecret: string;
  databaseFile: string;
  /** The file holding the generated master key and admin token. */
  stateFile: string;
  /**
   * The generated admin token, printed only inside the console's URL: a local development token, and the fragment
   * never reaches a server or a log (the page moves it to sessionStorage and strips it from the address bar).
   */
  adminToken: string;
}

/**
 * The `wxlogin dev` banner: where things are (the demo app, the database, the file of the master key and admin
 * token), the flags that move the ports, and copy-paste shell commands (bash/zsh, curl and sed only — no `jq`)
 * that mint a code at the simulator, log in, read and patch `/v1/me`, refresh, fetch the JWKS and call the admin
 * API, and the console's URL with the admin token in its fragment. The master key is never printed; the admin
 * command reads the token from its file.
 */
export function devBanner(input: BannerInput): string {
  const { serviceUrl: api, simulatorUrl: sim, appid } = input;
  const json = `-H 'content-type: application/json'`;
  const field = (name: string, from: string): string =>
    `$(printf '%s' "${from}" | sed -E 's/.*"${name}":"([^"]*)".*/\\1/')`;
  const stateFile = shellQuote(input.stateFile);
  const adminToken = `$(sed -nE 's/.*"adminToken": *"([^"]*)".*/\\1/p' ${stateFile})`;
  return [
    '',
    `wxlogin dev — service ${api}, WeChat simulator ${sim}`,
    `  mini program ${appid}, AppSecret ${input.appSecret} (the simulator's demo app); data in ${input.databaseFile}`,
    `  master key and admin token: ${input.stateFile} (kept for the next start)`,
    `  other ports or address: npm start -- --port 4000 --simulator-port 4001 --host <address> (now ${portOf(api)}, ${portOf(sim)}, ${input.host})`,
    ...(input.lanUrls !== undefined && input.lanUrls.length > 0
      ? [`  from a phone on this network (real-device preview): ${input.lanUrls.join(', ')}`]
      : []),
    '',
    `Console (open in a browser; it shows these logins): ${consoleUrl(api, input.adminToken)}`,
    '',
    'Log in as a mini program would (copy and paste into a shell):',
    '',
    `  CODE=$(curl -s -w '\\n' -X POST ${sim}/__sim/login ${json} -d '{"appid":"${appid}"}' | sed -E 's/.*"code":"([^"]*)".*/\\1/')`,
    `  LOGIN=$(curl -s -w '\\n' -X POST ${api}/v1/auth/login ${json} -d "{\\"code\\":\\"$CODE\\"}"); echo "$LOGIN"`,
    `  ACCESS=${field('accessToken', '$LOGIN')}; REFRESH=${field('refreshToken', '$LOGIN')}`,
    '',
    'Then:',
    '',
    `  curl -s -w '\\n' ${api}/v1/me -H "authorization: Bearer $ACCESS"`,
    `  curl -s -w '\\n' -X PATCH ${api}/v1/me -H "authorization: Bearer $ACCESS" ${json} -d '{"nickname":"Xiaoming"}'`,
    `  curl -s -w '\\n' -X POST ${api}/v1/auth/refresh ${json} -d "{\\"refreshToken\\":\\"$REFRESH\\"}"`,
    `  curl -s -w '\\n' ${api}/.well-known/jwks.json`,
    `  curl -s -w '\\n' ${api}/admin/api/apps -H "authorization: Bearer ${adminToken}"`,
    '',
    'Stop with Ctrl+C. The same master key and admin token are reused on the next start.',
    '',
  ].join('\n');
}

/** The console's sign-in URL: the admin token in the fragment, which browsers never send to the server. */
export const consoleUrl = (serviceUrl: string, adminToken: string): string =>
  `${serviceUrl}/admin#token=${encodeURIComponent(adminToken)}`;

const portOf = (url: string): string => new URL(url).port || '80';

/** `text` as one single-quoted shell word (a state folder may hold spaces or quotes). */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
