// usbhid-ups status bits (§10.3): what the UPS's boolean usages say is remembered bit by bit
// (process_boolean_info), because one report rarely carries them all and several usages may set
// the same condition; ups.status, ups.alarm and input.transfer.reason are composed from the bits
// exactly as NUT 2.8.0 does (ups_status_set, ups_alarm_set). Pure.

/** NUT's status_bit_t, in NUT's order. */
export const STATUS_BITS = [
  'online', 'dischrg', 'chrg', 'lowbatt', 'overload', 'replacebatt', 'shutdownimm', 'trim', 'boost', 'bypassauto',
  'bypassman', 'off', 'cal', 'overheat', 'commfault', 'depleted', 'timelimitexp', 'fullycharged', 'awaitingpower',
  'fanfail', 'nobattery', 'battvoltlo', 'battvolthi', 'chargerfail', 'vrange', 'frange',
] as const;
export type StatusBit = typeof STATUS_BITS[number];

export const bit = (name: StatusBit): number => 1 << STATUS_BITS.indexOf(name);

/** process_boolean_info: "name" sets the bit, "!name" clears it; unknown names change nothing. */
export function applyBoolean(status: number, nutValue: string): number {
  const clear = nutValue.startsWith('!');
  const name = (clear ? nutValue.slice(1) : nutValue).toLowerCase();
  const i = (STATUS_BITS as readonly string[]).indexOf(name);
  if (i < 0) return status;
  return clear ? status & ~(1 << i) : status | (1 << i);
}

export interface ComposedStatus {
  tokens: string[];
  /** input.transfer.reason, or undefined to delete it. */
  transferReason: string | undefined;
  /** True for OL+DISCHRG outside calibration, which NUT warns about. */
  onlineDischarging: boolean;
}

/** ups_status_set. `onlineDischarge`: the `onlinedischarge` flag (OL+DISCHRG means OB). */
export function composeStatus(s: number, onlineDischarge: boolean): ComposedStatus {
  const has = (b: StatusBit): boolean => (s & bit(b)) !== 0;
  const tokens: string[] = [];
  let onlineDischarging = false;
  const transferReason = has('vrange') ? 'input voltage out of range' : has('frange') ? 'input frequency out of range' : undefined;
  if (!has('online')) tokens.push('OB');
  else if (has('dischrg')) {
    if (onlineDischarge) tokens.push('OB');
    else {
      if (!has('cal')) onlineDischarging = true;
      tokens.push('OL');
    }
  } else tokens.push('OL');
  if (has('dischrg') && !has('depleted')) tokens.push('DISCHRG');
  if (has('chrg') && !has('fullycharged')) tokens.push('CHRG');
  if (has('lowbatt') || has('timelimitexp') || has('shutdownimm')) tokens.push('LB');
  if (has('overload')) tokens.push('OVER');
  if (has('replacebatt')) tokens.push('RB');
  if (has('trim')) tokens.push('TRIM');
  if (has('boost')) tokens.push('BOOST');
  if (has('bypassauto') || has('bypassman')) tokens.push('BYPASS');
  if (has('off')) tokens.push('OFF');
  if (has('cal')) tokens.push('CAL');
  return { tokens, transferReason, onlineDischarging };
}

/** ups_alarm_set: the alarm texts the bits raise, in NUT's order. */
export function statusAlarms(s: number): string[] {
  const out: string[] = [];
  const texts: Array<[StatusBit, string]> = [
    ['replacebatt', 'Replace battery!'], ['shutdownimm', 'Shutdown imminent!'], ['fanfail', 'Fan failure!'],
    ['nobattery', 'No battery installed!'], ['battvoltlo', 'Battery voltage too low!'], ['battvolthi', 'Battery voltage too high!'],
    ['chargerfail', 'Battery charger fail!'], ['overheat', 'Temperature too high!'], ['commfault', 'Internal UPS fault!'],
    ['awaitingpower', 'Awaiting power!'], ['bypassauto', 'Automatic bypass mode!'], ['bypassman', 'Manual bypass mode!'],
  ];
  for (const [b, text] of texts) if (s & bit(b)) out.push(text);
  return out;
}
