// Starting hardnut's and Debian's upsd for tests, and talking to them like a client.

import net from 'node:net';
import { refNut } from '../../support/peers.js';
import { HARDNUT, startProcess, userArgs, waitFor, type Proc, type TestDir } from '../../support/stack.js';

/** hardnut's upsd in the foreground (`-u nut` when root). Resolves once `probe` answers. */
export async function startHardnutUpsd(dir: TestDir, port: number | undefined, extra: string[] = [], env: NodeJS.ProcessEnv = dir.env): Promise<Proc> {
  const p = startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs(), ...extra], env);
  await waitUp(p, port);
  return p;
}

/** Debian's upsd 2.8.0 in the foreground. */
export async function startDebianUpsd(dir: TestDir, port: number): Promise<Proc> {
  const p = startProcess(refNut.upsd, ['-F', ...userArgs()], dir.env);
  await waitUp(p, port);
  return p;
}

async function waitUp(p: Proc, port: number | undefined): Promise<void> {
  if (port === undefined) {
    await waitFor('upsd to listen', () => p.output().includes('listening on') || p.child.exitCode !== null, 15_000);
    if (p.child.exitCode !== null) throw new Error(`upsd exited ${String(p.child.exitCode)}:\n${p.output()}`);
    return;
  }
  await waitFor(`upsd on port ${String(port)}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`upsd exited ${String(p.child.exitCode)}:\n${p.output()}`);
    return (await ask(port, 'NETVER\n', /\n/).catch(() => '')).startsWith('1.3');
  }, 15_000, 100);
}

export type Target = number | string;

function connectTo(target: Target, localAddress?: string): net.Socket {
  return typeof target === 'number'
    ? net.connect({ host: '127.0.0.1', port: target, ...(localAddress ? { localAddress } : {}) })
    : net.connect({ path: target });
}

/**
 * Sends `text` on a new connection (TCP port or Unix-socket path) and collects the reply until
 * `until` matches, the server closes, or `timeoutMs` passes. Rejects if it cannot connect.
 */
export function ask(target: Target, text: string, until: RegExp = /$^/, timeoutMs = 5000, localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connectTo(target, localAddress);
    let got = '';
    let connected = false;
    const done = (): void => { clearTimeout(t); s.destroy(); resolve(got); };
    const t = setTimeout(done, timeoutMs);
    s.on('connect', () => { connected = true; s.write(text, 'latin1'); });
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); if (until.test(got)) done(); });
    s.on('close', done);
    s.on('error', (e) => { if (!connected) { clearTimeout(t); reject(e); } });
  });
}

/** A connection that stays open: send lines, wait for replies. */
export class Client {
  readonly socket: net.Socket;
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => { this.buf += d.toString('latin1'); this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }

  static open(target: Target, localAddress?: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connectTo(target, localAddress);
      s.once('connect', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Waits until the buffered reply matches `re`; returns and consumes everything buffered. */
  async until(re: RegExp, timeoutMs = 5000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.buf)) {
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.buf)}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no ${String(re)} within ${String(timeoutMs)} ms; got ${JSON.stringify(this.buf.slice(0, 500))}`);
      await new Promise<void>((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
    const out = this.buf;
    this.buf = '';
    return out;
  }

  /** One request, one reply line (or a whole LIST block). */
  async request(line: string, timeoutMs = 5000): Promise<string> {
    this.send(`${line}\n`);
    const first = line.trim().split(/\s+/)[0]?.toUpperCase();
    return this.until(first === 'LIST' ? /(^|\n)(END LIST [^\n]*|ERR [^\n]*)\n$/ : /\n$/, timeoutMs);
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A dump for a fake driver: a UPS on line power with one RW variable and two commands. */
export const SIMPLE_DUMP = [
  'SETINFO ups.status "OL"', 'SETINFO battery.charge "100"', 'SETINFO ups.id "x"', 'SETFLAGS ups.id RW STRING', 'SETAUX ups.id 16',
  'ADDCMD load.off', 'ADDCMD load.on', 'DATAOK',
];

export const SIMPLE_USERS = '[admin]\n\tpassword = adminpass\n\tactions = SET FSD\n\tinstcmds = ALL\n'
  + '[mon]\n\tpassword = monpass\n\tupsmon primary\n[sec]\n\tpassword = secpass\n\tupsmon secondary\n';

/** ups.conf with one section per name, all `driver = dummy-ups`. */
export function upsConf(names: readonly string[]): string {
  return names.map((n) => `[${n}]\n\tdriver = dummy-ups\n\tport = ${n}.dev\n\tdesc = "UPS ${n}"\n`).join('');
}
