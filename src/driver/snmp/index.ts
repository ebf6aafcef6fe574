// snmp-ups' pure parts: the mappings (ietf, apcc), the value conversions and the NUT logic over
// an injected SNMP client (engine.ts). The driver (drivers/snmp-ups.ts) adds net-snmp.
export * from './mib.js';
export * from './values.js';
export * from './engine.js';
export { IETF, TRIPPLITE, IETF_TABLE, IETF_MIB_VERSION } from './ietf-mib.js';
export { APCC, APCC_TABLE, APCC_MIB_VERSION } from './apc-mib.js';
