// Failed-login throttling (hardnut addition; NUT has none). Sans I/O, clock passed in.
//
// A NUT connection sets its USERNAME and PASSWORD once, so each guess at a password costs the
// attacker a connection, and NUT answers every guess at once. hardnut keeps, per client address,
// the failed credential checks of the last FAILURE_WINDOW_MS. The first FREE_FAILURES cost nothing
// (a mistyped password must not be punished); after that the ACCESS-DENIED for each further failure
// is held back for a delay that grows with the count, up to MAX_FAILURE_DELAY_MS. Only failures are
// delayed: correct credentials are never slowed down or refused, so an attacker sharing an address
// with upsmon (localhost) cannot lock upsmon out. The reply bytes are NUT's either way.

/** Failures per address remembered this long. */
export const FAILURE_WINDOW_MS = 60_000;
/** Failures within the window answered without delay. */
export const FREE_FAILURES = 3;
/** Delay per failure beyond the free ones. */
export const FAILURE_DELAY_STEP_MS = 1_000;
/** Upper bound of the delay of one reply. */
export const MAX_FAILURE_DELAY_MS = 10_000;
/** Failure times kept per address: beyond this many the delay is at its maximum anyway. */
const MAX_FAILURES_KEPT = FREE_FAILURES + Math.ceil(MAX_FAILURE_DELAY_MS / FAILURE_DELAY_STEP_MS);
/** Addresses remembered at most; the oldest are forgotten first (memory stays bounded). */
export const MAX_TRACKED_ADDRESSES = 4_096;

export class AuthThrottle {
  /** address → failure times (ms), oldest first. Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  /** Records a failed check; returns how long to hold back its reply (ms). */
  recordFailure(address: string, now: number): number {
    const list = this.recent(address, now);
    list.push(now);
    if (list.length > MAX_FAILURES_KEPT) list.splice(0, list.length - MAX_FAILURES_KEPT);
    // re-insert: the Map's order is the eviction order
    this.failures.delete(address);
    this.failures.set(address, list);
    while (this.failures.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
    const excess = list.length - FREE_FAILURES;
    return excess <= 0 ? 0 : Math.min(MAX_FAILURE_DELAY_MS, excess * FAILURE_DELAY_STEP_MS);
  }

  /** Failures from `address` within the window. */
  count(address: string, now: number): number {
    return this.recent(address, now).length;
  }

  /** Forgets expired entries (called from the main loop). */
  purge(now: number): void {
    for (const [addr, list] of this.failures) {
      if (list.length === 0 || now - (list[list.length - 1] as number) > FAILURE_WINDOW_MS) this.failures.delete(addr);
    }
  }

  get trackedAddresses(): number {
    return this.failures.size;
  }

  private recent(address: string, now: number): number[] {
    const list = this.failures.get(address) ?? [];
    let i = 0;
    while (i < list.length && now - (list[i] as number) > FAILURE_WINDOW_MS) i++;
    return i === 0 ? list : list.slice(i);
  }
}
