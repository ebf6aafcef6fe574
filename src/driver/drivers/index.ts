// The drivers hardnut has, by the name ups.conf gives them (`driver = dummy-ups`).
import type { DriverDefinition } from '../driver.js';
import { dummyUps } from './dummy-ups.js';

export const DRIVERS: ReadonlyMap<string, DriverDefinition> = new Map([[dummyUps.name, dummyUps]]);

/** NUT drivers hardnut will have (hardware drivers issue), so the CLI can say "not built yet". */
export const PLANNED_DRIVERS: readonly string[] = ['nutdrv_qx', 'apcsmart', 'usbhid-ups', 'snmp-ups'];
