// The drivers hardnut has, by the name ups.conf gives them (`driver = dummy-ups`).
import type { DriverDefinition } from '../driver.js';
import { dummyUps } from './dummy-ups.js';
import { nutdrvQx } from './nutdrv-qx.js';
import { apcsmart } from './apcsmart.js';
import { snmpUps } from './snmp-ups.js';
import { usbhidUps } from './usbhid-ups.js';

export const DRIVERS: ReadonlyMap<string, DriverDefinition> = new Map([[dummyUps.name, dummyUps], [nutdrvQx.name, nutdrvQx], [apcsmart.name, apcsmart], [snmpUps.name, snmpUps], [usbhidUps.name, usbhidUps]]);

/** NUT drivers hardnut will have (hardware drivers issue), so the CLI can say "not built yet". */
export const PLANNED_DRIVERS: readonly string[] = [];
