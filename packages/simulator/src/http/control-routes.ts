import { ControlError } from '../control-error.js';
import type { Faults } from '../faults.js';
import type { EncryptInput, LoginInput, PhoneCodeInput, SimulatorControl } from '../simulator-control.js';

/** A control API answer. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

/**
 * The control API under `/__sim` (JSON, camelCase), each route one call of the simulator's control methods:
 * `POST /__sim/apps`, `POST /__sim/login`, `POST /__sim/phone-code`, `POST /__sim/encrypt`, `PUT|GET /__sim/faults`,
 * `GET /__sim/users/:appid/:openid`, `POST /__sim/users/:appid/:openid/block`, `GET|DELETE /__sim/stats`,
 * `GET /__sim/apps`. Bad input → 400 `{ error }`, unknown app or user → 404, wrong method → 405.
 */
export function handleControl(sim: SimulatorControl, method: string, path: string, body: string): ControlAnswer {
  try {
    return route(sim, method, path, body);
  } catch (error) {
    if (error instanceof ControlError) return { status: error.status, body: { error: error.message } };
    throw error;
  }
}

function route(sim: SimulatorControl, method: string, path: string, body: string): ControlAnswer {
  const user = /^\/__sim\/users\/([^/]+)\/([^/]+)(\/block)?$/.exec(path);
  if (user !== null) {
    const appid = decodeSegment(user[1] ?? '');
    const openid = decodeSegment(user[2] ?? '');
    if (user[3] === undefined) {
      if (method !== 'GET') return notAllowed(method, path);
      const found = sim.getUser(appid, openid);
      return found === undefined ? { status: 404, body: { error: `unknown user ${openid} of ${appid}` } } : ok(found);
    }
    if (method !== 'POST') return notAllowed(method, path);
    const blocked = jsonObject(body, true).blocked ?? true;
    if (typeof blocked !== 'boolean') throw new ControlError(400, 'blocked must be a boolean');
    sim.blockUser(appid, openid, blocked);
    return ok(sim.getUser(appid, openid));
  }
  switch (`${method} ${path}`) {
    case 'POST /__sim/apps': {
      const input = jsonObject(body);
      sim.addApp({ appid: input.appid as string, secret: input.secret as string });
      return ok({ appid: input.appid });
    }
    case 'GET /__sim/apps':
      return ok({ appids: sim.appids() });
    case 'POST /__sim/login':
      return ok(sim.login(jsonObject(body) as unknown as LoginInput));
    case 'POST /__sim/phone-code':
      return ok(sim.phoneCode(jsonObject(body) as unknown as PhoneCodeInput));
    case 'POST /__sim/encrypt':
      return ok(sim.encrypt(jsonObject(body) as unknown as EncryptInput));
    case 'PUT /__sim/faults':
      sim.setFaults(jsonObject(body) as Faults);
      return ok(sim.faults);
    case 'GET /__sim/faults':
      return ok(sim.faults);
    case 'GET /__sim/stats':
      return ok(sim.stats());
    case 'DELETE /__sim/stats':
      sim.resetStats();
      return ok(sim.stats());
    default:
      return { status: 404, body: { error: `no control route ${method} ${path}` } };
  }
}

function ok(body: unknown): ControlAnswer {
  return { status: 200, body };
}

function notAllowed(method: string, path: string): ControlAnswer {
  return { status: 405, body: { error: `${method} is not allowed on ${path}` } };
}

function jsonObject(body: string, emptyAllowed = false): Record<string, unknown> {
  if (emptyAllowed && body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ControlError(400, 'body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ControlError(400, 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ControlError(400, 'malformed path segment');
  }
}
