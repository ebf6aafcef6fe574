// The fixed table of frame types on upsmon's one-way pipe (DESIGN.md "the framed pipe"): one per
// notification type (§5.8) and one command. The codes never change meaning: a new type gets a new
// code, an old code is never reused.
//
//   code        type                    scope  meaning
//   0x40 + n    notification n          ups    n is NUT's NOTIFY_* number (ONLINE 0 … SUSPEND_FINISHED 31)
//                                        host   for SHUTDOWN, SHUTDOWN_HOSTSYNC, NOPARENT, SUSPEND_*
//   0x60        EXEC_SHUTDOWN           host   run the shutdown (NUT's one-byte 0x01 to the root parent)
//   0x61        RULE_FIRE               rule   a rule of upsrules.conf fired (issue 16; not in NUT)
//   0x62        RULE_CLEAR              rule   that rule cleared
//
// A `ups` frame names the UPS (a MONITOR system name, 1–64 bytes); a `host` frame has no name
// (length 0), as NUT passes an empty UPSNAME for these. A `rule` frame names a rule, with the same
// bounds and characters: the dispatcher acts on what its own copy of the rule file says of it.

import type { NotifyType } from '../../core/config/upsmon-conf.js';

export type FrameTypeName = NotifyType | 'EXEC_SHUTDOWN' | RuleFrameType;
export type RuleFrameType = 'RULE_FIRE' | 'RULE_CLEAR';

export interface FrameTypeInfo {
  readonly code: number;
  readonly type: FrameTypeName;
  readonly kind: 'notify' | 'command' | 'rule';
  /** 'ups': the frame carries a UPS name; 'host': it carries none; 'rule': a rule's name. */
  readonly scope: 'ups' | 'host' | 'rule';
}

/** First notification code: 0x40 + NUT's NOTIFY_* number. */
export const NOTIFY_CODE_BASE = 0x40;
export const EXEC_SHUTDOWN_CODE = 0x60;
export const RULE_FIRE_CODE = 0x61;
export const RULE_CLEAR_CODE = 0x62;

/** NUT's NOTIFY_* numbers (clients/upsmon.h). */
const NUT_NOTIFY_NUMBERS: Readonly<Record<NotifyType, number>> = {
  ONLINE: 0, ONBATT: 1, LOWBATT: 2, FSD: 3, COMMOK: 4, COMMBAD: 5, SHUTDOWN: 6, REPLBATT: 7,
  NOCOMM: 8, NOPARENT: 9, CAL: 10, NOTCAL: 11, OFF: 12, NOTOFF: 13, BYPASS: 14, NOTBYPASS: 15,
  ECO: 16, NOTECO: 17, ALARM: 18, NOTALARM: 19, OVER: 20, NOTOVER: 21, TRIM: 22, NOTTRIM: 23,
  BOOST: 24, NOTBOOST: 25, SHUTDOWN_HOSTSYNC: 26, SUSPEND_TIMEJUMP_UNEXPECTED: 27, OTHER: 28,
  NOTOTHER: 29, SUSPEND_STARTING: 30, SUSPEND_FINISHED: 31,
};

const HOST_SCOPE: ReadonlySet<FrameTypeName> = new Set<FrameTypeName>([
  'SHUTDOWN', 'SHUTDOWN_HOSTSYNC', 'NOPARENT', 'SUSPEND_TIMEJUMP_UNEXPECTED', 'SUSPEND_STARTING',
  'SUSPEND_FINISHED', 'EXEC_SHUTDOWN',
]);

export const FRAME_TYPES: readonly FrameTypeInfo[] = [
  ...Object.entries(NUT_NOTIFY_NUMBERS).map(([type, n]): FrameTypeInfo => ({
    code: NOTIFY_CODE_BASE + n,
    type: type as NotifyType,
    kind: 'notify',
    scope: HOST_SCOPE.has(type as NotifyType) ? 'host' : 'ups',
  })),
  { code: EXEC_SHUTDOWN_CODE, type: 'EXEC_SHUTDOWN', kind: 'command', scope: 'host' } satisfies FrameTypeInfo,
  { code: RULE_FIRE_CODE, type: 'RULE_FIRE', kind: 'rule', scope: 'rule' } satisfies FrameTypeInfo,
  { code: RULE_CLEAR_CODE, type: 'RULE_CLEAR', kind: 'rule', scope: 'rule' } satisfies FrameTypeInfo,
].sort((a, b) => a.code - b.code);

const BY_CODE: ReadonlyMap<number, FrameTypeInfo> = new Map(FRAME_TYPES.map((t) => [t.code, t]));
const BY_TYPE: ReadonlyMap<string, FrameTypeInfo> = new Map(FRAME_TYPES.map((t) => [t.type, t]));

export function frameTypeByCode(code: number): FrameTypeInfo | undefined {
  return BY_CODE.get(code);
}

/** The table entry for a type name (exact, upper case), or undefined. */
export function frameTypeByName(type: string): FrameTypeInfo | undefined {
  return BY_TYPE.get(type);
}
