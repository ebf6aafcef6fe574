// Messages of the driver ⇄ upsd socket protocol (spec §3), as typed values. Text is produced by
// encode.ts and read back by parse.ts; names are bare words, values are unescaped strings.

/** Driver → client (upsd, upsdrvctl…), §3.2. */
export type DriverMessage =
  | { type: 'SETINFO'; name: string; value: string }
  | { type: 'DELINFO'; name: string }
  | { type: 'ADDENUM' | 'DELENUM'; name: string; value: string }
  | { type: 'ADDRANGE' | 'DELRANGE'; name: string; min: number; max: number }
  | { type: 'SETAUX'; name: string; aux: number }
  | { type: 'SETFLAGS'; name: string; flags: string[] }
  | { type: 'ADDCMD' | 'DELCMD'; name: string }
  | { type: 'DUMPDONE' }
  | { type: 'PONG' }
  | { type: 'DATAOK' }
  | { type: 'DATASTALE' }
  /** Result of a tracked SET/INSTCMD: 0 handled, 1 unknown, 2 invalid, 3 failed, 4 conversion failed (§2.5). */
  | { type: 'TRACKING'; id: string; status: number }
  | { type: 'PID'; pid: string }
  /** `OK Goodbye`, the reply to LOGOUT. */
  | { type: 'GOODBYE' };

/** Client → driver, §3.3. */
export type ClientMessage =
  | { type: 'DUMPALL' }
  | { type: 'DUMPVALUE'; name: string }
  | { type: 'DUMPSTATUS' }
  | { type: 'PING' }
  | { type: 'GETPID' }
  | { type: 'NOBROADCAST' }
  | { type: 'BROADCAST'; enable: boolean }
  | { type: 'LOGOUT' }
  | { type: 'INSTCMD'; cmd: string; param?: string; tracking?: string }
  | { type: 'SET'; name: string; value: string; tracking?: string };

/**
 * A known verb with the wrong shape (too few words, a bad INSTCMD/SET word count). NUT logs or
 * ignores these; upsd must not count them as "heard from the driver" (§2.6, §3.2).
 */
export type Malformed = { type: 'MALFORMED'; verb: string; reason: string };

export type DriverMessageType = DriverMessage['type'];
export type ClientMessageType = ClientMessage['type'];

export function isMalformed(x: unknown): x is Malformed {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'MALFORMED';
}
