import { ControlError } from './control-error.js';
import { WECHAT_ROUTES } from './routes/wechat-routes.js';

/** Fault injection on the WeChat routes (the Contract's `PUT /__sim/faults`). `{}` means no faults. */
export interface Faults {
  /** Delay every answer by this many milliseconds (real time, not the injected clock). */
  latencyMs?: number;
  /** Share of calls, 0..1, answered with errcode -1 ("system error") without any effect. */
  errorRate?: number;
  /** Share of calls, 0..1, whose connection is destroyed without an answer and without any effect. */
  dropRate?: number;
  /** Calls that would succeed take effect (code used, token minted) and then lose their connection. */
  dropAfterConsume?: boolean;
  /** Every call answers this errcode (e.g. 40164, -1, 45011) without any effect. */
  errcode?: number;
  /** Limit the faults to these WeChat paths (e.g. `["/sns/jscode2session"]`); all WeChat routes when absent. */
  routes?: string[];
}

/** `input` checked as {@link Faults}; a 400 ControlError names every problem found. */
export function parseFaults(input: unknown): Faults {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ControlError(400, 'faults must be a JSON object');
  }
  const raw = input as Record<string, unknown>;
  const problems: string[] = [];
  const faults: Faults = {};
  const known = new Set(['latencyMs', 'errorRate', 'dropRate', 'dropAfterConsume', 'errcode', 'routes']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`unknown fault "${key}"`);
  if (raw.latencyMs !== undefined) {
    if (typeof raw.latencyMs === 'number' && Number.isFinite(raw.latencyMs) && raw.latencyMs >= 0) {
      faults.latencyMs = raw.latencyMs;
    } else problems.push('latencyMs must be a number >= 0');
  }
  for (const key of ['errorRate', 'dropRate'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value === 'number' && value >= 0 && value <= 1) faults[key] = value;
    else problems.push(`${key} must be a number between 0 and 1`);
  }
  if (raw.dropAfterConsume !== undefined) {
    if (typeof raw.dropAfterConsume === 'boolean') faults.dropAfterConsume = raw.dropAfterConsume;
    else problems.push('dropAfterConsume must be a boolean');
  }
  if (raw.errcode !== undefined) {
    if (Number.isSafeInteger(raw.errcode) && raw.errcode !== 0) faults.errcode = raw.errcode as number;
    else problems.push('errcode must be a non-zero integer');
  }
  if (raw.routes !== undefined) {
    const routes = raw.routes;
    if (Array.isArray(routes) && routes.every((route) => typeof route === 'string' && WECHAT_ROUTES.includes(route))) {
      faults.routes = [...(routes as string[])];
    } else problems.push(`routes must be an array of WeChat paths (${WECHAT_ROUTES.join(', ')})`);
  }
  if (problems.length > 0) throw new ControlError(400, problems.join('; '));
  return faults;
}

/** Whether `faults` apply to a call of `path`. */
export function faultsApply(faults: Faults, path: string): boolean {
  return faults.routes === undefined || faults.routes.includes(path);
}
