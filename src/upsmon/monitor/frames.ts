// Which monitor effects cross upsmon's framed pipe, and as what (DESIGN.md): every notification
// (whatever its NOTIFYFLAG: the dispatcher applies the flags from its own copy of upsmon.conf and
// needs every frame for its sequence check) and the shutdown request. Pure.

import { encodeFrame } from '../../protocol/notify-frame/index.js';
import type { MonitorEffect } from '../shared/types.js';

/** The frame for an effect, or undefined for effects that stay in the monitor process. */
export function frameOf(effect: MonitorEffect): Uint8Array | undefined {
  if (effect.kind === 'notify') return encodeFrame(effect.type, effect.ups ?? '');
  if (effect.kind === 'shutdown') return encodeFrame('EXEC_SHUTDOWN');
  return undefined;
}
