import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { wechatBaseUrlWarning } from '../auth/wechat-host.js';
import type { CheckResult, ClockSample } from './check-result.js';
import { describeFailure } from './describe-failure.js';

/** What the WeChat check found, and WeChat's clock as its `Date` header shows it. */
export interface WeChatFindings {
  result: CheckResult;
  clock?: ClockSample;
}

/**
 * Sends one plain GET to the base URL: any HTTP answer shows that DNS, the network and TLS work (WeChat answers every
 * path), and its `Date` header reads WeChat's clock. Whether the AppID and secret work is the `app` checks' part.
 */
export async function checkWeChat(baseUrl: string, timeoutMs: number): Promise<WeChatFindings> {
  const before = Date.now();
  let status: number;
  let date: string | undefined;
  try {
    ({ status, date } = await getOnce(`${baseUrl}/`, timeoutMs));
  } catch (error) {
    const reason = error instanceof TimeoutError ? `no answer within ${timeoutMs / 1000} s` : describeFailure(error);
    return {
      result: {
        check: 'wechat',
        status: 'fail',
        summary: `cannot reach ${baseUrl}: ${reason}`,
        next: 'check DNS, the egress firewall or security group, and any HTTPS proxy between this machine and WeChat (outbound TCP 443 to api.weixin.qq.com)',
        data: { baseUrl },
      },
    };
  }
  const after = Date.now();
  const roundTripMs = after - before;
  const serverTime = date === undefined ? Number.NaN : Date.parse(date);
  // The header has whole seconds: WeChat's clock was somewhere in [date, date + 1 s) when it answered.
  const clock: ClockSample | undefined = Number.isFinite(serverTime)
    ? { source: 'wechat', offsetMs: serverTime + 500 - (before + after) / 2, uncertaintyMs: 500 + roundTripMs / 2 }
    : undefined;
  const data = { baseUrl, httpStatus: status, roundTripMs };
  const warning = wechatBaseUrlWarning(baseUrl);
  const result: CheckResult =
    warning === undefined
      ? { check: 'wechat', status: 'ok', summary: `${baseUrl} reachable (HTTP ${status} in ${roundTripMs} ms)`, data }
      : {
          check: 'wechat',
          status: 'warn',
          summary: `${baseUrl} reachable (HTTP ${status} in ${roundTripMs} ms), but it is not WeChat's API`,
          next: `${warning} In production leave WXLOGIN_WECHAT_BASE_URL unset (https://api.weixin.qq.com).`,
          data,
        };
  return { result, ...(clock === undefined ? {} : { clock }) };
}

class TimeoutError extends Error {}

/**
 * One GET, its body discarded: the status and the `Date` header. `node:http` rather than `fetch`, which refuses the
 * ports of the Fetch standard's block list (a simulator on port 6000, say) that the WeChat client itself accepts.
 */
function getOnce(url: string, timeoutMs: number): Promise<{ status: number; date: string | undefined }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    // A whole-request deadline, not the socket's idle timeout: a peer dribbling bytes must not stretch it.
    const timer = setTimeout(() => req.destroy(new TimeoutError()), timeoutMs);
    const req = send(url, { method: 'GET', headers: { accept: 'application/json' } }, (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode ?? 0, date: res.headers.date });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
