import { WeChatClient } from '@wxlogin/core';

const SIMULATOR = 'http://127.0.0.1:3001'; // leave baseUrl out in production: https://api.weixin.qq.com
const wechat = new WeChatClient({
  apps: [{ appid: 'wxdevapp00000001', secret: 'wxlogin-dev-secret' }], // the secret stays on the server
  baseUrl: SIMULATOR,
  timeoutMs: 5000, // whole-call budget, retries included
});

// On a device, wx.login() gives the code; here the simulator mints one.
const minted = await fetch(`${SIMULATOR}/__sim/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ appid: 'wxdevapp00000001' }),
}).then((res) => res.json());

try {
  const { openid, unionid, sessionKey } = await wechat.code2Session('wxdevapp00000001', minted.code);
  // Keep sessionKey on the server (to decrypt encryptedData later); never send it to the mini program.
  console.log({ openid, unionid, hasSessionKey: sessionKey.length > 0 });
} catch (error) {
  // A WeChatError: error.kind is invalid_code, code_used, rate_limited, blocked, config, unavailable, …
  console.error(error.kind, error.errcode, error.message);
} finally {
  await wechat.close();
}
