#!/usr/bin/env node
// The micro benchmarks: the crypto on wxlogin's hot paths, one call at a time, in this process, on the BUILT
// packages (`packages/*/dist`). JWT sign/verify per alg, ours (node:crypto, through createAccessTokens and the real
// key ring) side by side with jose's SignJWT/jwtVerify on the same keys; WeChat encryptedData and the raw-data
// signature; the refresh-token MAC; the session_key seal. `node bench/micro.js [--quick] [--json <file>]`.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dist = (file) => join(ROOT, 'packages', file);
const BUILT = {
  core: dist('core/dist/index.js'),
  accessToken: dist('server/dist/tokens/access-token.js'),
  signingKeys: dist('server/dist/tokens/signing-keys.js'),
  refreshToken: dist('server/dist/tokens/refresh-token.js'),
  derive: dist('server/dist/crypto/derive.js'),
  seal: dist('server/dist/crypto/seal.js'),
  store: dist('server/dist/store/index.js'),
  logger: dist('server/dist/logger.js'),
};

/** The whole run stops here whatever happens (a slow machine, a task that hangs): the bench must not linger. */
const TOTAL_BUDGET_MS = 60_000;
const ALGS = ['ES256', 'EdDSA', 'RS256'];
const APPID = 'wxbench000000001';
const SUB = '01977375-f600-7400-9522-77abca29609f';
const SID = '01977375-f600-7a74-b7b1-64d78a211241';
const ISSUER = 'wxlogin';
const AUDIENCE = 'wxlogin';
const TTL_S = 900;
const TOLERANCE_S = 30;

function usage() {
  return [
    'usage: node bench/micro.js [--quick] [--json <file>]',
    '  --quick        ~100 ms per task (default ~500 ms), for a smoke run',
    '  --json <file>  also write the raw results (and the machine, the commit) to <file>',
    'Build first: npx tsc -b',
  ].join('\n');
}

let args;
try {
  args = parseArgs({
    options: { quick: { type: 'boolean' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values;
} catch (error) {
  console.error(`micro: ${error.message}\n${usage()}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage());
  process.exit(0);
}
const missing = Object.values(BUILT).filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(
    `micro: the packages are not built (missing ${missing.map((f) => f.slice(ROOT.length)).join(', ')}).\n` +
      'Run `npx tsc -b` (or `npm run build`) from the repository root first.',
  );
  process.exit(1);
}

const load = (file) => import(pathToFileURL(file).href);
const [{ Bench }, jose, core, accessToken, signingKeys, refreshToken, derive, seal, storeModule, logger, report] =
  await Promise.all([
    import('tinybench'),
    import('jose'),
    load(BUILT.core),
    load(BUILT.accessToken),
    load(BUILT.signingKeys),
    load(BUILT.refreshToken),
    load(BUILT.derive),
    load(BUILT.seal),
    load(BUILT.store),
    load(BUILT.logger),
    import('./lib/report.js'),
  ]);

const timePerTaskMs = args.quick ? 100 : 500;
const warmupTimeMs = args.quick ? 50 : 150;
const deadline = AbortSignal.timeout(TOTAL_BUDGET_MS);
// tinybench listens on the signal once per task: 19 listeners are expected, not a leak.
setMaxListeners(100, deadline);
const overrun = setTimeout(() => {
  console.error(`micro: over the ${TOTAL_BUDGET_MS / 1000} s budget; stopping`);
  process.exit(3);
}, TOTAL_BUDGET_MS + 5_000);
overrun.unref();

/** Fails the run at once when a bench subject does not do what it is measured doing. */
function check(condition, what) {
  if (!condition) {
    console.error(`micro: sanity check failed: ${what}`);
    process.exit(1);
  }
}

// --- JWT: one key ring per alg on an in-memory SQLite store, as the service builds it -----------------------------

const masterKey = randomBytes(32);
const sealer = seal.createSealer(masterKey);

async function jwtSubjects(alg) {
  const store = await storeModule.openStore('sqlite::memory:');
  await store.migrate();
  const clock = () => Date.now();
  const keys = signingKeys.createSigningKeyRing({
    store,
    sealer,
    clock,
    logger: logger.silentLogger,
    alg,
    accessTtlSeconds: TTL_S,
  });
  await keys.init();
  const tokens = accessToken.createAccessTokens({
    keys,
    clock,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: TTL_S,
    appids: new Set([APPID]),
  });
  const [row] = await store.listSigningKeys();
  const privateJwk = JSON.parse(sealer.open(row.privateJwkSealed, seal.signingKeyAad(row.kid)).toString('utf8'));
  const josePrivate = await jose.importJWK(privateJwk, alg);
  const josePublic = await jose.importJWK(JSON.parse(row.publicJwk), alg);
  // The options the service gave jose before the node:crypto verifier replaced it.
  const joseVerifyOptions = () => ({
    algorithms: [alg],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'JWT',
    clockTolerance: TOLERANCE_S,
    currentDate: new Date(clock()),
    requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp'],
  });
  const joseSign = () => {
    const iat = Math.floor(clock() / 1000);
    return new jose.SignJWT({ appid: APPID, sid: SID })
      .setProtectedHeader({ alg, kid: row.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(SUB)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TTL_S)
      .sign(josePrivate);
  };
  const subject = { sub: SUB, appid: APPID, sid: SID };
  const ours = (await tokens.sign(subject)).token;
  const theirs = await joseSign();
  // Both ways round, or the comparison would be of two different things.
  check(
    (await jose.jwtVerify(ours, josePublic, joseVerifyOptions())).payload.sid === SID,
    `${alg}: jose verifies ours`,
  );
  check((await tokens.verify(theirs)).sid === SID, `${alg}: ours verifies jose's`);
  return {
    store,
    tasks: [
      [`jwt ${alg} sign (ours, node:crypto)`, () => tokens.sign(subject)],
      [`jwt ${alg} sign (jose)`, joseSign],
      [`jwt ${alg} verify (ours, node:crypto)`, () => tokens.verify(ours)],
      [`jwt ${alg} verify (jose)`, () => jose.jwtVerify(ours, josePublic, joseVerifyOptions())],
    ],
  };
}

// --- WeChat data: encryptedData as WeChat seals it (AES-128-CBC, PKCS#7, watermark), the rawData signature -------

function wechatSubjects() {
  const sessionKeyBytes = randomBytes(16);
  const sessionKey = sessionKeyBytes.toString('base64');
  const nowS = Math.floor(Date.now() / 1000);
  const watermark = { timestamp: nowS, appid: APPID };
  const phone = {
    phoneNumber: '+86 138-0013-8000',
    purePhoneNumber: '13800138000',
    countryCode: '86',
    watermark,
  };
  const user = {
    openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
    nickName: '微信用户',
    gender: 0,
    language: 'zh_CN',
    city: '',
    province: '',
    country: '',
    avatarUrl: `https://thirdwx.qlogo.cn/mmopen/vi_32/${'Q0j4TwGTfTK'.repeat(8)}/132`,
    unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
    watermark,
  };
  const encrypt = (data) => {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-128-cbc', sessionKeyBytes, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
    return { appid: APPID, sessionKey, encryptedData: body.toString('base64'), iv: iv.toString('base64') };
  };
  const phoneInput = encrypt(phone);
  const userInput = encrypt(user);
  check(core.decryptData(phoneInput).purePhoneNumber === phone.purePhoneNumber, 'decryptData opens the phone');
  check(core.decryptData(userInput).unionId === user.unionId, 'decryptData opens the user info');
  const rawData = JSON.stringify({ ...user, watermark: undefined });
  const signature = createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest('hex');
  const rawInput = { rawData, signature, sessionKey };
  check(core.verifyRawDataSignature(rawInput) === true, 'verifyRawDataSignature accepts a good signature');
  return [
    [`decryptData phone (${phoneInput.encryptedData.length} b64 chars)`, () => core.decryptData(phoneInput)],
    [`decryptData user info (${userInput.encryptedData.length} b64 chars)`, () => core.decryptData(userInput)],
    ['verifyRawDataSignature (sha1)', () => core.verifyRawDataSignature(rawInput)],
  ];
}

// --- The refresh token's MAC and the session_key seal -------------------------------------------------------------

function serverSecretSubjects() {
  const codec = refreshToken.createRefreshTokenCodec(derive.deriveRefreshKey(masterKey));
  const token = codec.issue(SID, 7);
  check(codec.parse(token).ok === true, 'the refresh codec parses its own token');
  const sessionKey = randomBytes(16).toString('base64');
  const aad = seal.sessionKeyAad(APPID, 'oGZUI0egBJY1zhBYw2KhdUfwVJJE');
  const sealed = sealer.seal(sessionKey, aad);
  check(sealer.open(sealed, aad).toString('utf8') === sessionKey, 'the sealer opens its own seal');
  return [
    ['refresh token issue (HMAC-SHA256)', () => codec.issue(SID, 7)],
    ['refresh token verify (HMAC-SHA256)', () => codec.parse(token)],
    ['seal session_key (AES-256-GCM)', () => sealer.seal(sessionKey, aad)],
    ['open session_key (AES-256-GCM)', () => sealer.open(sealed, aad)],
  ];
}

// --- Run ----------------------------------------------------------------------------------------------------------

const stores = [];
const bench = new Bench({
  name: 'wxlogin micro',
  time: timePerTaskMs,
  warmup: true,
  warmupTime: warmupTimeMs,
  signal: deadline,
  throws: true,
});
for (const alg of ALGS) {
  const { store, tasks } = await jwtSubjects(alg);
  stores.push(store);
  for (const [name, fn] of tasks) bench.add(name, fn);
}
for (const [name, fn] of [...wechatSubjects(), ...serverSecretSubjects()]) bench.add(name, fn);

console.log(
  `micro: ${bench.tasks.length} tasks, ~${timePerTaskMs} ms each (+${warmupTimeMs} ms warmup), ` +
    `stopping at ${TOTAL_BUDGET_MS / 1000} s in all`,
);
const started = performance.now();
try {
  await bench.run();
} finally {
  for (const store of stores) await store.close();
}
const elapsedS = (performance.now() - started) / 1000;

const results = bench.tasks.map((task) => {
  const r = task.result;
  if (!r || !('latency' in r)) return { name: task.name, state: r?.state ?? 'not-started' };
  // ops/s from the mean latency (tinybench's own throughput is the mean of per-sample rates, biased upwards).
  return {
    name: task.name,
    state: r.state,
    opsPerSec: 1000 / r.latency.mean,
    meanUs: r.latency.mean * 1000,
    rmePercent: r.latency.rme,
    p50Us: r.latency.p50 * 1000,
    p99Us: r.latency.p99 * 1000,
    samples: r.latency.samplesCount ?? r.latency.samples?.length,
  };
});

const fixed = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const header = ['task', 'ops/s', 'mean µs', '± rme %'];
const body = results.map((r) => [r.name, fixed(r.opsPerSec, 0), fixed(r.meanUs, 2), fixed(r.rmePercent, 2)]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));

const meanOf = (name) => results.find((r) => r.name === name)?.meanUs;
const speedups = [];
for (const alg of ALGS) {
  for (const op of ['sign', 'verify']) {
    const ours = meanOf(`jwt ${alg} ${op} (ours, node:crypto)`);
    const theirs = meanOf(`jwt ${alg} ${op} (jose)`);
    if (ours && theirs) speedups.push({ alg, op, oursUs: ours, joseUs: theirs, speedup: theirs / ours });
  }
}
console.log(
  `\njose / ours (mean µs): ${speedups.map((s) => `${s.alg} ${s.op} ${fixed(s.speedup, 2)}x`).join(', ')}` +
    `\nran ${fixed(elapsedS, 1)} s${deadline.aborted ? ' (stopped at the budget: some tasks are partial)' : ''}`,
);

if (args.json) {
  const file = resolve(args.json);
  mkdirSync(dirname(file), { recursive: true });
  const record = {
    bench: 'micro',
    date: new Date().toISOString(),
    commit: report.describeCommit(ROOT),
    machine: report.describeMachine(),
    options: { quick: Boolean(args.quick), timePerTaskMs, warmupTimeMs },
    elapsedS,
    results,
    jwtSpeedups: speedups,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
const failed = results.filter((r) => r.state !== 'completed');
if (failed.length > 0) {
  console.error(`micro: ${failed.length} task(s) did not complete: ${failed.map((r) => r.name).join(', ')}`);
  process.exitCode = 1;
}
