// Type-checked (never run) in the fresh project against the installed declarations: what a TypeScript user of
// @wxlogin/core and @wxlogin/server writes compiles, and a wrong use does not.
import { type Code2SessionResult, WeChatClient, type WeChatErrorKind } from '@wxlogin/core';
import { type Auth, createAuth, type LoginResponse, loadConfig, type WxloginConfig } from '@wxlogin/server';
import { createSimulator, type Simulator } from '@wxlogin/simulator';

export async function exchange(client: WeChatClient, code: string): Promise<Code2SessionResult> {
  return client.code2Session('wx1234567890abcdef', code);
}

export async function login(config: WxloginConfig, code: string): Promise<LoginResponse> {
  const auth: Auth = await createAuth(config);
  try {
    const response = await auth.login({ code });
    const bearer: 'Bearer' = response.tokenType;
    void bearer;
    return response;
  } finally {
    await auth.close();
  }
}

export const config: WxloginConfig = loadConfig({ env: { WXLOGIN_APPS: 'wx1234567890abcdef:secret' } });
export const kind: WeChatErrorKind = 'invalid_code';
export const simulator: Simulator = createSimulator({});

// @ts-expect-error: a mistyped option is an error, so the declarations are really read (not `any`).
export const wrong = new WeChatClient({ appz: [] });
