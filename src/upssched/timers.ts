// upssched's timer table (spec §6.3, §6.4). Pure: the clock is injected and nothing is run here;
// the daemon asks what to run and runs it.

import type { UpsschedRequest } from '../protocol/upssched/request.js';
import { MSG_SEPARATOR, type TimerListing } from '../protocol/upssched/reply.js';
import { strtol as cStrtol } from '../core/c-number.js';

/** NUT exits after 15 one-second checks with an empty queue (§6.4). */
export const DEFAULT_IDLE_MS = 15_000;
/** Timers kept at most; further STARTs are refused (hardnut bound; NUT's list is unbounded). */
export const MAX_TIMERS = 4096;
/** Distinct names/types/messages one shared timer collects at most (hardnut bound). */
export const MAX_SHARED_VALUES = 64;

export interface Timer {
  name: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
  notifyTypes: string[];
  upsNames: string[];
  notifyMsgs: string[];
}

/** A CMDSCRIPT run: the word appended to CMDSCRIPT, and the variables to set for it (§6.4). */
export interface Run {
  command: string;
  env: { UPSNAME?: string; NOTIFYTYPE?: string; NOTIFYMSG?: string };
}

/** C's strtol(s, NULL, 10) (core/c-number.ts), clamped to safe integers: a timer's seconds. */
export function strtol(s: string): number {
  const n = cStrtol(s);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

function addUnique(list: string[], value: string): void {
  if (value !== '' && !list.includes(value) && list.length < MAX_SHARED_VALUES) list.push(value);
}

function envOf(types: readonly string[], upss: readonly string[], msgs: readonly string[]): Run['env'] {
  const env: Run['env'] = {};
  if (upss.length > 0) env.UPSNAME = upss.join(',');
  if (types.length > 0) env.NOTIFYTYPE = types.join(',');
  if (msgs.length > 0) env.NOTIFYMSG = msgs.join(MSG_SEPARATOR);
  return env;
}

export interface Outcome {
  /** CMDSCRIPT runs the request causes (CANCEL of nothing with a command). */
  runs: Run[];
  /** For LIST-TIMERS. */
  list?: TimerListing[];
}

export class TimerTable {
  private timers: Timer[] = [];
  private emptySince: number;

  constructor(private readonly now: () => number, private readonly idleMs = DEFAULT_IDLE_MS) {
    this.emptySince = now();
  }

  get size(): number {
    return this.timers.length;
  }

  apply(r: UpsschedRequest): Outcome {
    // hardnut: any request restarts the idle count, which narrows NUT's race between a client
    // connecting and the daemon deciding to exit (§6.4).
    this.emptySince = this.now();
    switch (r.verb) {
      case 'START':
      case 'START-SHARED': {
        const secs = strtol(r.arg2);
        if (secs < 0) return { runs: [] }; // NUT: "bogus offset for timer, ignoring", still OK
        if (r.verb === 'START-SHARED') {
          const t = this.timers.find((x) => x.name === r.arg1);
          if (t) {
            addUnique(t.notifyTypes, r.notifyType);
            addUnique(t.upsNames, r.upsName);
            addUnique(t.notifyMsgs, r.notifyMsg);
            return { runs: [] };
          }
        }
        if (this.timers.length >= MAX_TIMERS) return { runs: [] };
        const t: Timer = { name: r.arg1, expiresAt: this.now() + secs * 1000, notifyTypes: [], upsNames: [], notifyMsgs: [] };
        addUnique(t.notifyTypes, r.notifyType);
        addUnique(t.upsNames, r.upsName);
        addUnique(t.notifyMsgs, r.notifyMsg);
        this.timers.push(t);
        return { runs: [] };
      }
      case 'CANCEL':
      case 'CANCEL-MATCHED': {
        const matched = (t: Timer): boolean => t.name === r.arg1 && (r.verb === 'CANCEL' || (
          (r.notifyType === '' || t.notifyTypes.includes(r.notifyType)) && (r.upsName === '' || t.upsNames.includes(r.upsName))));
        const before = this.timers.length;
        // §6.3: every timer of that name (NUT 2.8.0 itself removed only the first).
        this.timers = this.timers.filter((t) => !matched(t));
        if (this.timers.length < before || r.arg2 === '') return { runs: [] };
        return { runs: [{ command: r.arg2, env: envOf([r.notifyType].filter(Boolean), [r.upsName].filter(Boolean), [r.notifyMsg].filter(Boolean)) }] };
      }
      case 'LIST-TIMERS':
        return { runs: [], list: this.list() };
    }
  }

  list(): TimerListing[] {
    const now = this.now();
    return this.timers.map((t) => ({
      name: t.name, expires: Math.floor(t.expiresAt / 1000), secondsLeft: Math.ceil((t.expiresAt - now) / 1000),
      notifyTypes: [...t.notifyTypes], upsNames: [...t.upsNames], notifyMsgs: [...t.notifyMsgs],
    }));
  }

  /** §6.4 checktimers(): removes expired timers (in start order) and says what to run. */
  check(): { runs: Run[]; exit: boolean } {
    const now = this.now();
    if (this.timers.length === 0) return { runs: [], exit: now - this.emptySince >= this.idleMs };
    const runs: Run[] = [];
    this.timers = this.timers.filter((t) => {
      if (now < t.expiresAt) return true;
      runs.push({ command: t.name, env: envOf(t.notifyTypes, t.upsNames, t.notifyMsgs) });
      return false;
    });
    this.emptySince = now;
    return { runs, exit: false };
  }

  /** Milliseconds until the next expiry, or undefined with no timer. */
  nextExpiryIn(): number | undefined {
    if (this.timers.length === 0) return undefined;
    return Math.max(0, Math.min(...this.timers.map((t) => t.expiresAt)) - this.now());
  }
}
