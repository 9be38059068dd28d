/** Where `wxlogin dev` listens, for the banner. */
export interface BannerInput {
  serviceUrl: string;
  simulatorUrl: string;
  /** The service's URLs on this machine's LAN addresses, when it listens on all of them (real-device preview). */
  lanUrls?: string[];
  appid: string;
  databaseFile: string;
  stateDir: string;
}

/**
 * The `wxlogin dev` banner: copy-paste shell commands (bash/zsh, curl and sed only — no `jq`) that mint a code at
 * the simulator, log in, read and patch `/v1/me`, and refresh. Secrets are not printed; they stay in the state folder.
 */
export function devBanner(input: BannerInput): string {
  const { serviceUrl: api, simulatorUrl: sim, appid } = input;
  const json = `-H 'content-type: application/json'`;
  const field = (name: string, from: string): string =>
    `$(printf '%s' "${from}" | sed -E 's/.*"${name}":"([^"]*)".*/\\1/')`;
  return [
    '',
    `wxlogin dev — service ${api}, WeChat simulator ${sim}`,
    `  mini program ${appid}; data in ${input.databaseFile}; secrets in ${input.stateDir}/state.json`,
    ...(input.lanUrls !== undefined && input.lanUrls.length > 0
      ? [`  from a phone on this network (real-device preview): ${input.lanUrls.join(', ')}`]
      : []),
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
    '',
    'Stop with Ctrl+C. The same master key and admin token are reused on the next start.',
    '',
  ].join('\n');
}
