// Password-guessing limit (hardnut addition; NUT has none). Sans I/O, clock passed in.
//
// A NUT connection sets its USERNAME and PASSWORD once, so each guess costs the attacker a
// connection, and connections can run in parallel. Holding back only the failures' replies (the
// first version of this file) told the attacker which guesses were wrong before the reply came,
// and left real clients waiting for a late reply (issue #19). So every answer is given at once,
// right or wrong, and instead the number of credential checks is limited:
//
// - per client address, at most MAX_FAILURES_PER_ADDRESS failures within FAILURE_WINDOW_MS;
// - per user name, at most MAX_FAILURES_PER_USER failures within the window, from addresses that
//   user has not logged in from (a distributed guesser cannot lock out an upsmon that has logged
//   in before, even after a reconnect).
//
// Once a limit is reached, further checks are not made at all: the reply is ACCESS-DENIED at once,
// whether the password was right or not, so a guess made then teaches nothing. Such a refusal is
// not a failure (it does not prolong the lock). The cost: a client sharing an address with an
// active guesser (localhost) is refused until the guesser's failures are a minute old.

/** Failures remembered this long. */
export const FAILURE_WINDOW_MS = 60_000;
/** Failed checks per address within the window; then checks from it are refused unmade. */
export const MAX_FAILURES_PER_ADDRESS = 10;
/** Failed checks per user name within the window, from addresses without a login of that user. */
export const MAX_FAILURES_PER_USER = 30;
/** Addresses, user names and (user, address) logins remembered at most; the oldest go first. */
export const MAX_TRACKED_KEYS = 4_096;
/** A successful login of a user from an address exempts that pair from the per-user limit this long. */
export const KNOWN_LOGIN_TTL_MS = 24 * 3600_000;

/** A Map with least-recently-touched-first order and a size bound. */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    // re-insert: the Map's order is the eviction order
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > MAX_TRACKED_KEYS) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }
}

/** What the caller does with a credential check. */
export type AuthDecision = 'check' | 'refuse';

export class AuthThrottle {
  /** key → failure times (ms), oldest first. */
  private readonly byAddress = new BoundedMap<number[]>();
  private readonly byUser = new BoundedMap<number[]>();
  /** `user\0address` → when that user last logged in from there. */
  private readonly knownLogins = new BoundedMap<number>();

  /** Whether a credential check for `user` from `address` may be made now. */
  decide(address: string, user: string, now: number): AuthDecision {
    if (recent(this.byAddress.get(address), now) >= MAX_FAILURES_PER_ADDRESS) return 'refuse';
    if (this.isKnown(address, user, now)) return 'check';
    return recent(this.byUser.get(user), now) >= MAX_FAILURES_PER_USER ? 'refuse' : 'check';
  }

  /**
   * Records a failed check. Returns which limit this failure reached ('address' or 'user'), for
   * one log line, or undefined.
   */
  recordFailure(address: string, user: string, now: number): 'address' | 'user' | undefined {
    const a = push(this.byAddress, address, now, MAX_FAILURES_PER_ADDRESS);
    const u = push(this.byUser, user, now, MAX_FAILURES_PER_USER);
    if (a === MAX_FAILURES_PER_ADDRESS) return 'address';
    if (u === MAX_FAILURES_PER_USER) return 'user';
    return undefined;
  }

  recordSuccess(address: string, user: string, now: number): void {
    this.knownLogins.set(`${user}\0${address}`, now);
  }

  /** Failures from `address` within the window. */
  count(address: string, now: number): number {
    return recent(this.byAddress.get(address), now);
  }

  /** Forgets expired entries (called from the main loop). */
  purge(now: number): void {
    for (const m of [this.byAddress, this.byUser]) {
      for (const [k, list] of m.entries()) if (recent(list, now) === 0) m.delete(k);
    }
    for (const [k, t] of this.knownLogins.entries()) if (now - t > KNOWN_LOGIN_TTL_MS) this.knownLogins.delete(k);
  }

  get trackedAddresses(): number {
    return this.byAddress.size;
  }

  private isKnown(address: string, user: string, now: number): boolean {
    const t = this.knownLogins.get(`${user}\0${address}`);
    return t !== undefined && now - t <= KNOWN_LOGIN_TTL_MS;
  }
}

/** Entries of `list` within the window. */
function recent(list: readonly number[] | undefined, now: number): number {
  if (list === undefined) return 0;
  let n = 0;
  for (let i = list.length - 1; i >= 0 && now - (list[i] as number) <= FAILURE_WINDOW_MS; i--) n++;
  return n;
}

/** Appends a failure (keeping at most `keep` recent ones); returns the recent count. */
function push(m: BoundedMap<number[]>, key: string, now: number, keep: number): number {
  const list = (m.get(key) ?? []).filter((t) => now - t <= FAILURE_WINDOW_MS);
  list.push(now);
  if (list.length > keep) list.splice(0, list.length - keep);
  m.set(key, list);
  return list.length;
}
