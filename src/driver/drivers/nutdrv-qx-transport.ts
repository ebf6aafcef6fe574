// How nutdrv_qx talks to a Q1-family UPS over a serial port (NUT's qx_command, serial branch):
// flush, send the command, wait one second for one line. The port is reopened by path whenever
// it has gone away (a replugged USB adapter, a restarted pty), so the driver recovers on its
// own; NUT's serial drivers never reopen.

import { SerialLink, QX_TTY, DEFAULT_BAUD, CABLE_SETTLE_MS, type ByteLink, type CablePower } from '../serial/index.js';
import { MAX_ANSWER_BYTES } from '../../protocol/q1/index.js';
import type { Logger } from '../../runtime/log.js';

/** NUT's SER_WAIT_SEC for nutdrv_qx: a reply must begin and end within a second. */
export const QX_REPLY_TIMEOUT_MS = 1000;

/** A reply as qx_command returns it: null on error, len 0 on timeout, else the line read. */
export type QxReply = { len: number; answer: string } | null;

export interface QxTransport {
  command(cmd: string): Promise<QxReply>;
  close(): Promise<void>;
}

export interface SerialQxOptions {
  path: string;
  lock: boolean;
  cable: CablePower;
  log: Logger;
  /** Opens the device; tests and fuzzing substitute a byte source. */
  openLink?: () => Promise<ByteLink>;
}

/** Printable form of a command or reply for debug logs (NUT prints up to the CR). */
export function shown(text: string): string {
  const cr = text.indexOf('\r');
  return (cr < 0 ? text : text.slice(0, cr)).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export class SerialQxTransport implements QxTransport {
  private link: ByteLink | undefined;
  private lostLogged = false;

  constructor(private readonly opts: SerialQxOptions) {}

  /** Opens the port the first time (errors propagate: the driver cannot start without it). */
  async open(): Promise<void> {
    this.link = await this.openLink();
  }

  private async openLink(): Promise<ByteLink> {
    const { path, lock, cable, log } = this.opts;
    const link = this.opts.openLink ? await this.opts.openLink() : await SerialLink.open(path, { baudRate: DEFAULT_BAUD, lock, tty: QX_TTY });
    link.onLost = (reason) => log.warn(`Communications with the UPS lost: ${path}: ${reason}`);
    if (log.debugLevel >= 5) link.onTraffic = (dir, text) => log.debug(5, `${dir === 'in' ? 'read' : 'send'}: ${JSON.stringify(text)}`);
    // NUT ignores a failure here: a pty or a plain 3-wire port has no modem lines
    try { await link.setLines(cable.dtr, cable.rts); } catch (err) { log.debug(2, (err as Error).message); }
    await new Promise((r) => setTimeout(r, CABLE_SETTLE_MS));
    return link;
  }

  /** The link, reopened by path when the device went away; undefined while it stays away. */
  private async usable(): Promise<ByteLink | undefined> {
    if (this.link?.isOpen) return this.link;
    try {
      await this.link?.close();
      this.link = await this.openLink();
      this.opts.log.notice(`${this.opts.path} reopened`);
      this.lostLogged = false;
      return this.link;
    } catch (err) {
      this.link = undefined;
      if (!this.lostLogged) this.opts.log.warn((err as Error).message);
      this.lostLogged = true;
      return undefined;
    }
  }

  async command(cmd: string): Promise<QxReply> {
    const { log } = this.opts;
    const link = await this.usable();
    if (!link) return null;
    try {
      link.discardInput();
      await link.write(cmd);
      log.debug(3, `send: '${shown(cmd)}'`);
      const got = await link.read(QX_REPLY_TIMEOUT_MS, MAX_ANSWER_BYTES);
      if (got === null) {
        log.debug(3, 'read: timeout (0)');
        return { len: 0, answer: '' };
      }
      log.debug(3, `read: '${shown(got)}'`);
      return { len: got.length, answer: got };
    } catch (err) {
      log.debug(3, `serial: ${(err as Error).message}`);
      return null;
    }
  }

  /** NUT drops DTR before closing the port. */
  async close(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    if (!link?.isOpen) return;
    try { await link.setLines(false, this.opts.cable.rts); } catch { /* no modem lines */ }
    await link.close();
  }
}
