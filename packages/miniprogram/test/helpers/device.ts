import { createFakeWx, type FakeWx, type FakeWxOptions } from '@wxlogin/simulator';
import type { ClientOptions, WxloginClient } from '../../src/index.js';
import { loadSdk, type LoadedSdk } from './load-sdk.js';
import type { RunningService } from './service.js';

/** One phone running the mini program: a fake `wx`, the built SDK loaded as the engine would, and its client. */
export interface Device {
  wx: FakeWx;
  sdk: LoadedSdk['sdk'];
  client: WxloginClient;
  /** Moves the device's clock (what the SDK reckons token expiry by). */
  advanceClock(ms: number): void;
  /** Globals the SDK reached for that the mini program engine lacks. */
  strayGlobals(): string[];
  /** The mini program is killed and opened again: same user, same storage, a new SDK client. */
  relaunch(options?: Partial<ClientOptions>): Device;
}

/** A device of the service's app whose SDK talks to `baseUrl` (the relay, to see what it sends). */
export function createDevice(
  service: RunningService,
  baseUrl: string,
  options: DeviceOptions = {},
  /** Told of the device and of each of its relaunches (the harness checks their globals at the end). */
  onDevice: (device: Device) => void = () => undefined,
): Device {
  const wx = createFakeWx({ simulator: service.simulator, appid: service.appid, ...options.wx });
  return deviceOn(wx, baseUrl, options.client ?? {}, onDevice);
}

/** What a test may set of a device: its fake `wx` and its SDK client. */
export interface DeviceOptions {
  wx?: Partial<FakeWxOptions>;
  client?: Partial<ClientOptions>;
}

function deviceOn(
  wx: FakeWx,
  baseUrl: string,
  clientOptions: Partial<ClientOptions>,
  onDevice: (device: Device) => void,
): Device {
  const loaded = loadSdk(wx);
  let offset = 0;
  const client = loaded.sdk.createClient({ baseUrl, now: () => Date.now() + offset, ...clientOptions });
  const device: Device = {
    wx,
    sdk: loaded.sdk,
    client,
    advanceClock: (ms) => void (offset += ms),
    strayGlobals: loaded.strayGlobals,
    relaunch: (options = {}) => deviceOn(wx.control.relaunch(), baseUrl, { ...clientOptions, ...options }, onDevice),
  };
  onDevice(device);
  return device;
}
