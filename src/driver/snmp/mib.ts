// The shape of an snmp-ups mapping (NUT 2.8.0's snmp_info_t and mib2nut_info_t): one entry per
// NUT variable or instant command, read from (or written to) one OID with a conversion. Pure data.

/** One value of an enumerated OID and its NUT text (NUT's info_lkp_t). */
export interface LookupEntry { value: number; text: string }
export type Lookup = readonly LookupEntry[];

/** NUT's ST_FLAG_* (state flags published with the variable). */
export const ST_RW = 1;
export const ST_STRING = 2;

// snmp-ups' own entry flags (NUT's SU_* bits; the status-kind bits are informational in NUT and
// not used by this implementation).
export const SU_FLAG_OK = 1 << 0;
export const SU_FLAG_STATIC = 1 << 1;
export const SU_FLAG_ABSENT = 1 << 2;
export const SU_FLAG_STALE = 1 << 3;
export const SU_FLAG_NEGINVALID = 1 << 4;
export const SU_FLAG_UNIQUE = 1 << 5;
export const SU_INPUT_1 = 1 << 12;
export const SU_INPUT_3 = 1 << 13;
export const SU_OUTPUT_1 = 1 << 14;
export const SU_OUTPUT_3 = 1 << 15;
export const SU_BYPASS_1 = 1 << 16;
export const SU_BYPASS_3 = 1 << 17;
export const SU_INPHASES = SU_INPUT_1 | SU_INPUT_3;
export const SU_OUTPHASES = SU_OUTPUT_1 | SU_OUTPUT_3;
export const SU_BYPPHASES = SU_BYPASS_1 | SU_BYPASS_3;
export const SU_TYPE_INT = 1 << 18;
export const SU_TYPE_TIME = 1 << 19;
export const SU_TYPE_CMD = 1 << 20;
export const SU_TYPE_MASK = SU_TYPE_INT | SU_TYPE_TIME | SU_TYPE_CMD;

/** NUT's SU_INFOSIZE: strings read from the agent keep at most this many bytes minus the NUL. */
export const SU_INFOSIZE = 128;

export interface SnmpInfo {
  /** NUT variable (or instant command when the type is SU_TYPE_CMD). */
  readonly name: string;
  /** ST_RW | ST_STRING, published with the variable. */
  readonly stFlags: number;
  /** Maximum length of a string variable, the multiplier of a numeric one (NUT's info_len). */
  readonly len: number;
  readonly oid: string | null;
  /** Default value: published when ABSENT, and the value a command sets. */
  readonly dfl: string | null;
  readonly flags: number;
  readonly lookup?: Lookup;
}

export interface MibMapping {
  /** The `mibs =` name. */
  readonly name: string;
  readonly version: string;
  /** Matched against the device's sysObjectID by mibs=auto. */
  readonly sysOid: string | null;
  readonly table: readonly SnmpInfo[];
}

/** Table-building shorthand in NUT's column order. */
export function info(name: string, stFlags: number, len: number, oid: string | null, dfl: string | null, flags: number, lookup?: Lookup): SnmpInfo {
  return lookup ? { name, stFlags, len, oid, dfl, flags, lookup } : { name, stFlags, len, oid, dfl, flags };
}

/** Lookup-table shorthand: [value, text] pairs. */
export function lookup(pairs: ReadonlyArray<readonly [number, string]>): Lookup {
  return pairs.map(([value, text]) => ({ value, text }));
}
