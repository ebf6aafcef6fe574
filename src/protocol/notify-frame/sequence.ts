// What "out of order" means on upsmon's framed pipe, as a small pure validator the dispatcher runs
// over the frames of one child's lifetime (a restarted child gets a fresh validator).
//
// The frames must be a sequence NUT's monitor rules (§5.5–§5.7) could have produced:
//
// 1. Shutdown ordering. SHUTDOWN_HOSTSYNC (at most once) may be followed only by SHUTDOWN;
//    SHUTDOWN only by EXEC_SHUTDOWN; EXEC_SHUTDOWN by nothing at all. EXEC_SHUTDOWN needs a
//    SHUTDOWN before it.
// 2. A shutdown needs a reason. SHUTDOWN_HOSTSYNC or SHUTDOWN is accepted only if
//    - the dispatcher forwarded a user's `upsmon -c fsd` (noteUserFsd), or
//    - an FSD frame was seen, or
//    - some UPS is *currently* on battery (ONBATT not followed by ONLINE), without comms
//      (COMMBAD not followed by COMMOK) or OFF (OFF not followed by NOTOFF).
//    Every path to a critical UPS in §5.6 passes through one of these: OB+LB and dead-OB
//    promotion need OB; the comms-lost rules need COMMBAD; OFFDURATION needs OFF; FSD needs FSD.
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
/** Open conditions that can make a UPS critical (rule 2). */
const CRITICAL_EVIDENCE: readonly Cond[] = ['battery', 'comm', 'OFF'];

interface UpsTrack {
  open: Set<Cond>;
  /** After a wake-up: one ONLINE is allowed without ONBATT. */
  onlineAllowed: boolean;
}

type Phase = 'monitoring' | 'hostsync' | 'shutdown' | 'done';

export class FrameSequenceValidator {
  private phase: Phase = 'monitoring';
  private userFsd = false;
  private fsdSeen = false;
  private readonly upses = new Map<string, UpsTrack>();

  /** `configured`: the MONITOR system names the dispatcher read (rule 4 applies to each). */
  constructor(private readonly configured: Iterable<string> = []) {}

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
      if (!this.hasReason()) return problem(`${t} but no UPS is on battery, without comms, OFF or in FSD, and no FSD was requested`);
      this.phase = t === 'SHUTDOWN' ? 'shutdown' : 'hostsync';
      return undefined;
    }
    if (t === 'SUSPEND_FINISHED') {
      for (const name of this.configured) this.track(name).onlineAllowed = true;
      for (const u of this.upses.values()) u.onlineAllowed = true;
      return undefined;
    }
    if (frame.name === '') return undefined; // other host frames: NOPARENT, SUSPEND_STARTING, TIMEJUMP
    if (t === 'FSD') this.fsdSeen = true;
    const u = this.track(frame.name);
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
    if (this.userFsd || this.fsdSeen) return true;
    for (const u of this.upses.values()) {
      if (CRITICAL_EVIDENCE.some((c) => u.open.has(c))) return true;
    }
    return false;
  }

  private track(name: string): UpsTrack {
    let u = this.upses.get(name);
    if (u === undefined) {
      u = { open: new Set(), onlineAllowed: false };
      this.upses.set(name, u);
    }
    return u;
  }
}

function openerOf(c: Cond): string {
  return c === 'battery' ? 'an open ONBATT' : c === 'comm' ? 'an open COMMBAD' : `an open ${c}`;
}

function problem(reason: string): SequenceProblem {
  return { code: 'out-of-order', reason };
}
