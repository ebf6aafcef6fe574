// What upsd would know of one LOCALMONITOR UPS, kept by the monitor itself (issue 14), sans I/O:
// bytes from the driver socket in, poll results and "something changed" out. The model is upsd's
// own (upsd/ups-registry.ts UpsEntry: the state tree, WAIT until DUMPDONE, DATASTALE/DATAOK, the
// PING when the driver is quiet, staleness after MAXAGE, the data flushed on disconnect); only the
// answer to a poll is built here, as upsd would answer `GET VAR <ups> ups.status`.

import { SockDecoder } from '../../protocol/sock/decoder.js';
import { encodeClientMessage } from '../../protocol/sock/encode.js';
import type { DriverMessage } from '../../protocol/sock/messages.js';
import { parseDriverMessage } from '../../protocol/sock/parse.js';
import { UpsEntry } from '../../upsd/ups-registry.js';
import type { PollResult } from '../shared/types.js';
import { needsAlarmQuery } from './ups-state.js';

/**
 * upsd's MAXAGE default: a driver silent this long (seconds) is stale. upsmon.conf has no MAXAGE,
 * and NUT's drivers send at least a PING reply well within it.
 */
export const LOCAL_MAXAGE_S = 15;

export const DUMPALL_LINE = encodeClientMessage({ type: 'DUMPALL' });
export const PING_LINE = encodeClientMessage({ type: 'PING' });

export interface ReceiveResult {
  /** Something a poll would answer differently (status, buzzwords, alarm, staleness, dump done). */
  changed: boolean;
  /** A line longer than the protocol allows: drop the connection. */
  overflow: boolean;
  /** The first malformed line or parse error of this connection, for one log line. */
  note?: string;
}

export interface TickResult {
  ping: boolean;
  changed: boolean;
  transition?: 'stale' | 'fresh';
}

export class LocalDriverState {
  readonly entry: UpsEntry;
  private decoder = new SockDecoder<DriverMessage>(parseDriverMessage);
  private lastKey = '';
  private noted = false;
  /** The FSD latch upsd keeps (§2.3): set by the forced shutdown, shown as an `FSD` prefix. */
  fsd = false;

  constructor(readonly upsName: string, now: number) {
    this.entry = new UpsEntry({ name: upsName, driver: '' }, now);
  }

  get connected(): boolean {
    return this.entry.connected;
  }

  get dumpDone(): boolean {
    return this.entry.dumpDone;
  }

  /** A fresh connection: forget everything, show WAIT; returns what to send (DUMPALL). */
  connectedAt(now: number): string {
    this.entry.connectedAt(now);
    this.decoder = new SockDecoder<DriverMessage>(parseDriverMessage);
    this.noted = false;
    this.lastKey = this.key();
    return DUMPALL_LINE;
  }

  /** The connection is gone: the data goes with it; true if that changes a poll's answer. */
  disconnected(): boolean {
    this.entry.disconnected();
    return this.updateKey();
  }

  receive(bytes: Uint8Array, now: number): ReceiveResult {
    const r = this.decoder.push(bytes);
    for (const m of r.messages) this.entry.apply(m, now);
    const out: ReceiveResult = { changed: false, overflow: r.overflow };
    if (!this.noted && (r.malformed.length > 0 || r.errors.length > 0)) {
      this.noted = true;
      out.note = r.malformed[0]?.reason ?? r.errors[0] ?? '';
    }
    // DATASTALE after the dump counts at once, not at the next tick (event-driven)
    this.entry.checkFreshness(now, LOCAL_MAXAGE_S);
    out.changed = this.updateKey();
    return out;
  }

  /** Once a second or so: PING a quiet driver, notice staleness (§2.6). */
  tick(now: number): TickResult {
    const f = this.entry.checkFreshness(now, LOCAL_MAXAGE_S);
    const r: TickResult = { ping: f.ping && this.entry.connected, changed: this.updateKey() };
    if (f.transition !== undefined) r.transition = f.transition;
    return r;
  }

  /** What upsd would answer to upsmon's poll now; 'wait' while the dump is still coming. */
  result(): PollResult | 'wait' {
    const e = this.entry;
    if (!e.connected) return { ok: false, stage: 'query', error: 'Driver not connected', code: 'DRIVER-NOT-CONNECTED' };
    if (!e.dumpDone) return 'wait';
    if (e.availability() === 'DATA-STALE') return { ok: false, stage: 'query', error: 'Data stale', code: 'DATA-STALE' };
    const status = e.state.getInfo('ups.status');
    if (status === undefined) return { ok: false, stage: 'query', error: 'Variable not supported by UPS', code: 'VAR-NOT-SUPPORTED' };
    const r: Extract<PollResult, { ok: true }> = { ok: true, status: this.fsd ? `FSD ${status}` : status };
    const bw = e.state.getInfo('ups.mode.buzzwords');
    if (bw !== undefined) r.buzzwords = bw;
    const bwx = e.state.getInfo('experimental.ups.mode.buzzwords');
    if (bwx !== undefined) r.buzzwordsX = bwx;
    if (needsAlarmQuery(status)) {
      const alarm = e.state.getInfo('ups.alarm');
      if (alarm !== undefined) r.alarm = alarm;
    }
    return r;
  }

  /**
   * The values of `names` the driver has published (issue 16: what the rules read of a
   * LOCALMONITOR UPS, as a MONITOR UPS's GET VARs give them). A name the driver lacks is left out:
   * unknown to the rules. Ask only when result() is ok: stale or absent data is no value at all.
   */
  values(names: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const n of names) {
      const v = this.entry.state.getInfo(n);
      if (v !== undefined) out.set(n, v);
    }
    return out;
  }

  private key(): string {
    const r = this.result();
    return JSON.stringify(r);
  }

  private updateKey(): boolean {
    const k = this.key();
    if (k === this.lastKey) return false;
    this.lastKey = k;
    return true;
  }
}
