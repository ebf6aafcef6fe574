// A scripted driver socket for upsd tests: speaks the driver side of the socket protocol (§3)
// with exactly the lines a test gives it, so upsd can be fed edge cases no real driver produces
// (escaped values, 300-character values, STRING vars without aux, ENUM and RANGE lists…) and
// driven into staleness. It answers DUMPALL with the script, PING with PONG (unless silenced),
// records every other line it is sent, and answers a tracked SET/INSTCMD with `TRACKING <id> 0`.

import { chownSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { isRoot } from '../../support/peers.js';
import { TEST_USER } from '../../support/stack.js';
import { lookupUser } from '../../../src/sandbox/drop-privileges.js';

export interface FakeDriverOptions {
  /** Lines of the DUMPALL reply, without DUMPDONE (added). */
  dump: string[];
  /** Hold the dump back this long (ms): upsd shows WAIT meanwhile. */
  dumpDelayMs?: number;
  /** Status code for tracked commands (0 = success). */
  trackingStatus?: number;
}

export class FakeDriver {
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  /** Lines received from clients, DUMPALL and PING excluded. */
  readonly received: string[] = [];
  pings = 0;
  /** When true, PING is not answered (the driver looks hung). */
  silent = false;

  constructor(readonly path: string, readonly opts: FakeDriverOptions) {}

  async listen(): Promise<void> {
    try { if (lstatSync(this.path).isSocket()) unlinkSync(this.path); } catch { /* absent */ }
    this.server = net.createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.path, () => resolve());
    });
    if (isRoot()) {
      const u = lookupUser(TEST_USER);
      if (u) chownSync(this.path, u.uid, u.gid);
    }
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Sends a line to every connected upsd (a broadcast update). */
  broadcast(line: string): void {
    for (const s of this.conns) s.write(`${line}\n`);
  }

  private serve(s: net.Socket): void {
    this.conns.add(s);
    s.on('close', () => this.conns.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.handle(s, line);
      }
    });
  }

  private handle(s: net.Socket, line: string): void {
    if (line === 'DUMPALL') {
      const send = (): void => { if (!s.destroyed) s.write(`${[...this.opts.dump, 'DUMPDONE'].join('\n')}\n`); };
      if (this.opts.dumpDelayMs) setTimeout(send, this.opts.dumpDelayMs);
      else send();
      return;
    }
    if (line === 'PING') {
      this.pings++;
      if (!this.silent) s.write('PONG\n');
      return;
    }
    this.received.push(line);
    const m = / TRACKING ([0-9A-Fa-f-]+)$/.exec(line);
    if (m) s.write(`TRACKING ${m[1] as string} ${String(this.opts.trackingStatus ?? 0)}\n`);
  }

  /** Closes every upsd connection and stops listening (upsd then sees DRIVER-NOT-CONNECTED). */
  async close(): Promise<void> {
    for (const s of this.conns) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    try { unlinkSync(this.path); } catch { /* gone */ }
  }
}
