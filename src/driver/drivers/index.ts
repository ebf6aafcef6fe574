// The drivers hardnut has, by the name ups.conf gives them (`driver = dummy-ups`).
// Each is loaded only when asked for: a driver process then pulls in its own code and
// dependencies (net-snmp for snmp-ups…), not every driver's, and no other tool loads any.
// Callers load the driver before any confinement: after chroot no module can be loaded.
import type { DriverDefinition } from '../driver.js';

type LoadDriver = () => Promise<DriverDefinition>;

export const DRIVER_LOADERS: ReadonlyMap<string, LoadDriver> = new Map<string, LoadDriver>([
  ['dummy-ups', async () => (await import('./dummy-ups.js')).dummyUps],
  ['nutdrv_qx', async () => (await import('./nutdrv-qx.js')).nutdrvQx],
  ['apcsmart', async () => (await import('./apcsmart.js')).apcsmart],
  ['snmp-ups', async () => (await import('./snmp-ups.js')).snmpUps],
  ['usbhid-ups', async () => (await import('./usbhid-ups.js')).usbhidUps],
  ['scripted-ups', async () => (await import('./scripted-ups.js')).scriptedUps],
]);

/** Every driver, loaded (config check, which validates each ups.conf section with its driver's own code). */
export async function loadAllDrivers(): Promise<Map<string, DriverDefinition>> {
  const out = new Map<string, DriverDefinition>();
  for (const [name, load] of DRIVER_LOADERS) out.set(name, await load());
  return out;
}

/** NUT drivers hardnut will have (hardware drivers issue), so the CLI can say "not built yet". */
export const PLANNED_DRIVERS: readonly string[] = [];
