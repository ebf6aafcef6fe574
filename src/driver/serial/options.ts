// NUT's serial options shared by the serial drivers: the speed (both protocols here are fixed at
// 2400 8N1) and cable power through the modem control lines.

import { UsageError } from '../../core/errors.js';

/** B2400: NUT's nutdrv_qx and apcsmart never use another speed. */
export const DEFAULT_BAUD = 2400;
/** NUT waits this long after setting DTR/RTS for a cable-powered interface to settle. */
export const CABLE_SETTLE_MS = 100;

export interface CablePower { dtr: boolean; rts: boolean }

/** nutdrv_qx `cablepower`: which of DTR/RTS feed the interface (default normal = DTR). */
export const CABLEPOWER: ReadonlyMap<string, CablePower> = new Map([
  ['normal', { dtr: true, rts: false }],
  ['reverse', { dtr: false, rts: true }],
  ['both', { dtr: true, rts: true }],
  ['none', { dtr: false, rts: false }],
]);

/** Resolves `cablepower = …` (case-insensitive, as NUT compares it); absent means normal. */
export function parseCablePower(value: string | null | undefined): CablePower {
  if (value === undefined) return CABLEPOWER.get('normal') as CablePower;
  const found = value === null ? undefined : CABLEPOWER.get(value.toLowerCase());
  if (!found) throw new UsageError(`Value '${value ?? ''}' not valid for 'cablepower'`);
  return found;
}

/** apcsmart `cable = 940-0095B`: the alternate cable wants DTR up and RTS down. */
export const APC_ALT_CABLE = '940-0095B';
