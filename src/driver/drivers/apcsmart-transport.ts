// How apcsmart talks to an APC Smart-UPS (NUT 2.8.0's apc_read/apc_write family): one
// character per command, replies read line by line through the termios settings NUT uses,
// alert characters handed to the status logic, repeated and paced writes for the commands that
// need them. The port is reopened by path when it went away.

import { SerialLink, APC_TTY, RAW_TTY, DEFAULT_BAUD, type ByteLink, type CablePower } from '../serial/index.js';
import { ReplyBuffer, readSettings, SER_DX, SER_TO, SER_D0, SER_AA } from '../../protocol/apcsmart/index.js';
import type { Logger } from '../../runtime/log.js';

/** NUT waits this long between the two characters of a repeated command. */
export const REPEAT_GAP_MS = 1300;
/** Pause after each character of a multi-character command (ser_send_pace). */
export const PACE_MS = 50;
/** After a '*' (shutdown accepted), the rest of the line is drained for up to a second. */
export const ASTERISK_DRAIN_MS = 1000;
/** A UPS that streams complete lines forever cannot keep a flush going longer than this many. */
const MAX_FLUSHED_LINES = 1000;
/** NUT's serial error log limits: report 10 in a row, then every 100th. */
const SER_ERR_LIMIT = 10;
const SER_ERR_RATE = 100;

export interface ApcRead { ret: number; text: string }

/** What the driver needs from the port; tests substitute an in-memory UPS. */
export interface ApcIo {
  /** Reopens a vanished port; true when the port is usable (and whether it was reopened). */
  ensureOpen(): Promise<{ usable: boolean; reopened: boolean }>;
  /** apc_write: 1 when the character went out, -1 otherwise. */
  write(ch: string): Promise<number>;
  /** Writes characters one by one with a pause after each; the count written. */
  writePaced(text: string, paceMs: number): Promise<number>;
  /** apc_read with NUT's flags; alert characters go to `alert`. */
  read(flags: number, alert: (ch: string) => void): Promise<ApcRead>;
  /** tcflush(TCIOFLUSH). */
  flushAll(): void;
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface SerialApcOptions {
  path: string;
  lock: boolean;
  raw: boolean;
  /** Set for `cable = 940-0095B`; failure to set them is fatal, as in NUT. */
  cable?: CablePower;
  log: Logger;
  /** Opens the device; tests and fuzzing substitute a byte source. */
  openLink?: () => Promise<ByteLink>;
  /** Pauses between repeated and paced characters; fuzzing makes them instant. */
  sleep?: (ms: number) => Promise<void>;
}

export class SerialApcIo implements ApcIo {
  private link: ByteLink | undefined;
  private failures = 0;
  private openFailLogged = false;

  constructor(private readonly opts: SerialApcOptions) {}

  async open(): Promise<void> {
    this.link = await this.openLink();
  }

  private async openLink(): Promise<ByteLink> {
    const { path, lock, raw, cable, log } = this.opts;
    const link = this.opts.openLink ? await this.opts.openLink() : await SerialLink.open(path, { baudRate: DEFAULT_BAUD, lock, tty: raw ? RAW_TTY : APC_TTY });
    link.onLost = (reason) => log.warn(`Communications with UPS lost: ${path}: ${reason}`);
    if (log.debugLevel >= 5) link.onTraffic = (dir, text) => log.debug(5, `${dir === 'in' ? 'read' : 'send'}: ${JSON.stringify(text)}`);
    if (cable) {
      try {
        await link.setLines(cable.dtr, cable.rts);
      } catch (err) {
        await link.close();
        throw err;
      }
    }
    return link;
  }

  async ensureOpen(): Promise<{ usable: boolean; reopened: boolean }> {
    if (this.link?.isOpen) return { usable: true, reopened: false };
    try {
      await this.link?.close();
      this.link = await this.openLink();
      this.opts.log.notice(`${this.opts.path} reopened`);
      this.openFailLogged = false;
      return { usable: true, reopened: true };
    } catch (err) {
      this.link = undefined;
      if (!this.openFailLogged) this.opts.log.warn((err as Error).message);
      this.openFailLogged = true;
      return { usable: false, reopened: false };
    }
  }

  /** ser_comm_fail: log the first failures, then rarely. */
  private commFail(why: string): void {
    this.failures++;
    if (this.failures === SER_ERR_LIMIT || this.failures % SER_ERR_RATE === 0) this.opts.log.warn('Warning: excessive comm failures, limiting error reporting');
    if (this.failures > SER_ERR_LIMIT && this.failures % SER_ERR_LIMIT !== 0) return;
    this.opts.log.warn(`Communications with UPS lost: ${why}`);
  }

  private commGood(): void {
    if (this.failures === 0) return;
    this.opts.log.notice('Communications with UPS re-established');
    this.failures = 0;
  }

  async write(ch: string): Promise<number> {
    const link = this.link;
    if (!link?.isOpen) { this.commFail('serial port write error: port closed'); return -1; }
    try {
      await link.write(ch);
      return 1;
    } catch (err) {
      this.commFail(`serial port write error: ${(err as Error).message}`);
      return -1;
    }
  }

  async writePaced(text: string, paceMs: number): Promise<number> {
    let sent = 0;
    for (const c of text) {
      const link = this.link;
      // like ser_send_buf_pace: a failed write reports the failure, not the count so far
      if (!link?.isOpen) return -1;
      try { await link.write(c); } catch { return -1; }
      sent++;
      await this.sleep(paceMs);
    }
    return sent;
  }

  async read(flags: number, alert: (ch: string) => void): Promise<ApcRead> {
    const link = this.link;
    if (!link) return { ret: 0, text: '' };
    const s = readSettings(flags);
    const buf = new ReplyBuffer();
    for (;;) {
      let chunk: string | null;
      try {
        chunk = await link.read(s.timeoutMs);
      } catch (err) {
        this.commFail(`serial port read error: ${(err as Error).message}`);
        return { ret: -1, text: buf.text };
      }
      if (chunk === null) {
        if (buf.text.length > 0) { this.commFail('serial port partial timeout'); return { ret: -1, text: buf.text }; }
        if (!s.timeoutOk) this.commFail('serial port read timeout');
        return { ret: 0, text: '' };
      }
      const out = buf.feed(chunk, s, alert);
      switch (out.kind) {
        case 'line': case 'full':
          this.commGood();
          return { ret: buf.text.length, text: buf.text };
        case 'asterisk':
          // '*' is not a real end of line: drain what may follow, then report OK
          try { await link.read(ASTERISK_DRAIN_MS); } catch (err) {
            this.commFail(`serial port read error: ${(err as Error).message}`);
            return { ret: -1, text: '' };
          }
          this.commGood();
          return { ret: 2, text: 'OK' };
        case 'overflow':
          this.commFail('serial port read overflow');
          link.discardInput();
          return { ret: -1, text: buf.text };
        case 'more':
          break;
      }
    }
  }

  flushAll(): void {
    this.link?.discardInput();
  }

  sleep(ms: number): Promise<void> {
    return this.opts.sleep ? this.opts.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  }

  async close(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }
}

/** apc_write_long: the first character, a peek that must stay silent, then the rest paced. */
export async function writeLong(io: ApcIo, code: string, alert: (ch: string) => void): Promise<number> {
  const ret = await io.write(code[0] ?? '');
  if (ret !== 1) return ret;
  const peek = await io.read(SER_DX | SER_TO, alert);
  if (peek.ret !== 0) return -1;
  const rest = await io.writePaced(code.slice(1), PACE_MS);
  return rest >= 0 ? rest + 1 : rest;
}

/** apc_write_rep: the character, a peek that must stay silent, 1.3 s, the character again. */
export async function writeRepeated(io: ApcIo, ch: string, alert: (ch: string) => void): Promise<number> {
  const ret = await io.write(ch);
  if (ret !== 1) return ret;
  const peek = await io.read(SER_DX | SER_TO, alert);
  if (peek.ret !== 0) return -1;
  await io.sleep(REPEAT_GAP_MS);
  const again = await io.write(ch);
  return again >= 0 ? again + 1 : again;
}

/** apc_flush(SER_AA): complete replies already waiting are read, their alerts handled. */
export async function flushAlertAware(io: ApcIo, alert: (ch: string) => void): Promise<void> {
  for (let i = 0; i < MAX_FLUSHED_LINES; i++) {
    const r = await io.read(SER_D0 | SER_TO | SER_AA, alert);
    if (r.ret <= 0) return;
  }
}
