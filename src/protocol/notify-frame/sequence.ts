// What "out of order" means on upsmon's framed pipe, as a small pure validator the dispatcher runs
// over the frames of one child's lifetime (a restarted child gets a fresh validator).
//
// The frames must be a sequence NUT's monitor rules (§5.5–§5.7) could have produced:
//
// 1. Shutdown ordering. SHUTDOWN_HOSTSYNC (at most once) may be followed only by SHUTDOWN;
//    SHUTDOWN only by EXEC_SHUTDOWN; EXEC_SHUTDOWN by nothing at all. EXEC_SHUTDOWN needs a
//    SHUTDOWN before it.
// 2. A shutdown needs NUT's reason (§5.6, recalc), computed from the dispatcher's OWN upsmon.conf
//    (power values, MINSUPPLIES, ALARMCRITICAL, OVERDURATION, OFFDURATION) and the frames seen:
//    SHUTDOWN_HOSTSYNC or SHUTDOWN is accepted only if
//    - the dispatcher forwarded a user's `upsmon -c fsd` (noteUserFsd), or
//    - the power of the MONITORs that may still be healthy is below MINSUPPLIES, where a UPS may be
//      critical (counted as lost) only if its frames allow one of §5.6's rules:
//        FSD seen;  ONBATT open and (LOWBATT seen, or COMMBAD while on battery: dead-OB promotion);
//        COMMBAD open and CAL, BYPASS, OFF, ALARM (ALARMCRITICAL) or OVER (OVERDURATION ≥ 0) open;
//        OFF open with OFFDURATION ≥ 0.
//    The model over-approximates the monitor (it may only accept more, never less): LB and FSD
//    stay "possibly set" once notified, since the monitor notifies their setting but not their
//    clearing; the timers (OBLBDURATION, OFFDURATION, OVERDURATION, HOSTSYNC, DEADTIME) and the
//    OB+LB+CAL exception are not modelled. A legitimate shutdown must never be refused, and a
//    compromised child can claim any of these states anyway (SECURITY.md): what it can no longer
//    do is shut the host down while its frames say the UPSes are on line.
//    A reload adds the new configuration's rule; the rules of every configuration this child
//    may still be using are tried (the child applies a reload at its next poll cycle).
// 3. Transitions pair up per UPS. ONLINE needs an open ONBATT (the first OL is never notified);
//    COMMOK and NOCOMM need an open COMMBAD (the first connect is never notified); each NOTx needs
//    an open x (CAL, OFF, BYPASS, ECO, ALARM, OVER, TRIM, BOOST, OTHER). Openers may repeat
//    (ALARM and OTHER re-notify when their text changes).
// 4. SUSPEND_FINISHED (a wake-up: the monitor forgets the statuses) lets each configured UPS
//    send one ONLINE without ONBATT, since NUT notifies ONLINE again on the first OL after a wake.
//
// Host frames other than the shutdown ones (NOPARENT, SUSPEND_*) are accepted before the shutdown.

import type { Frame } from './codec.js';
import type { FrameTypeName } from './table.js';

export interface SequenceProblem {
  code: 'out-of-order';
  reason: string;
}

type Cond = 'battery' | 'comm' | 'CAL' | 'OFF' | 'BYPASS' | 'ECO' | 'ALARM' | 'OVER' | 'TRIM' | 'BOOST' | 'OTHER';

/** Frames that open a condition, and the frames that need it open (and whether they close it). */
const OPENS: Partial<Record<FrameTypeName, Cond>> = {
  ONBATT: 'battery', COMMBAD: 'comm', CAL: 'CAL', OFF: 'OFF', BYPASS: 'BYPASS', ECO: 'ECO',
  ALARM: 'ALARM', OVER: 'OVER', TRIM: 'TRIM', BOOST: 'BOOST', OTHER: 'OTHER',
};
const NEEDS: Partial<Record<FrameTypeName, { cond: Cond; closes: boolean }>> = {
  ONLINE: { cond: 'battery', closes: true },
  COMMOK: { cond: 'comm', closes: true },
  NOCOMM: { cond: 'comm', closes: false },
  NOTCAL: { cond: 'CAL', closes: true },
  NOTOFF: { cond: 'OFF', closes: true },
  NOTBYPASS: { cond: 'BYPASS', closes: true },
  NOTECO: { cond: 'ECO', closes: true },
  NOTALARM: { cond: 'ALARM', closes: true },
  NOTOVER: { cond: 'OVER', closes: true },
  NOTTRIM: { cond: 'TRIM', closes: true },
  NOTBOOST: { cond: 'BOOST', closes: true },
  NOTOTHER: { cond: 'OTHER', closes: true },
};

/** One MONITOR as the dispatcher read it: its system name and power value. */
export interface SupplyMonitor {
  readonly system: string;
  readonly powerValue: number;
}

/** The upsmon.conf settings rule 2 needs (an UpsmonConf is one). */
export interface SupplyRule {
  readonly monitors: readonly SupplyMonitor[];
  readonly minSupplies: number;
  readonly alarmCritical: boolean;
  readonly overDuration: number;
  readonly offDuration: number;
}

/**
 * Configurations kept for one child (the first and its reloads, newest kept). Reloads come only
 * from root (`upsmon -c reload`); the child has applied all but the last long before this many.
 */
export const MAX_SUPPLY_RULES = 8;

interface UpsTrack {
  open: Set<Cond>;
  /** After a wake-up: one ONLINE is allowed without ONBATT. */
  onlineAllowed: boolean;
  /** LOWBATT was notified, or comms were lost while on battery (dead-OB promotion sets LB). */
  lowBattery: boolean;
  /** FSD was notified. */
  fsd: boolean;
}

type Phase = 'monitoring' | 'hostsync' | 'shutdown' | 'done';

export class FrameSequenceValidator {
  private phase: Phase = 'monitoring';
  private userFsd = false;
  private readonly upses = new Map<string, UpsTrack>();
  private readonly rules: SupplyRule[] = [];

  /** `rule`: the dispatcher's own upsmon.conf (its MONITORs: rule 4 applies to each). */
  constructor(rule: SupplyRule) {
    this.addRule(rule);
  }

  /** A reload: the child may use this configuration from its next poll cycle on. */
  addRule(rule: SupplyRule): void {
    // A copy: what the dispatcher read, not an object someone may change later.
    this.rules.push({
      monitors: rule.monitors.map((m) => ({ system: m.system, powerValue: m.powerValue })),
      minSupplies: rule.minSupplies, alarmCritical: rule.alarmCritical,
      overDuration: rule.overDuration, offDuration: rule.offDuration,
    });
    if (this.rules.length > MAX_SUPPLY_RULES) this.rules.shift();
  }

  /** The dispatcher forwarded `upsmon -c fsd` to the child: a shutdown may follow. */
  noteUserFsd(): void {
    this.userFsd = true;
  }

  /** True once EXEC_SHUTDOWN was accepted. */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** Checks the next frame; on success records it. Names are assumed checked (isConfiguredName). */
  check(frame: Frame): SequenceProblem | undefined {
    const t = frame.type;
    switch (this.phase) {
      case 'done':
        return problem(`${t} after EXEC_SHUTDOWN: nothing may follow it`);
      case 'shutdown':
        if (t !== 'EXEC_SHUTDOWN') return problem(`${t} after SHUTDOWN: only EXEC_SHUTDOWN may follow it`);
        this.phase = 'done';
        return undefined;
      case 'hostsync':
        if (t !== 'SHUTDOWN') return problem(`${t} after SHUTDOWN_HOSTSYNC: only SHUTDOWN may follow it`);
        this.phase = 'shutdown';
        return undefined;
      case 'monitoring':
        break;
    }
    if (t === 'EXEC_SHUTDOWN') return problem('EXEC_SHUTDOWN without a SHUTDOWN notification before it');
    if (t === 'SHUTDOWN' || t === 'SHUTDOWN_HOSTSYNC') {
      if (!this.hasReason()) {
        return problem(`${t} but the UPSes that may be critical leave enough power (MINSUPPLIES), and no FSD was requested`);
      }
      this.phase = t === 'SHUTDOWN' ? 'shutdown' : 'hostsync';
      return undefined;
    }
    if (t === 'SUSPEND_FINISHED') {
      for (const r of this.rules) for (const m of r.monitors) this.track(m.system).onlineAllowed = true;
      for (const u of this.upses.values()) u.onlineAllowed = true;
      return undefined;
    }
    if (frame.name === '') return undefined; // other host frames: NOPARENT, SUSPEND_STARTING, TIMEJUMP
    const u = this.track(frame.name);
    const p = this.transition(u, frame);
    // Dead-OB promotion (§5.6): comms lost while on battery become LB after DEADTIME.
    if (u.open.has('battery') && u.open.has('comm')) u.lowBattery = true;
    return p;
  }

  private transition(u: UpsTrack, frame: Frame): SequenceProblem | undefined {
    const t = frame.type;
    if (t === 'LOWBATT') u.lowBattery = true;
    if (t === 'FSD') u.fsd = true;
    const opens = OPENS[t];
    if (opens !== undefined) {
      u.open.add(opens);
      return undefined;
    }
    const needs = NEEDS[t];
    if (needs === undefined) return undefined; // LOWBATT, FSD, REPLBATT
    if (!u.open.has(needs.cond)) {
      if (t === 'ONLINE' && u.onlineAllowed) {
        u.onlineAllowed = false;
        return undefined;
      }
      return problem(`${t} for ${frame.name} without ${openerOf(needs.cond)} before it`);
    }
    if (needs.closes) u.open.delete(needs.cond);
    if (t === 'ONLINE') u.onlineAllowed = false;
    return undefined;
  }

  private hasReason(): boolean {
    if (this.userFsd) return true;
    return this.rules.some((r) => {
      let healthy = 0;
      for (const m of r.monitors) {
        const u = this.upses.get(m.system);
        // A UPS never heard from counts as healthy (NUT).
        if (u === undefined || !mayBeCritical(u, r)) healthy += m.powerValue;
      }
      return healthy < r.minSupplies;
    });
  }

  private track(name: string): UpsTrack {
    let u = this.upses.get(name);
    if (u === undefined) {
      u = { open: new Set(), onlineAllowed: false, lowBattery: false, fsd: false };
      this.upses.set(name, u);
    }
    return u;
  }
}

/** Whether the monitor may hold this UPS critical (§5.6, over-approximated: see rule 2). */
function mayBeCritical(u: UpsTrack, r: SupplyRule): boolean {
  const o = u.open;
  if (u.fsd) return true; // 1. FSD
  if (o.has('comm')) { // 2. comms lost while last known in a state where the load may be unfed
    if (o.has('CAL') || o.has('BYPASS') || o.has('OFF')) return true;
    if (o.has('ALARM') && r.alarmCritical) return true;
    if (o.has('OVER') && r.overDuration >= 0) return true;
  }
  if (o.has('OFF') && r.offDuration >= 0) return true; // 3. OFF past OFFDURATION
  return o.has('battery') && u.lowBattery; // 4. OB + LB (dead-OB promotion included)
}

function openerOf(c: Cond): string {
  return c === 'battery' ? 'an open ONBATT' : c === 'comm' ? 'an open COMMBAD' : `an open ${c}`;
}

function problem(reason: string): SequenceProblem {
  return { code: 'out-of-order', reason };
}
