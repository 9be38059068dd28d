import { randomBytes } from 'node:crypto';
import { DEFAULT_DEV_SECRET, DEV_APPID as SIMULATOR_DEV_APPID } from '@wxlogin/simulator';
import { describe, expect, it } from 'vitest';
import { createAuth } from '../src/auth/create-auth.js';
import { DEV_APPID, DEV_SECRET, devAppProblems } from '../src/auth/dev-app.js';
import type { WeChatLoginClient } from '../src/auth/types.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';

const configOf = (apps: string, wechatBaseUrl?: string) =>
  loadConfig({
    env: {
      WXLOGIN_APPS: apps,
      WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
      WXLOGIN_DATABASE_URL: 'sqlite::memory:',
      ...(wechatBaseUrl === undefined ? {} : { WXLOGIN_WECHAT_BASE_URL: wechatBaseUrl }),
    },
  });

describe('the dev app of wxlogin dev', () => {
  it("is the simulator's demo app, with the simulator's published secret (what the README shows)", () => {
    expect(DEV_APPID).toBe(SIMULATOR_DEV_APPID);
    expect(DEV_SECRET).toBe(DEFAULT_DEV_SECRET);
  });

  it("is a problem against WeChat's API only, by appid or by secret, and no line quotes the secret", () => {
    const apps = [
      { appid: DEV_APPID, secret: DEV_SECRET },
      { appid: 'wx1234567890abcdef', secret: DEV_SECRET },
      { appid: 'wxfedcba0987654321', secret: 'a-real-looking-secret' },
    ];
    const problems = devAppProblems(apps, 'https://api.weixin.qq.com');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(`WXLOGIN_APPS: ${DEV_APPID} is the simulator's demo app`);
    expect(problems[1]).toContain('app wx1234567890abcdef has the published dev secret');
    for (const line of problems) expect(line).not.toContain(DEV_SECRET);
    expect(devAppProblems(apps, 'https://sh.api.weixin.qq.com')).toHaveLength(2);
    expect(devAppProblems(apps, 'http://127.0.0.1:3001')).toEqual([]);
  });
});

describe('createAuth refuses the dev app against WeChat [sqlite]', () => {
  it('throws a ConfigError before opening anything when its own client would call api.weixin.qq.com', async () => {
    const refused = createAuth(configOf(`${DEV_APPID}:${DEV_SECRET}`));
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/WXLOGIN_APPS: wxdevapp00000001 is the simulator's demo app/);
  });

  it("starts with the dev app against a simulator, or with a host's own WeChat client", async () => {
    const simulated = await createAuth(configOf(`${DEV_APPID}:${DEV_SECRET}`, 'http://127.0.0.1:9'));
    await simulated.close();
    const wechat: WeChatLoginClient = {
      code2Session: () => Promise.reject(new Error('not called')),
      getPhoneNumber: () => Promise.reject(new Error('not called')),
    };
    const hosted = await createAuth(configOf(`${DEV_APPID}:${DEV_SECRET}`), { wechat });
    await hosted.close();
  });
});
