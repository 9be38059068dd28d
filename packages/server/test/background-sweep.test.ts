import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { startBackgroundSweep } from '../src/maintenance/background-sweep.js';
import { openStore } from '../src/store/index.js';

describe('background sweep [sqlite]', () => {
  it('deletes expired login codes like `wxlogin gc`, and its timers never hold the process', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    const now = Date.UTC(2026, 0, 1);
    await store.claimLoginCode({
      codeHash: 'a'.repeat(64),
      appid: 'wxdevapp00000001',
      nonceHash: null,
      createdAt: now - 600_000,
      expiresAt: now - 1,
    });
    await store.claimLoginCode({
      codeHash: 'b'.repeat(64),
      appid: 'wxdevapp00000001',
      nonceHash: null,
      createdAt: now,
      expiresAt: now + 300_000,
    });

    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const sweep = startBackgroundSweep({ store, clock: () => now, logger: silentLogger });
    await sweep.runOnce();
    expect(await store.getLoginCode('a'.repeat(64))).toBeUndefined();
    expect(await store.getLoginCode('b'.repeat(64))).toBeDefined();

    sweep.stop();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    await store.close();
  });

  it('a failing sweep is logged, not thrown, and the next one runs', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    await store.close(); // every query now fails
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };
    const sweep = startBackgroundSweep({ store, clock: () => Date.now(), logger });
    await expect(sweep.runOnce()).resolves.toBeUndefined();
    await expect(sweep.runOnce()).resolves.toBeUndefined();
    sweep.stop();
    expect(warnings).toHaveLength(2);
  });
});
