import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createDevice, type Device, type DeviceOptions } from './device.js';
import { startRelay, type Relay } from './relay.js';
import { startService, type RunningService } from './service.js';

/** One real service behind a relay for a file of SDK tests, and the devices its tests make. */
export interface SdkHarness {
  readonly service: RunningService;
  readonly relay: Relay;
  /** A new device whose SDK talks to the service through the relay (options merged over `defaults`). */
  device(options?: DeviceOptions): Device;
}

/**
 * Registers the hooks of an SDK test file: `wxlogin serve` (with `env`) and a relay before all tests, the relay's
 * rules and records and the simulator's faults and counters reset after each, and at the end the check that every
 * device's SDK — relaunches included — reached for no global the mini program engine lacks.
 */
export function useSdkHarness(
  env: Record<string, string> = {},
  defaults: (n: number) => DeviceOptions = () => ({}),
): SdkHarness {
  let service: RunningService | undefined;
  let relay: Relay | undefined;
  const devices: Device[] = [];
  const harness: SdkHarness = {
    get service() {
      if (service === undefined) throw new Error('the service starts in beforeAll');
      return service;
    },
    get relay() {
      if (relay === undefined) throw new Error('the relay starts in beforeAll');
      return relay;
    },
    device(options = {}) {
      const base = defaults(devices.length);
      const merged = { wx: { ...base.wx, ...options.wx }, client: { ...base.client, ...options.client } };
      return createDevice(harness.service, harness.relay.url, merged, (d) => devices.push(d));
    },
  };
  beforeAll(async () => {
    service = await startService(env);
    relay = await startRelay(service.url);
  });
  afterEach(() => {
    if (relay !== undefined) {
      relay.rule = undefined;
      relay.onAnswer = undefined;
      relay.calls.length = 0;
    }
    service?.simulator.clearFaults();
    service?.simulator.resetStats();
  });
  afterAll(async () => {
    for (const d of devices) expect(d.strayGlobals()).toEqual([]);
    await relay?.close();
    await service?.stop();
  });
  return harness;
}
