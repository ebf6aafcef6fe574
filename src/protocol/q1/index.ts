// Megatec/Q1 protocol family (spec §10.1): tables, reply parsing, command encoding, battery
// estimation. Pure; the driver (src/driver/drivers/nutdrv-qx.ts) does the I/O.
export * from './cformat.js';
export * from './items.js';
export * from './answer.js';
export * from './commands.js';
export * from './battery.js';
