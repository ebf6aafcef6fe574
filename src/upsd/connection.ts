// One client connection of upsd: socket bytes → RequestDecoder → dispatch → one write per batch
// of replies. Also STARTTLS, LOGOUT and back-pressure.
//
// Bounded whatever the client does: input is read NUT_READ_SIZE bytes at a time into the
// tokenizer (32 × 512 characters kept), a line longer than MAX_REQUEST_LINE_BYTES disconnects, and
// a client that sends requests but does not read replies stops being read once
// MAX_PENDING_OUTPUT_BYTES of replies are waiting for it; a long LIST is produced only as fast as
// the client reads it (Reply.more). Nothing here blocks other clients.

import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from '../runtime/log.js';
import { RequestDecoder } from '../protocol/net/server-request-decoder.js';
import { dispatch, type CommandContext, type Reply } from './commands.js';
import type { Session } from './session.js';
import { startTls, type TlsSettings } from './tls.js';
import { adoptSocket } from './adopt-socket.js';

/** Replies waiting for a client that does not read, before upsd stops reading its requests. */
export const MAX_PENDING_OUTPUT_BYTES = 256 * 1024;
/** After LOGOUT (or a refusal), how long a client may take to read the last reply before the socket is destroyed. */
export const CLOSE_GRACE_MS = 5_000;

/**
 * Replies are written once per event-loop turn, after every socket that was ready has been read
 * (as Redis writes its replies before the loop sleeps): the writes leave in one burst, so a client
 * with many connections wakes once for all of them instead of once per reply. The order of each
 * connection's replies is unchanged; a reply is held back for microseconds, not a loop timeout.
 */
const flushQueue: Connection[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // a flush may queue nothing new (writes are synchronous), but take the list first anyway
  const list = flushQueue.splice(0, flushQueue.length);
  for (const c of list) c.flush();
}

function queueFlush(c: Connection): void {
  flushQueue.push(c);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

export interface ConnectionHost {
  readonly ctx: CommandContext;
  readonly tls: TlsSettings | undefined;
  readonly log: Logger;
  now(): number;
  /** The connection is gone (called once). */
  closed(c: Connection): void;
}

export class Connection {
  private socket: net.Socket;
  private decoder: RequestDecoder | null = null;
  private handshaking = false;
  private waitingForDrain = false;
  /** LOGOUT seen: finish the current read, then close (NUT closes on its next loop, §2.1). */
  private closingAfterRead = false;
  /** The client sent its FIN: close once every reply to what came before it is written. */
  private peerEnded = false;
  private done = false;
  /** Replies not yet written: they leave together when the event loop has read every ready socket. */
  private out = '';
  /** The rest of a long LIST still to produce (see Reply.more); requests after it wait. */
  private more: (() => string | null) | null = null;

  /** `accepted` comes from a listener made with pauseOnConnect (see adopt-socket.ts). */
  constructor(accepted: net.Socket, readonly session: Session, private readonly host: ConnectionHost) {
    const adopted = adoptSocket(accepted, this.onData);
    this.socket = adopted ?? accepted;
    this.attach(this.socket, adopted === null);
    if (adopted === null) accepted.resume();
  }

  /** `chunk` may be a view of a buffer the next read reuses: anything kept is copied. */
  private readonly onData = (chunk: Uint8Array): void => {
    if (this.done || this.handshaking) return;
    if (this.decoder === null) this.decoder = new RequestDecoder();
    this.decoder.push(chunk);
    this.pump();
    if (this.decoder.buffered > 0) this.decoder.ownPending();
  };

  /**
   * The client half-closed (shutdown(SHUT_WR), `nc -N`): like NUT, answer everything that arrived
   * before the EOF, then close. Sockets are half-open so that replies still waiting (a full send buffer,
   * a long LIST) are not cut off by an automatic end().
   */
  private readonly onEnd = (): void => {
    this.peerEnded = true;
    if (this.decoder === null) this.decoder = new RequestDecoder(); // FIN before any request
    this.pump();
  };

  private readonly onClose = (): void => {
    if (this.handshaking) return; // the TLS socket takes over; startTls reports the outcome
    this.finish();
  };

  private attach(s: net.Socket, dataEvents: boolean): void {
    if (dataEvents) s.on('data', this.onData);
    s.on('error', (err: Error) => this.host.log.debug(2, `${this.session.address}: ${err.message}`));
    s.on('end', this.onEnd);
    s.on('close', this.onClose);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.host.closed(this);
  }

  /** Closes at once (idle timeout, UPS removed, upsd stopping, flood). */
  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  /** Handles every complete request that is buffered, unless paused. */
  private pump(): void {
    if (this.done || this.handshaking || this.waitingForDrain || this.decoder === null) return;
    const s = this.socket;
    const decoder = this.decoder;
    for (;;) {
      if (s.destroyed) return;
      if (s.writableLength + this.out.length > MAX_PENDING_OUTPUT_BYTES) {
        this.flush();
        // 'drain' comes only after a write that filled the buffer; if the kernel took it all, go on
        if (s.writableNeedDrain) {
          this.waitForDrain();
          return;
        }
      }
      if (this.more !== null) {
        const next = this.more();
        if (next === null) this.more = null;
        else this.out += next;
        continue;
      }
      const ev = decoder.next(this.closingAfterRead);
      if (ev === null) break;
      if (ev.type === 'overflow') {
        this.host.log.notice(`Disconnecting ${this.session.address}: request line longer than the protocol allows`);
        // not destroy(): closing with unread input sends a reset, and the client would lose the
        // replies to its earlier lines still in flight; the rest is read and dropped (≤ 5 s)
        this.flush();
        this.closeGracefully();
        return;
      }
      if (ev.type === 'parse-error') {
        this.host.log.notice(`Parse error on sock: ${ev.message}`);
        continue;
      }
      this.session.lastHeard = this.host.now();
      this.session.spoke = true;
      const reply = dispatch(this.host.ctx, this.session, ev.words);
      this.out += reply.text;
      if (reply.more !== undefined) this.more = reply.more;
      if (reply.then === 'logout') this.closingAfterRead = true;
      if (reply.then === 'starttls') {
        this.flush();
        this.beginTls();
        return;
      }
    }
    if (this.closingAfterRead || this.peerEnded) {
      this.flush();
      this.closeGracefully();
    } else if (this.out.length > 0) {
      queueFlush(this);
    }
  }

  /** Writes the replies waiting in `out` (one write: all replies to what arrived together). */
  flush(): void {
    const text = this.out;
    if (text.length === 0) return;
    this.out = '';
    if (!this.socket.destroyed) this.socket.write(text, 'latin1');
  }

  private waitForDrain(): void {
    this.waitingForDrain = true;
    this.socket.pause();
    this.socket.once('drain', () => {
      this.waitingForDrain = false;
      if (this.done) return;
      this.socket.resume();
      this.pump();
    });
  }

  private closeGracefully(): void {
    this.done = true;
    this.host.closed(this);
    const s = this.socket;
    s.removeListener('data', this.onData);
    s.resume(); // discard whatever else arrives
    s.end();
    setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref();
  }

  /**
   * `OK STARTTLS` has been written: hand the socket to TLS. Plaintext that arrived after the
   * STARTTLS line is dropped (hardnut: no plaintext request may be answered inside the TLS
   * session, cf. CVE-2011-0411).
   */
  private beginTls(): void {
    const settings = this.host.tls;
    if (!settings) return;
    this.handshaking = true;
    const raw = this.socket;
    raw.removeListener('data', this.onData);
    this.decoder?.discard();
    startTls(raw, settings, (err, secure?: tls.TLSSocket) => {
      this.handshaking = false;
      if (err || !secure) {
        this.host.log.notice(`TLS handshake with ${this.session.address} failed: ${err?.message ?? 'no socket'}`);
        this.finish();
        return;
      }
      if (this.done) { secure.destroy(); return; }
      this.socket = secure;
      this.session.tls = true;
      this.attach(secure, true);
      this.host.log.debug(2, `TLS with ${this.session.address}: ${secure.getProtocol() ?? '?'}`);
      this.pump();
    });
  }
}
