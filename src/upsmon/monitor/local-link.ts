// The I/O around one LOCALMONITOR UPS (local-state.ts holds what it knows): the driver socket
// arrives from outside — the supervisor connects as root and passes the descriptor in (the jail
// has no path to it) — and this class reads it, sends DUMPALL and PINGs, never SET or INSTCMD.
// When the connection ends or never comes it asks for another, with a capped exponential backoff
// (a driver that restarts is found again within LOCAL_RETRY_MAX_MS).

import type { Duplex } from 'node:stream';
import type { LogLevel, PollResult } from '../shared/types.js';
import { LocalDriverState, PING_LINE } from './local-state.js';

/** First retry after a failed or lost connection; doubles up to LOCAL_RETRY_MAX_MS. */
export const LOCAL_RETRY_INITIAL_MS = 500;
export const LOCAL_RETRY_MAX_MS = 8_000;
/** How often staleness is checked and a quiet driver PINGed. */
export const LOCAL_TICK_MS = 1_000;
/** A poll waits this long for the socket and its dump (upsd's WAIT) before answering DATA-STALE. */
export const LOCAL_DUMP_WAIT_MS = 3_000;

export interface LocalLinkOptions {
  system: string;
  /** Ask for a connection to this UPS's driver socket; the answer comes as attach(). */
  request(): void;
  /** Something a poll would now answer differently. */
  changed(): void;
  log(level: LogLevel, message: string): void;
  now?: () => number;
}

export class LocalLink {
  readonly state: LocalDriverState;
  private sock: Duplex | undefined;
  private backoff = LOCAL_RETRY_INITIAL_MS;
  private retry: NodeJS.Timeout | undefined;
  private readonly tick: NodeJS.Timeout;
  private waiters: Array<() => void> = [];
  private requested = false;
  /** This connection's first complete dump has been logged. */
  private announced = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: LocalLinkOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.state = new LocalDriverState(opts.system, this.now());
    this.tick = setInterval(() => this.onTick(), LOCAL_TICK_MS);
    this.tick.unref();
    this.ask();
  }

  get connected(): boolean {
    return this.sock !== undefined;
  }

  /** The connection asked for, or why there is none (logged; retried after the backoff). */
  attach(sock: Duplex | undefined, error?: string): void {
    this.requested = false;
    if (this.closed) { sock?.destroy(); return; }
    if (sock === undefined) {
      this.opts.log('debug', `UPS [${this.opts.system}]: no connection to the driver: ${error ?? 'unknown error'}`);
      this.wake();
      this.scheduleRetry();
      return;
    }
    this.drop();
    this.sock = sock;
    sock.on('data', (b: Buffer) => this.onData(sock, b));
    sock.on('error', (err: Error) => this.opts.log('debug', `UPS [${this.opts.system}]: driver socket: ${err.message}`));
    sock.on('close', () => this.onClose(sock));
    sock.write(this.state.connectedAt(this.now()));
    sock.resume();
    this.announced = false;
  }

  /** upsd's answer to a poll: waits (bounded) for a pending connection and its dump. */
  async poll(): Promise<PollResult> {
    const first = this.state.result();
    if (first !== 'wait' && !(this.requested && !this.state.connected)) return first;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, LOCAL_DUMP_WAIT_MS);
      const waiter = (): void => done();
      this.waiters.push(waiter);
      function done(): void { clearTimeout(t); resolve(); }
    });
    const r = this.state.result();
    return r === 'wait' ? { ok: false, stage: 'query', error: 'Data stale (no DUMPDONE yet)', code: 'DATA-STALE' } : r;
  }

  /** The forced shutdown's `FSD <ups>`: upsd's latch, kept here (nothing is sent to the driver). */
  setFsd(): string {
    this.state.fsd = true;
    return 'OK FSD-SET';
  }

  /** The monitor asked for a new connection (wake-up from sleep, reload). */
  reconnect(): void {
    this.drop();
    this.ask();
  }

  /** No longer monitored (reload, exit): ends quietly, no change is reported for a UPS that is gone. */
  close(): void {
    this.closed = true;
    clearInterval(this.tick);
    if (this.retry) clearTimeout(this.retry);
    const s = this.sock;
    this.sock = undefined;
    s?.destroy();
    this.wake();
  }

  /** Pending from now (a poll waits for it), asked a moment later: the shell that answers may still be being built. */
  private ask(): void {
    if (this.closed || this.requested) return;
    this.requested = true;
    queueMicrotask(() => { if (!this.closed) this.opts.request(); });
  }

  private drop(): void {
    const s = this.sock;
    this.sock = undefined;
    if (s) s.destroy();
    if (this.state.disconnected()) this.opts.changed();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, LOCAL_RETRY_MAX_MS);
    this.retry = setTimeout(() => { this.retry = undefined; this.ask(); }, wait);
  }

  private onData(sock: Duplex, bytes: Buffer): void {
    if (sock !== this.sock) return;
    const r = this.state.receive(bytes, this.now());
    if (r.note !== undefined) this.opts.log('notice', `UPS [${this.opts.system}]: ignoring a driver line: ${r.note} (further ones are not logged)`);
    if (r.overflow) {
      this.opts.log('warning', `UPS [${this.opts.system}]: the driver sent a line longer than the protocol allows; disconnecting`);
      sock.destroy();
      return;
    }
    if (this.state.dumpDone) {
      this.backoff = LOCAL_RETRY_INITIAL_MS; // a working driver: the next loss retries quickly
      this.wake();
      // said once the driver's data is complete (DUMPDONE), not at connect(): the pending poll, or
      // the push of this change, reads it at once. Before that first good poll NOCOMMWARNTIME counts
      // from 0, as NUT's lastpoll does, so a driver lost before it gives NOCOMM at once.
      if (!this.announced) {
        this.announced = true;
        this.opts.log('info', `UPS [${this.opts.system}]: connected to the driver socket`);
      }
    }
    if (r.changed) this.opts.changed();
  }

  private onClose(sock: Duplex): void {
    if (sock !== this.sock) return;
    this.sock = undefined;
    this.opts.log('notice', `UPS [${this.opts.system}]: lost the connection to the driver`);
    if (this.state.disconnected()) this.opts.changed();
    this.wake();
    this.scheduleRetry();
  }

  private onTick(): void {
    const r = this.state.tick(this.now());
    if (r.ping && this.sock) this.sock.write(PING_LINE);
    if (r.transition === 'stale') this.opts.log('warning', `Data for UPS [${this.opts.system}] is stale - check driver`);
    if (r.transition === 'fresh') this.opts.log('notice', `UPS [${this.opts.system}] data is no longer stale`);
    if (r.changed) this.opts.changed();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

