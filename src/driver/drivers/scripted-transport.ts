// scripted-ups's byte movers: a serial port (src/driver/serial, raw: the script frames replies) or
// a TCP connection, both as a ByteLink. They only move bytes; the engine interprets them. A link
// that fails is reopened by the driver, with a backoff of 1 s doubling to 60 s.

import net from 'node:net';
import { DriverError } from '../../core/errors.js';
import { RAW_TTY, SerialLink, TtyDiscipline, type ByteLink } from '../serial/index.js';
import type { Transport } from '../../protocol/script/index.js';

export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 60_000;
/** A TCP connect that takes longer than this has failed. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Bytes one read hands to the engine. */
export const READ_CHUNK = 512;

/** `host:port` (IPv6 as [addr]:port). */
export function parseHostPort(port: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]{2,64})\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(port);
  const n = m ? Number(m[3]) : 0;
  if (!m || n < 1 || n > 65535) throw new DriverError(`port '${port}' is not host:port (the script's transport is tcp)`, 'ERR_SCRIPT');
  return { host: (m[1] ?? m[2]) as string, port: n };
}

export async function openSerial(path: string, t: Transport, lock: boolean): Promise<ByteLink> {
  const link = await SerialLink.open(path, { baudRate: t.baud, lock, tty: RAW_TTY });
  // a pty or a 3-wire port has no modem lines: NUT ignores that too
  try { await link.setLines(t.dtr, t.rts); } catch { /* no modem lines */ }
  return link;
}

/** A TCP connection as a ByteLink (modem lines are a no-op). */
export class TcpLink implements ByteLink {
  private readonly tty = new TtyDiscipline(RAW_TTY);
  private wake: (() => void) | undefined;
  private open = true;
  private reason = '';
  onLost: ((reason: string) => void) | undefined;
  onTraffic: ((dir: 'in' | 'out', text: string) => void) | undefined;

  private constructor(private readonly where: string, private readonly sock: net.Socket) {
    sock.on('data', (chunk: Buffer) => {
      this.onTraffic?.('in', chunk.toString('latin1'));
      this.tty.push(chunk); // keeps at most MAX_PENDING_BYTES
      this.wake?.();
    });
    sock.on('error', (e) => this.lost(e.message));
    sock.on('close', () => this.lost('connection closed'));
  }

  static connect(hostPort: string): Promise<TcpLink> {
    const { host, port } = parseHostPort(hostPort);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const t = setTimeout(() => { sock.destroy(); reject(new DriverError(`${hostPort}: connect timed out`, 'ERR_DRIVER')); }, CONNECT_TIMEOUT_MS);
      sock.once('connect', () => { clearTimeout(t); sock.removeAllListeners('error'); resolve(new TcpLink(hostPort, sock)); });
      sock.once('error', (e) => { clearTimeout(t); sock.destroy(); reject(new DriverError(`${hostPort}: ${e.message}`, 'ERR_DRIVER')); });
    });
  }

  get isOpen(): boolean { return this.open; }

  private lost(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.reason = reason;
    this.wake?.();
    this.onLost?.(reason);
  }

  async read(timeoutMs: number, max = READ_CHUNK): Promise<string | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const got = this.tty.read(max);
      if (got !== null) return got;
      if (!this.open) throw new DriverError(`${this.where}: ${this.reason}`, 'ERR_DRIVER');
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done(): void { clearTimeout(t); resolve(); }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  async write(text: string): Promise<void> {
    if (!this.open) throw new DriverError(`${this.where}: ${this.reason}`, 'ERR_DRIVER');
    this.onTraffic?.('out', text);
    await new Promise<void>((resolve, reject) => this.sock.write(Buffer.from(text, 'latin1'), (e) => (e ? reject(e) : resolve())));
  }

  discardInput(): void { this.tty.flush(); }

  async setLines(): Promise<void> { /* no modem lines on TCP */ }

  async close(): Promise<void> {
    this.open = false;
    this.wake?.();
    this.sock.destroy();
  }
}
