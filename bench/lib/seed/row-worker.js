// The worker thread that makes the rows (ids, openids, sealing every session key), so the main thread spends its
// core on the database alone. Rows go out in batches as flat value arrays; the main thread grants credit for them,
// so at most a few batches wait in memory however slow the database is.
import { parentPort, workerData } from 'node:worker_threads';
import { Dataset } from './dataset.js';
import { loadServerModules } from './server-modules.js';

/**
 * What the worker is given.
 * @typedef {{ appid: string, users: number, sessions: number, now: number, masterKey: Uint8Array,
 *   batchRows: number, credit: number }} RowWorkerData
 */

/** @type {RowWorkerData} */
const options = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

let credit = options.credit;
/** @type {(() => void) | undefined} */
let wake;
port.on('message', (message) => {
  credit += message.credit;
  wake?.();
});

/** @param {object} batch */
async function send(batch) {
  while (credit <= 0) await new Promise((resolve) => (wake = resolve));
  wake = undefined;
  credit--;
  port.postMessage(batch);
}

const server = await loadServerModules();
const sealer = server.createSealer(options.masterKey);
const dataset = new Dataset({
  appid: options.appid,
  users: options.users,
  sessions: options.sessions,
  now: options.now,
  sealSessionKey: (openid, sessionKey) => sealer.seal(sessionKey, server.sessionKeyAad(options.appid, openid)),
  createIdGenerator: server.createIdGenerator,
});
for (let from = 0; from < options.users; from += options.batchRows) {
  const to = Math.min(options.users, from + options.batchRows);
  const { userValues, wechatValues } = dataset.userRows(from, to);
  await send({ phase: 'users', from, to, userValues, wechatValues });
}
for (let from = 0; from < options.sessions; from += options.batchRows) {
  const to = Math.min(options.sessions, from + options.batchRows);
  await send({ phase: 'sessions', from, to, sessionValues: dataset.sessionRows(from, to) });
}
await send({ phase: 'done' });
// The credit listener would keep this thread alive.
port.close();
