// APC Smart protocol (spec §10.2): tables, reply/request codec, the reply reader. Pure; the
// driver (src/driver/drivers/apcsmart.ts) does the I/O.
export * from './tables.js';
export * from './codec.js';
export * from './reader.js';
