// Type-checked (never run) against the installed @wxlogin/miniprogram declarations, with ES2017 and no
// miniprogram-api-typings, as its README says is enough.
import { createClient, errorMessage, isWxloginError, type WxloginClient } from '@wxlogin/miniprogram';

export const client: WxloginClient = createClient({ baseUrl: 'https://api.example.com', appid: 'wx1234567890abcdef' });

export async function me(): Promise<unknown> {
  try {
    const { data } = await client.request({ url: '/v1/me' });
    return data;
  } catch (error) {
    return isWxloginError(error) ? errorMessage(error.code) : String(error);
  }
}

// @ts-expect-error: baseUrl is required, so the declarations are really read (not `any`).
export const wrong = createClient({});
