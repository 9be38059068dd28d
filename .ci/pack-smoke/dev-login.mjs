// `wxlogin dev` from the installed package, used the way its banner tells a person to: mint a code at the
// simulator's control API, log in, read /v1/me, refresh; then the JWKS, the OpenAPI document and its UI, and the
// console the banner links to, with its assets (built into the server's tarball).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { start, stopGroup, tail } from './processes.mjs';

const BANNER = /service (http:\/\/\S+), WeChat simulator (http:\/\/\S+)/;

/** The pid of the process under `root` whose command line runs wxlogin's bin with `dev` (Linux: /proc). */
function serviceProcess(root) {
  const children = (pid) => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
      );
    } catch {
      return [];
    }
  };
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (pid !== root) {
      let argv = [];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        // Exited meanwhile.
      }
      if (argv.some((arg) => /wxlogin(\.js)?$/.test(arg)) && argv.includes('dev')) return pid;
    }
    queue.push(...children(pid));
  }
  return undefined;
}

async function json(url, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), text };
}

/** Starts `npx wxlogin dev` in `appDir`, logs in over HTTP, stops it; resolves to a summary, throws on a failure. */
export async function devLogin({ appDir, stateDir, version, startTimeoutMs = 60_000 }) {
  // `--`: npx would take `--port` or `--help` as its own.
  const args = ['--no', '--', 'wxlogin', 'dev', '--port', '0', '--simulator-port', '0', '--state-dir', stateDir];
  const dev = start('npx', [...args, '--log-level', 'warn'], { cwd: appDir });
  try {
    const deadline = Date.now() + startTimeoutMs;
    let urls;
    while ((urls = BANNER.exec(dev.output.stdout)) === null) {
      if (Date.now() > deadline) throw new Error(`wxlogin dev printed no banner in ${startTimeoutMs / 1000} s`);
      const exited = await Promise.race([dev.exited, new Promise((resolve) => setTimeout(resolve, 100))]);
      if (exited !== undefined) throw new Error(`wxlogin dev exited (${exited.code ?? exited.signal})`);
    }
    const [, service, simulator] = urls;

    const minted = await json(`${simulator}/__sim/login`, {
      method: 'POST',
      body: JSON.stringify({ appid: 'wxdevapp00000001' }),
    });
    assert.equal(minted.status, 200, minted.text);
    const login = await json(`${service}/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ code: minted.body.code }),
    });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.body.tokenType, 'Bearer');
    assert.equal(login.body.isNew, true);
    const bearer = { authorization: `Bearer ${login.body.accessToken}` };
    const me = await json(`${service}/v1/me`, { headers: bearer });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.id, login.body.user.id);
    const refresh = await json(`${service}/v1/auth/refresh`, {
      method: 'POST',
      body: JSON.stringify({ refreshToken: login.body.refreshToken }),
    });
    assert.equal(refresh.status, 200, refresh.text);
    assert.notEqual(refresh.body.refreshToken, login.body.refreshToken);

    const jwks = await json(`${service}/.well-known/jwks.json`);
    assert.ok(jwks.body.keys.length >= 1, jwks.text);
    // The OpenAPI document names the version of the package.json the installed server reads.
    const openapi = await json(`${service}/openapi.json`);
    assert.equal(openapi.body.info.version, version);
    const docs = await fetch(`${service}/docs/`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(docs.status, 200, `GET /docs/: ${docs.status}`);
    await docs.body?.cancel();

    const consoleUrl = /Console \(.*\): (http:\/\/\S+)#token=(\S+)/.exec(dev.output.stdout);
    assert.ok(consoleUrl, 'the banner prints the console URL');
    const page = await fetch(consoleUrl[1], { signal: AbortSignal.timeout(10_000) });
    const html = await page.text();
    assert.equal(page.status, 200, `GET /admin: ${page.status}`);
    assert.equal(page.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'");
    const assets = [...html.matchAll(/(?:src|href)="(\/admin\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(
      assets.some((a) => a.endsWith('.js')),
      `the console page loads its script: ${html}`,
    );
    for (const asset of assets) {
      const answer = await fetch(`${service}${asset}`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(answer.status, 200, `GET ${asset}: ${answer.status}`);
      await answer.body?.cancel();
    }
    const overview = await json(`${service}/admin/api/overview`, {
      headers: { authorization: `Bearer ${decodeURIComponent(consoleUrl[2])}` },
    });
    assert.equal(overview.status, 200, overview.text);
    assert.ok(
      overview.body.wechatApis.some((api) => api.api === 'code2Session'),
      overview.text,
    );

    // A clean stop: SIGTERM to the service itself (npm exec would die of a signal of its own), then npx passes on
    // the service's exit code, which must be 0.
    const serviceProcessId = serviceProcess(dev.child.pid);
    if (serviceProcessId === undefined) throw new Error('no node process running wxlogin dev under npx');
    process.kill(serviceProcessId, 'SIGTERM');
    const stopped = await Promise.race([dev.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (stopped === undefined) throw new Error('wxlogin dev did not stop within 15 s of SIGTERM');
    if (stopped.code !== 0) throw new Error(`wxlogin dev stopped with ${stopped.code ?? stopped.signal}`);
    return { service, simulator, user: me.body.id };
  } catch (error) {
    error.message += `\n--- wxlogin dev output ---\n${tail(dev.output)}`;
    throw error;
  } finally {
    stopGroup(dev.child, 'SIGKILL');
  }
}
