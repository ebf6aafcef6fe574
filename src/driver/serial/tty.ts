// What a read(2) on the serial port would return under the termios settings NUT's drivers use.
// serialport always opens the port raw; NUT's Q1 and APC drivers read in canonical mode (one
// line per read, extra end-of-line characters, CRs ignored or not). This class turns the raw
// byte stream back into those reads, so the drivers see exactly what NUT's drivers see.
// Pure: bytes in, reads out.

/** The kernel's canonical line buffer: N_TTY_BUF_SIZE - 1 characters of an unfinished line. */
export const MAX_CANON = 4095;
/** Bytes kept while nobody reads (a device streaming garbage cannot grow the buffer forever). */
export const MAX_PENDING_BYTES = 64 * 1024;

export interface TtyMode {
  /** ICANON: a read returns one line; false: whatever has arrived. */
  canonical: boolean;
  /** VEOL and friends: characters that end a line besides '\n' (kept in the line). */
  extraEol: string;
  /** IGNCR: '\r' never reaches the reader. */
  ignoreCr: boolean;
}

/** Q1 family (nutdrv_qx): canonical, CR ends a line (VEOL = '\r'), CR kept. */
export const QX_TTY: TtyMode = { canonical: true, extraEol: '\r', ignoreCr: false };
/** apcsmart default: canonical, IGNCR, '*' as a second end of line. */
export const APC_TTY: TtyMode = { canonical: true, extraEol: '*', ignoreCr: true };
/** apcsmart `ttymode = raw`. */
export const RAW_TTY: TtyMode = { canonical: false, extraEol: '', ignoreCr: false };

export class TtyDiscipline {
  /** Complete lines (canonical) or raw bytes, oldest first, as latin1 text. */
  private pending = '';
  /** Canonical: the unfinished line. */
  private partial = '';

  constructor(private readonly mode: TtyMode) {}

  /** Input arrived from the device. */
  push(bytes: Uint8Array | string): void {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
    if (!this.mode.canonical) {
      this.pending = (this.pending + (this.mode.ignoreCr ? text.replaceAll('\r', '') : text)).slice(-MAX_PENDING_BYTES);
      return;
    }
    for (const c of text) {
      if (c === '\r' && this.mode.ignoreCr) continue;
      if (c === '\n' || this.mode.extraEol.includes(c)) {
        this.pending += this.partial + c;
        this.partial = '';
        if (this.pending.length > MAX_PENDING_BYTES) this.pending = this.pending.slice(-MAX_PENDING_BYTES);
        continue;
      }
      // a full line buffer takes nothing but an end of line
      if (this.partial.length < MAX_CANON) this.partial += c;
    }
  }

  /** True when a read would return at once. */
  get readable(): boolean {
    return this.pending.length > 0;
  }

  /**
   * One read(fd, buf, max): canonical mode returns at most one line (with its end-of-line
   * character), raw mode whatever is there; null when a read would block.
   */
  read(max: number): string | null {
    if (this.pending.length === 0) return null;
    let n = this.pending.length;
    if (this.mode.canonical) {
      for (let i = 0; i < this.pending.length; i++) {
        const c = this.pending[i] as string;
        if (c === '\n' || this.mode.extraEol.includes(c)) { n = i + 1; break; }
      }
    }
    n = Math.min(n, max);
    const out = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    return out;
  }

  /** tcflush(TCIFLUSH): everything received and not yet read is gone. */
  flush(): void {
    this.pending = '';
    this.partial = '';
  }
}
