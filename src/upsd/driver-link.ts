// upsd's connection to one driver socket (spec §2.6, §3): connect to `<driver>-<ups>` relative to
// the state path (upsd runs with the state path as its working directory, as NUT does, so long
// state paths do not hit the 108-byte sun_path limit), ask for DUMPALL, feed what comes back into
// the UpsEntry, and write PING / SET / INSTCMD lines. Reconnects are driven by the server's loop.

import net from 'node:net';
import type { Logger } from '../runtime/log.js';
import { SockDecoder } from '../protocol/sock/decoder.js';
import { encodeClientMessage } from '../protocol/sock/encode.js';
import type { DriverMessage } from '../protocol/sock/messages.js';
import { parseDriverMessage } from '../protocol/sock/parse.js';
import { CONNECT_FAIL_LOG_INTERVAL_MS, type UpsEntry } from './ups-registry.js';

export interface DriverLinkOptions {
  log: Logger;
  now(): number;
  /** A driver's `TRACKING <id> <status>`. */
  onTracking(id: string, status: number): void;
  /** Directory the socket name is relative to; undefined = the working directory. */
  statePath?: string;
}

const PING = encodeClientMessage({ type: 'PING' });
const DUMPALL = encodeClientMessage({ type: 'DUMPALL' });

export class DriverLink {
  private socket: net.Socket | null = null;
  private connecting = false;
  private closed = false;

  constructor(readonly entry: UpsEntry, private readonly opts: DriverLinkOptions) {}

  get busy(): boolean {
    return this.connecting || this.socket !== null;
  }

  /** Starts a connection attempt unless one is up or under way. */
  connect(): void {
    if (this.closed || this.busy) return;
    const entry = this.entry;
    const name = entry.socketName;
    const path = this.opts.statePath !== undefined ? `${this.opts.statePath}/${name}` : name;
    const { log } = this.opts;
    this.connecting = true;
    const sock = net.createConnection({ path });
    const decoder = new SockDecoder<DriverMessage>(parseDriverMessage);
    let up = false;
    let malformedLogged = false;
    let parseErrorLogged = false;
    sock.once('connect', () => {
      this.connecting = false;
      if (this.closed) { sock.destroy(); return; }
      up = true;
      this.socket = sock;
      entry.connectedAt(this.opts.now());
      sock.write(DUMPALL);
      log.info(`Connected to UPS [${entry.name}]: ${name}`);
    });
    sock.on('data', (chunk: Buffer) => {
      const r = decoder.push(chunk);
      const now = this.opts.now();
      for (const m of r.messages) {
        const exceeded = entry.apply(m, now, this.opts.onTracking);
        if (exceeded !== undefined) log.warn(`UPS [${entry.name}]: the driver exceeded ${exceeded}; refusing its further additions until it reconnects`);
      }
      // one line per connection: a hostile driver must not flood the log either
      if (r.malformed.length > 0 && !malformedLogged) {
        malformedLogged = true;
        log.notice(`UPS [${entry.name}]: ignoring a driver line: ${r.malformed[0]?.reason ?? ''} (further ones are not logged)`);
      }
      if (r.errors.length > 0 && !parseErrorLogged) {
        parseErrorLogged = true;
        log.notice(`Parse error on sock: ${r.errors[0] ?? ''} (UPS [${entry.name}]; further ones are not logged)`);
      }
      if (r.overflow) {
        log.warn(`UPS [${entry.name}]: the driver sent a line longer than the protocol allows; disconnecting`);
        sock.destroy();
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!up) {
        const now = this.opts.now();
        if (now - entry.lastConnectFailLog >= CONNECT_FAIL_LOG_INTERVAL_MS) {
          entry.lastConnectFailLog = now;
          log.error(`Can't connect to UPS [${entry.name}] (${name}): ${describe(err)}`);
        }
      } else {
        log.warn(`Read from UPS [${entry.name}] failed: ${describe(err)}`);
      }
    });
    sock.on('close', () => {
      this.connecting = false;
      if (this.socket === sock) {
        this.socket = null;
        entry.disconnected();
        if (!this.closed) log.notice(`Lost connection to UPS [${entry.name}]`);
      }
    });
  }

  /** Writes a line; false if the driver is not connected (§2.3 SET-FAILED / INSTCMD-FAILED). */
  send(line: string): boolean {
    const s = this.socket;
    if (s === null || s.destroyed || !s.writable) return false;
    s.write(line);
    return true;
  }

  ping(): void {
    if (!this.send(PING)) return;
    this.opts.log.debug(3, `Pinging UPS [${this.entry.name}]`);
  }

  /** Drops the connection (the next loop reconnects, unless close() was final). */
  disconnect(): void {
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      this.entry.disconnected();
      s.destroy();
    }
  }

  /** For good: the UPS was removed, or upsd stops. */
  close(): void {
    this.closed = true;
    this.disconnect();
  }
}

function describe(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'No such file or directory';
    case 'ECONNREFUSED': return 'Connection refused';
    case 'EACCES': return 'Permission denied';
    case 'ENOTSOCK': return 'Not a socket';
    default: return err.message;
  }
}
