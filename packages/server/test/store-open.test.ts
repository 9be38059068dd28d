import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { loadPeer } from '../src/store/load-peer.js';

describe('[sqlite] openStore URLs and options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxlogin-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sqlite::memory: opens, migrates and answers', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(store.dialect).toBe('sqlite');
      await store.migrate();
      await store.ping();
      expect(await store.getUser('nobody')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('sqlite:PATH creates missing folders and puts the file in WAL mode', async () => {
    const file = join(dir, 'nested', 'deeper', 'wx.db');
    const store = await openStore(`sqlite:${file}`);
    await store.migrate();
    await store.close();
    expect(existsSync(file)).toBe(true);
    const raw = new BetterSqlite3(file);
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('two stores on one file in one process share a connection: concurrent writes never deadlock', async () => {
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    try {
      await Promise.all([a.migrate(), b.migrate()]);
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).claimLoginCode({
            codeHash: `h${i % 5}`,
            appid: 'wxa',
            nonceHash: null,
            createdAt: 1,
            expiresAt: 2,
          }),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(5);
      await a.close();
      // The other store keeps working after one closes.
      expect(await b.getLoginCode('h0')).toMatchObject({ state: 'pending' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an unknown scheme is refused by name, without echoing the rest of the URL', async () => {
    const err = await openStore('redis://user:hunter2@db.example:6379/0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('unsupported database URL scheme "redis:"');
    expect((err as Error).message).not.toContain('hunter2');
    await expect(openStore('not a url')).rejects.toThrow('unsupported database URL scheme');
  });

  it('sqlite: without a path, a pool under 2 and a bad schema name are refused', async () => {
    await expect(openStore('sqlite:')).rejects.toThrow('needs a path');
    await expect(openStore('sqlite::memory:', { poolMax: 1 })).rejects.toThrow('poolMax');
    await expect(openStore('sqlite::memory:', { statementTimeoutMs: 0 })).rejects.toThrow('statementTimeoutMs');
    await expect(openStore('sqlite::memory:', { schema: 'x"; drop' })).rejects.toThrow('schema');
  });

  it('a malformed URL, or mysql:// without a database, is refused before connecting, password unsaid', async () => {
    await expect(openStore('mysql://root:pw@127.0.0.1:1/')).rejects.toThrow('must name a database');
    const err = await openStore('mysql://root:s3cret@[bad').catch((e: unknown) => e);
    expect((err as Error).message).toBe('the mysql:// database URL is malformed');
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain('s3cret');
    const pgErr = await openStore('postgres://u:s3cret@[bad').catch((e: unknown) => e);
    expect((pgErr as Error).message).toBe('the postgres:// database URL is malformed');
  });

  it('a missing optional peer names the package to install', async () => {
    const name = 'wxlogin-peer-that-is-not-installed';
    const err = await loadPeer(() => import(name), name, 'postgres://').catch((e: unknown) => e);
    expect((err as Error).message).toBe(`install ${name} (npm i ${name}) to use a postgres:// database`);
    // Any other failure while loading is passed on as it is.
    const broken = new Error('boom');
    await expect(loadPeer(() => Promise.reject(broken), 'pg', 'postgres://')).rejects.toBe(broken);
  });
});
