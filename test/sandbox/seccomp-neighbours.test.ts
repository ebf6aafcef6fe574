// Issue 19 items 1, 5 and 10, as real attacks: a "compromised" process — root-started, dropped to
// its role's user, its role's real filter loaded — tries to type into the terminal it inherited
// (TIOCSTI), to stop or starve a neighbour running as the same user (kill, tkill, tgkill,
// rt_sigqueueinfo, pidfd, prlimit64), or to enter a new user namespace. Each control runs the
// same attack without a filter and shows it lands; with the filter the process dies (allowlists)
// or gets EPERM (the dispatcher), and the terminal and the neighbour show nothing happened.
// The same calls on the process itself still work.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DAEMON_USER_WHY, hasDaemonUser, isRoot, requirePeer, type SkipContext } from '../support/peers.js';
import { buildSeccompChild, type Outcome, type SeccompChild } from '../support/seccomp-child.js';
import { waitFor } from '../support/stack.js';
import { POLICIES, isDenylist } from '../../src/sandbox/seccomp.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';

let attacker: SeccompChild | undefined;
beforeAll(async () => {
  attacker = await buildSeccompChild(new URL('./fixtures/neighbour-child.ts', import.meta.url).pathname);
}, 60_000);
afterAll(() => attacker?.cleanup());

const ROLES = [...POLICIES.keys()].filter((r) => r !== 'node-base');
const EPERM = 'ERROR errno 1';
const ENOSYS = 'ERROR errno 38';
const REPLY_TIMEOUT_MS = 10_000;

function needRoot(ctx: SkipContext): void {
  requirePeer(ctx, isRoot(), 'root (CI runs as root), to drop to nut and share a user with the neighbour');
  requirePeer(ctx, hasDaemonUser(), DAEMON_USER_WHY);
}

/** A neighbour as the same user the sandboxes run as (nut): answers each line with its NOFILE limit. */
class Neighbour {
  readonly proc: ChildProcess;
  private buf = '';
  private constructor(proc: ChildProcess) {
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => { this.buf += d.toString('utf8'); });
  }

  static async start(): Promise<Neighbour> {
    const nut = lookupUser('nut');
    if (!nut) throw new Error('no nut user');
    const script = "process.stdout.write('READY\\n');process.stdin.on('data',()=>{const l=require('fs').readFileSync('/proc/self/limits','utf8').split('\\n').find((x)=>x.startsWith('Max open files'));process.stdout.write('PONG '+l.replace(/\\s+/g,' ').trim()+'\\n')})";
    const n = new Neighbour(spawn(process.execPath, ['-e', script], { uid: nut.uid, gid: nut.gid, stdio: ['pipe', 'pipe', 'ignore'], cwd: '/' }));
    await n.line(/^READY$/m);
    return n;
  }

  get pid(): number { return this.proc.pid as number; }

  /** Resolves with the first match in its output (an event: its 'data'), or rejects after REPLY_TIMEOUT_MS. */
  line(re: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.buf);
        if (!m) return false;
        this.buf = this.buf.slice(m.index + m[0].length);
        this.proc.stdout?.off('data', onData);
        clearTimeout(timer);
        resolve(m[0]);
        return true;
      };
      const onData = (): void => { check(); };
      const timer = setTimeout(() => { this.proc.stdout?.off('data', onData); reject(new Error(`neighbour ${this.pid}: no ${re} within ${REPLY_TIMEOUT_MS} ms`)); }, REPLY_TIMEOUT_MS);
      this.proc.stdout?.on('data', onData);
      check();
    });
  }

  /** Its answer to a ping: it runs (not stopped, not dead) and this is its NOFILE limit. */
  async ping(): Promise<string> {
    this.proc.stdin?.write('PING\n');
    return this.line(/^PONG .*$/m);
  }

  /** Its NOFILE limit as the kernel holds it (read by root from /proc). */
  nofile(): string {
    return readFileSync(`/proc/${this.pid}/limits`, 'latin1').split('\n').find((l) => l.startsWith('Max open files'))?.replace(/\s+/g, ' ').trim() ?? '';
  }

  /** Its scheduler state from /proc (T: stopped). */
  state(): string {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) { resolve(); return; }
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGKILL');
    });
  }
}

/** A fresh pseudo-terminal: the test holds the master; the slave is what the attacker inherits. */
class Pty {
  readonly master: number;
  readonly slave: number;
  private readonly reader: number;
  constructor() {
    const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): { func(s: string): (...a: unknown[]) => unknown } };
    const libc = koffi.load('libc.so.6');
    const openpt = libc.func('int posix_openpt(int flags)') as (f: number) => number;
    const grantpt = libc.func('int grantpt(int fd)') as (fd: number) => number;
    const unlockpt = libc.func('int unlockpt(int fd)') as (fd: number) => number;
    const ptsname = libc.func('const char *ptsname(int fd)') as (fd: number) => string;
    const cfmakeraw = libc.func('void cfmakeraw(void *termios)') as (t: Buffer) => void;
    const tcsetattr = libc.func('int tcsetattr(int fd, int act, const void *termios)') as (fd: number, a: number, t: Buffer) => number;
    this.master = openpt(constants.O_RDWR | constants.O_NOCTTY);
    if (this.master < 0 || grantpt(this.master) !== 0 || unlockpt(this.master) !== 0) throw new Error('no pty');
    const name = ptsname(this.master);
    this.slave = openSync(name, constants.O_RDWR | constants.O_NOCTTY);
    this.reader = openSync(name, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    // raw: every typed byte is readable at once, not only a finished line
    const t = Buffer.alloc(64);
    cfmakeraw(t);
    if (tcsetattr(this.slave, 0, t) !== 0) throw new Error('tcsetattr');
  }

  /** What was typed into the terminal's input (what a shell reading it would run). */
  typed(): string {
    const buf = Buffer.alloc(4096);
    try {
      const n = readSync(this.reader, buf, 0, buf.length, null);
      return buf.subarray(0, n).toString('latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return '';
      throw err;
    }
  }

  close(): void {
    for (const fd of [this.reader, this.slave, this.master]) closeSync(fd);
  }
}

/** Runs `fn` with a fresh neighbour, which is killed afterwards whatever happened. */
async function withNeighbour(fn: (n: Neighbour) => Promise<void>): Promise<void> {
  const n = await Neighbour.start();
  try { await fn(n); } finally { await n.stop(); }
}

/** Runs the attacker with `stdin` (and `stdout` if asked) on a fresh terminal, in a session of its own. */
async function onTerminal(role: string, attack: string, check: (r: Outcome, pty: Pty) => void, stdout = false): Promise<void> {
  const pty = new Pty();
  try {
    if (!attacker) throw new Error('attacker not built');
    check(await attacker.run([role, attack], { stdio: [pty.slave, stdout ? pty.slave : 'pipe', 'pipe'], detached: true }), pty);
  } finally {
    pty.close();
  }
}

async function run(role: string, attack: string, victim = 0): Promise<Outcome> {
  if (!attacker) throw new Error('attacker not built');
  return attacker.run([role, attack, String(victim)]);
}

/** What a filter answers to a forbidden call: SIGSYS for an allowlist, EPERM for the dispatcher. */
function expectRefused(role: string, r: Outcome): void {
  expect(r.out).not.toMatch(/ALLOWED/);
  if (isDenylist(role)) expect(r).toEqual({ signal: null, out: EPERM });
  else expect(r.signal).toBe('SIGSYS');
}

/** Attacks that stop the neighbour (SIGSTOP, the attack on upsd) or lower its NOFILE to 4. */
const ON_NEIGHBOUR = ['kill', 'tkill', 'tgkill', 'sigqueue', 'pidfd-open', 'pidfd-signal', 'prlimit'] as const;

describe('controls: the attacks land without a filter (as nut, on a nut neighbour)', () => {
  for (const attack of ON_NEIGHBOUR.filter((a) => a !== 'pidfd-open' && a !== 'prlimit')) {
    it(`${attack} stops the neighbour`, async (ctx) => {
      needRoot(ctx);
      await withNeighbour(async (n) => {
        expect(await run('none', attack, n.pid)).toEqual({ signal: null, out: 'ALLOWED' });
        await waitFor('the neighbour stopped', () => n.state() === 'T');
      });
    });
  }

  it('prlimit64 lowers the neighbour\'s NOFILE to 4', async (ctx) => {
    needRoot(ctx);
    await withNeighbour(async (n) => {
      expect(n.nofile()).not.toBe('Max open files 4 4 files');
      expect(await run('none', 'prlimit', n.pid)).toEqual({ signal: null, out: 'ALLOWED' });
      expect(n.nofile()).toBe('Max open files 4 4 files');
    });
  });

  it('kill(0) and kill(-1) reach the group and every process of the user; clone enters a new user namespace', async (ctx) => {
    needRoot(ctx);
    // the neighbour is what kill(-1) reaches
    await withNeighbour(async () => {
      expect(await run('none', 'kill-group')).toEqual({ signal: null, out: 'ALLOWED' });
      expect(await run('none', 'kill-all')).toEqual({ signal: null, out: 'ALLOWED' });
      expect(await run('none', 'clone-newuser')).toEqual({ signal: null, out: 'ALLOWED' });
    });
  });

  it('TIOCSTI types a command into the inherited terminal', async (ctx) => {
    needRoot(ctx);
    requirePeer(ctx, readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'latin1').trim() === '1', 'dev.tty.legacy_tiocsti=1 (the kernel refuses TIOCSTI to everyone otherwise)');
    await onTerminal('none', 'tiocsti', (r, pty) => {
      expect(r).toEqual({ signal: null, out: 'ALLOWED' });
      expect(pty.typed()).toBe('id #hardnut-typed\n');
    });
  });
});

for (const role of ROLES) {
  describe(`role ${role}: no neighbour, no terminal, no namespace`, () => {
    for (const attack of ON_NEIGHBOUR) {
      it(`${attack} on a neighbour is refused; the neighbour runs on with its limits`, async (ctx) => {
        needRoot(ctx);
        await withNeighbour(async (n) => {
          const before = n.nofile();
          expectRefused(role, await run(role, attack, n.pid));
          // it answers (a stopped process would not; with NOFILE 4 it could not open its limits)
          expect(await n.ping()).toBe(`PONG ${before}`);
          expect(n.nofile()).toBe(before);
          expect(n.state()).not.toBe('T');
        });
      });
    }

    for (const attack of ['kill-group', 'kill-all', 'unshare', 'clone-newuser', 'clone-thread-newuser']) {
      it(`${attack} is refused`, async (ctx) => {
        needRoot(ctx);
        expectRefused(role, await run(role, attack));
      });
    }

    it('clone3 answers ENOSYS (its flags cannot be read; glibc falls back to clone)', async (ctx) => {
      needRoot(ctx);
      expect(await run(role, 'clone3')).toEqual({ signal: null, out: ENOSYS });
    });

    for (const attack of ['tiocsti', 'tiocsti-highbits']) {
      it(`${attack}: nothing reaches the inherited terminal`, async (ctx) => {
        needRoot(ctx);
        await onTerminal(role, attack, (r, pty) => {
          expectRefused(role, r);
          expect(pty.typed()).toBe('');
        });
      });
    }

    it('on itself: a signal handler runs, tgkill, prlimit64 (pid 0 and its own) work, abort() aborts', async (ctx) => {
      needRoot(ctx);
      expect(await run(role, 'self-kill')).toEqual({ signal: null, out: 'HANDLED' });
      expect(await run(role, 'self-tgkill')).toEqual({ signal: null, out: 'ALLOWED' });
      // the dispatcher's denylist can compare prlimit64's pid once: 0 only (glibc's getrlimit/setrlimit)
      expect(await run(role, 'self-prlimit')).toEqual({ signal: null, out: isDenylist(role) ? EPERM : 'ALLOWED' });
      expect((await run(role, 'abort')).signal).toBe('SIGABRT');
    });

    it('in the foreground on a terminal: a resize (SIGWINCH, TIOCGWINSZ) leaves it running', async (ctx) => {
      needRoot(ctx);
      await onTerminal(role, 'winch', (r) => expect(r).toEqual({ signal: null, out: 'ALIVE' }), true);
    });
  });
}
