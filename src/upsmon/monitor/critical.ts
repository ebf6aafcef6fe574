// The critical-state rules (spec §5.6): NUT's is_ups_critical and the power-value sum of recalc.
// Pure: evaluated once per UPS per poll cycle, in MONITOR order; it has side effects on the UPS
// state (the OBLBDURATION timer), so every UPS is evaluated every time, critical or not.

import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import type { UpsContext, UpsState } from './ups-state.js';

/**
 * Dead-OB promotion (§5.6, before the rules): a UPS last seen on battery that has not answered
 * for more than DEADTIME is treated as on low battery. A link flap no longer than DEADTIME never
 * promotes (NUT #2454 regressed here in 2.8.2: it treated any comms loss while OB as critical).
 */
export function promoteDeadOnBattery(ups: UpsState, ctx: UpsContext): void {
  if (ctx.now - ups.lastPoll > ctx.conf.deadTime && ups.flags.onbatt) {
    if (!ups.flags.lowbatt) ctx.log('debug', `Promoting dead UPS: ${ups.system} (no answer for more than DEADTIME ${String(ctx.conf.deadTime)} s while on battery)`);
    ups.flags.lowbatt = true;
  }
}

/** is_ups_critical (§5.6). */
export function isUpsCritical(ups: UpsState, ctx: UpsContext): boolean {
  const f = ups.flags;
  const { now, conf } = ctx;

  // 1. FSD: a primary (or the driver) is forcing a shutdown.
  if (f.fsd) return true;

  // 2. Comms lost while last known in a state where the load may be unprotected.
  if (ups.commstate === 0) {
    if (f.trim || f.boost) {
      ctx.log('warning', `UPS [${ups.system}] was last known to be ${f.trim ? 'trimming' : 'boosting'} incoming voltage and is not communicating; not assuming it is dead`);
    }
    if (ups.overState === 1 || f.over) {
      if (conf.overDuration >= 0) {
        if (now - ups.overSince < conf.overDuration) {
          ctx.log('warning', `UPS [${ups.system}] was last known to be overloaded (for ${String(now - ups.overSince)} of OVERDURATION ${String(conf.overDuration)} s) and is not communicating`);
        } else {
          ctx.log('warning', `UPS [${ups.system}] was last known to be overloaded for longer than OVERDURATION ${String(conf.overDuration)} s and is not communicating: assuming it is dead`);
          return true;
        }
      } else {
        ctx.log('warning', `UPS [${ups.system}] was last known to be overloaded and is not communicating; not assuming it is dead (OVERDURATION < 0)`);
      }
    }
    if (ups.alarmState === 1 || f.alarm) {
      if (conf.alarmCritical) {
        ctx.log('warning', `UPS [${ups.system}] was last known to be in an ALARM state and is not communicating: assuming it is dead (ALARMCRITICAL 1)`);
        return true;
      }
      ctx.log('debug', `UPS [${ups.system}] was last known to be in an ALARM state and is not communicating; not critical (ALARMCRITICAL 0)`);
    }
    if (f.cal) {
      ctx.log('warning', `UPS [${ups.system}] was last known to be calibrating and is not communicating: assuming it is dead`);
      return true;
    }
    if (ups.bypassState === 1 || f.bypass) {
      ctx.log('warning', `UPS [${ups.system}] was last known to be on BYPASS and is not communicating: assuming it is dead`);
      return true;
    }
    if (ups.offState === 1 || (conf.offDuration >= 0 && f.off)) {
      ctx.log('warning', `UPS [${ups.system}] was last known to be OFF and is not communicating: assuming it is dead`);
      return true;
    }
    if (ups.linestate === 0) {
      // Only a note: DEADTIME decides (promotion above), not the mere loss of comms.
      ctx.log('debug', `UPS [${ups.system}] was last known to be not fully online and is not communicating (waiting for DEADTIME)`);
    }
  }

  // 3. OFF for longer than OFFDURATION.
  if (f.off && conf.offDuration >= 0 && ups.offState === 1) {
    ctx.log('warning', `UPS [${ups.system}] is reported as (administratively) OFF`);
    return true;
  }

  // 4. OB + LB.
  if (!f.onbatt || !f.lowbatt) {
    if (ups.oblbSince > 0) {
      ctx.log('warning', `UPS [${ups.system}] left OB+LB after ${String(now - ups.oblbSince)} s`);
      ups.oblbSince = 0;
    }
    return false;
  }
  if (f.cal) {
    ctx.log('warning', `UPS [${ups.system}] is OB+LB but also calibrating: not declaring it critical`);
    return false;
  }
  if (conf.oblbDuration > 0) {
    if (ups.oblbSince < 1) {
      ctx.log('warning', `UPS [${ups.system}] is OB+LB; OBLBDURATION ${String(conf.oblbDuration)}: waiting to see whether it persists`);
      ups.oblbSince = now;
      return false;
    }
    if (now - ups.oblbSince < conf.oblbDuration) {
      ctx.log('warning', `UPS [${ups.system}] is still OB+LB (${String(now - ups.oblbSince)} of ${String(conf.oblbDuration)} s)`);
      return false;
    }
    ctx.log('warning', `UPS [${ups.system}] has been OB+LB for ${String(now - ups.oblbSince)} s (OBLBDURATION ${String(conf.oblbDuration)}): proceeding`);
  }
  // A primary is critical at once (it will set FSD for the secondaries).
  if (ups.role === 'primary') return true;
  // A secondary gives the primary HOSTSYNC seconds to set FSD first.
  if (now - ups.lastNonCrit > conf.hostSync) {
    ctx.log('warning', `Giving up on the primary for UPS [${ups.system}] after ${String(now - ups.lastNonCrit)} s since it was last not OB+LB`);
    return true;
  }
  return false;
}

/** Power value of the UPSes that are not critical (a UPS never heard from counts as healthy). */
export function healthyPower(upses: readonly UpsState[], ctx: UpsContext): number {
  let total = 0;
  for (const ups of upses) {
    promoteDeadOnBattery(ups, ctx);
    if (isUpsCritical(ups, ctx)) ctx.log('debug', `Critical UPS: ${ups.system}`);
    else total += ups.powerValue;
  }
  return total;
}

/** Whether any UPS keeps the poll loop at POLLFREQALERT (§4.4; see Monitor.sleepSeconds). */
export function inAlertState(ups: UpsState, conf: Pick<UpsmonConf, 'overDuration'>): boolean {
  const f = ups.flags;
  return f.onbatt || f.off || f.bypass || f.alarm || (f.over && conf.overDuration >= 0);
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
