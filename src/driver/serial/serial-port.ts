// One serial port, over the `serialport` package (its native binding stays outside the bundle
// and is loaded with createRequire, like koffi). This class only moves bytes: reads come back
// as NUT's drivers would see them through their termios settings (tty.ts), writes go out as
// given. A vanished device (unplugged USB adapter, dead pty) closes the link; the driver
// reopens it by path. A port opened here reads nothing until its first read or write: drivers
// open it as root and talk to it only after the privilege drop (issue #12), so no byte is read
// while root, and what the UPS sent meanwhile is flushed (tcflush) before the first read.

import { createRequire } from 'node:module';
import { DriverError, type ErrorCode } from '../../core/errors.js';
import { TtyDiscipline, type TtyMode } from './tty.js';

/**
 * Callback-style API of serialport 13's SerialPort, as much of it as hardnut uses (scripted-ups
 * adapts a TCP socket to it, so one byte mover serves both).
 */
export interface NativePort {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  set(opts: { dtr: boolean; rts: boolean }, cb: (err: Error | null) => void): void;
  /** tcflush(TCIOFLUSH); a socket adapted to this interface has none. */
  flush?(cb: (err: Error | null) => void): void;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'close', fn: (err?: Error | null) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

interface SerialPortModule {
  SerialPort: new (opts: {
    path: string; baudRate: number; autoOpen: boolean; lock: boolean; hupcl: boolean;
    parity?: 'none' | 'even' | 'odd'; dataBits?: 7 | 8;
  }) => NativePort;
}

let loaded: SerialPortModule | undefined;

function serialport(): SerialPortModule {
  // CommonJS with a native addon: kept outside the bundle (scripts/build.mjs), required at run time
  loaded ??= createRequire(import.meta.url)('serialport') as SerialPortModule;
  return loaded;
}

/** Loads the native binding now: after a chroot it could no longer be found. */
export function preloadSerialport(): void {
  serialport();
}

export class SerialError extends DriverError {
  constructor(message: string, code: ErrorCode = 'ERR_SERIAL') {
    super(message, code);
  }
}

export interface SerialOpenOptions {
  baudRate: number;
  /** flock(LOCK_EX|LOCK_NB) the port, as NUT does unless `nolock`. */
  lock: boolean;
  tty: TtyMode;
  /** termios parity and character size; 8N1 when not given (what NUT's serial drivers use). */
  parity?: 'none' | 'even' | 'odd';
  dataBits?: 7 | 8;
}

/** Bytes one read(2) may return (NUT's drivers read into buffers of this size). */
export const DEFAULT_READ_MAX = 512;

/** What the drivers' transports need of a port (SerialLink; tests substitute byte sources). */
export interface ByteLink {
  readonly isOpen: boolean;
  onLost: ((reason: string) => void) | undefined;
  onTraffic: ((dir: 'in' | 'out', text: string) => void) | undefined;
  read(timeoutMs: number, max?: number): Promise<string | null>;
  write(text: string): Promise<void>;
  discardInput(): void;
  setLines(dtr: boolean, rts: boolean): Promise<void>;
  close(): Promise<void>;
}

export class SerialLink implements ByteLink {
  private readonly tty: TtyDiscipline;
  private wake: (() => void) | undefined;
  private open = true;
  private closeReason = '';
  /** Set once reading began (the first read or write), never before. */
  private reading: Promise<void> | undefined;
  /** Called once when the device goes away under us. */
  onLost: ((reason: string) => void) | undefined;
  /** Every byte received and sent, for -D debugging. */
  onTraffic: ((dir: 'in' | 'out', text: string) => void) | undefined;

  private constructor(readonly path: string, private readonly port: NativePort, mode: TtyMode, deferRead: boolean) {
    this.tty = new TtyDiscipline(mode);
    port.on('error', (err) => this.lost(err.message));
    port.on('close', (err) => this.lost(err ? err.message : 'closed'));
    if (!deferRead) { this.listen(); this.reading = Promise.resolve(); }
  }

  /** A 'data' listener puts serialport's stream in flowing mode: its read(2) starts at once. */
  private listen(): void {
    this.port.on('data', (chunk) => {
      this.onTraffic?.('in', chunk.toString('latin1'));
      this.tty.push(chunk);
      this.wake?.();
    });
  }

  /** Starts reading (once): first drops what the UPS sent before anyone could parse it. */
  private startReading(): Promise<void> {
    this.reading ??= new Promise<void>((resolve) => {
      const flush = this.port.flush?.bind(this.port);
      // a failed flush is no reason not to read: the driver's own flushes and timeouts cope
      if (flush) flush(() => { this.listen(); resolve(); });
      else { this.listen(); resolve(); }
    });
    return this.reading;
  }

  /** Opens and configures the port (raw, 8N1 unless told otherwise, the given speed, locked unless told not to). */
  static async open(path: string, opts: SerialOpenOptions): Promise<SerialLink> {
    const { SerialPort } = serialport();
    const port = new SerialPort({
      path, baudRate: opts.baudRate, autoOpen: false, lock: opts.lock, hupcl: false,
      parity: opts.parity ?? 'none', dataBits: opts.dataBits ?? 8,
    });
    port.on('error', () => undefined); // until the link's own handler is installed
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new SerialError(`Unable to open ${path}: ${err.message.replace(/^Error: /, '')}`, 'ERR_SERIAL_OPEN')) : resolve()));
    });
    port.removeAllListeners();
    return new SerialLink(path, port, opts.tty, true);
  }

  /** A link over a port that is already open (scripted-ups: a TCP connection adapted to NativePort). */
  static over(path: string, port: NativePort, mode: TtyMode): SerialLink {
    return new SerialLink(path, port, mode, false);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Why the link closed, when it did. */
  get lostReason(): string {
    return this.closeReason;
  }

  private lost(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.closeReason = reason;
    this.wake?.();
    this.onLost?.(reason);
  }

  /**
   * One read(2) as select()+read() with a timeout would do it: resolves with what the read
   * returns, or null when nothing readable arrived in time. Rejects when the device is gone.
   */
  async read(timeoutMs: number, max = DEFAULT_READ_MAX): Promise<string | null> {
    const end = Date.now() + timeoutMs;
    if (this.open) await this.startReading();
    for (;;) {
      if (!this.open) throw new SerialError(`${this.path}: ${this.closeReason || 'closed'}`, 'ERR_SERIAL_LOST');
      const got = this.tty.read(max);
      if (got !== null) return got;
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

  /** tcflush(TCIFLUSH): drops everything received and not yet read (before the first read, startReading's flush will). */
  discardInput(): void {
    this.tty.flush();
  }

  /** write(2) until all is sent (latin1: one byte per character). */
  async write(text: string): Promise<void> {
    if (!this.open) throw new SerialError(`${this.path}: ${this.closeReason || 'closed'}`, 'ERR_SERIAL_LOST');
    // reading first, so the reply to this command is not flushed with what came before it
    await this.startReading();
    this.onTraffic?.('out', text);
    const data = Buffer.from(text, 'latin1');
    await new Promise<void>((resolve, reject) => {
      this.port.write(data, (err) => (err ? reject(new SerialError(`write to ${this.path}: ${err.message}`, 'ERR_SERIAL_WRITE')) : undefined));
      this.port.drain((err) => (err ? reject(new SerialError(`write to ${this.path}: ${err.message}`, 'ERR_SERIAL_WRITE')) : resolve()));
    });
  }

  /** Sets DTR and RTS (TIOCMSET). Rejects where the device has no modem lines (a pty). */
  async setLines(dtr: boolean, rts: boolean): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.port.set({ dtr, rts }, (err) => (err ? reject(new SerialError(`cannot set DTR/RTS on ${this.path}: ${err.message.replace(/^Error: /, '')}`, 'ERR_SERIAL_LINES')) : resolve()));
    });
  }

  async close(): Promise<void> {
    const wasOpen = this.open;
    this.open = false;
    this.closeReason ||= 'closed';
    this.wake?.();
    if (!wasOpen || !this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
