// SET/INSTCMD status tracking (spec §2.5). Sans I/O; the clock is passed in.
//
// hardnut difference: ids come from crypto.randomUUID (a CSPRNG). NUT builds them from rand(),
// which upsd never seeds, so NUT's ids are predictable. The shape is NUT's: an upper-case UUID v4.

import { randomUUID } from 'node:crypto';

/** Status of an entry: NUT's STAT_PENDING, then the driver's result code (§2.5, §3.3). */
export const TRACKING_PENDING = -1;

/** At most this many entries are kept (memory bound); beyond it the oldest are dropped. */
export const MAX_TRACKING_ENTRIES = 100_000;

interface Entry { status: number; created: number }

export function newTrackingId(): string {
  return randomUUID().toUpperCase();
}

/** What GET TRACKING <id> answers for a status (§2.5; NUT master maps 4 like 2). */
export function trackingText(status: number | undefined): string {
  switch (status) {
    case TRACKING_PENDING: return 'PENDING';
    case 0: return 'SUCCESS';
    case 1: return 'ERR UNKNOWN';
    case 2:
    case 4: return 'ERR INVALID-ARGUMENT';
    case 3: return 'ERR FAILED';
    default: return 'ERR UNKNOWN';
  }
}

export class TrackingTable {
  /** Key: the id upper-cased (lookups are case-insensitive, §2.5). Insertion order = age order. */
  private readonly entries = new Map<string, Entry>();
  /** NUT's global tracking flag: set by the first SET TRACKING ON, never cleared in practice (§2.3 ⚠). */
  enabled = false;

  get size(): number {
    return this.entries.size;
  }

  /** A PENDING entry for a request just forwarded to a driver (only while tracking is enabled). */
  add(id: string, now: number): void {
    if (!this.enabled) return;
    this.entries.set(id.toUpperCase(), { status: TRACKING_PENDING, created: now });
    while (this.entries.size > MAX_TRACKING_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** The driver's `TRACKING <id> <status>`; unknown ids are ignored. */
  set(id: string, status: number): boolean {
    const e = this.entries.get(id.toUpperCase());
    if (!e) return false;
    e.status = status;
    return true;
  }

  get(id: string): string {
    return trackingText(this.entries.get(id.toUpperCase())?.status);
  }

  /** Drops entries older than `delaySeconds` (TRACKINGDELAY), as NUT's main loop does. */
  purge(now: number, delaySeconds: number): void {
    const limit = delaySeconds * 1000;
    for (const [id, e] of this.entries) {
      if (now - e.created > limit) this.entries.delete(id);
    }
  }
}
