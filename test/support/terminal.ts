// A daemon started the way a user starts it from a shell: a fresh pseudo-terminal is the
// session's controlling terminal (setsid --ctty on its stdin), a shell is the session leader and
// the daemon its child in the foreground — not a session leader itself, as under a login shell.
// So "no controlling terminal" after confinement (tty_nr 0) is something the daemon did, not
// something the test harness never gave it. stdout and stderr stay pipes, for the test to read.
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { waitFor } from './stack.js';

interface PtyLib { func(s: string): (...a: unknown[]) => unknown }

/** A new pty pair: the test keeps the master; the slave becomes the daemon's terminal. */
function openPty(): { master: number; slave: number } {
  const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): PtyLib };
  const libc = koffi.load('libc.so.6');
  const openpt = libc.func('int posix_openpt(int flags)') as (f: number) => number;
  const grantpt = libc.func('int grantpt(int fd)') as (fd: number) => number;
  const unlockpt = libc.func('int unlockpt(int fd)') as (fd: number) => number;
  const ptsname = libc.func('const char *ptsname(int fd)') as (fd: number) => string;
  const master = openpt(constants.O_RDWR | constants.O_NOCTTY);
  if (master < 0 || grantpt(master) !== 0 || unlockpt(master) !== 0) throw new Error('cannot allocate a pseudo-terminal');
  return { master, slave: openSync(ptsname(master), constants.O_RDWR | constants.O_NOCTTY) };
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
export function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** tty_nr of /proc/PID/stat: 0 when the process has no controlling terminal. */
export function ttyOf(pid: number): number {
  return Number(statFields(pid)[4]);
}

export function alive(pid: number): boolean {
  try { return statFields(pid)[0] !== 'Z'; } catch { return false; }
}

/** Children of `parent` whose argv[0] is `cmd`. */
export function childrenRunning(parent: number, cmd: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (Number(statFields(Number(n))[1]) !== parent) continue;
      if (readFileSync(`/proc/${n}/cmdline`, 'latin1').split('\0')[0] === cmd) out.push(Number(n));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

export interface TerminalProc {
  /** The daemon (the shell's child). */
  pid: number;
  /** The pty the session started with (tty_nr of the shell, the session leader). */
  tty: number;
  output(): string;
  /** Resolves with the daemon's exit code once the shell reports it (null if killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM to the daemon (SIGKILL after 8 s), then the terminal is closed. */
  stop(): Promise<number | null>;
}

/** Runs `cmd args…` as a shell's child on a new controlling terminal; resolves once it runs. */
export async function startOnTerminal(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<TerminalProc> {
  const { master, slave } = openPty();
  // "$@"; exit $?: not a lone command, so the shell forks it instead of exec'ing it
  const shell = spawn('setsid', ['--ctty', 'sh', '-c', '"$@"; exit $?', 'sh', cmd, ...args], { env, stdio: [slave, 'pipe', 'pipe'] });
  closeSync(slave);
  let out = '';
  shell.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  shell.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  let closed = false;
  const closeMaster = (): void => { if (!closed) { closed = true; closeSync(master); } };
  const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => { closeMaster(); resolve(code); }));
  const shellPid = shell.pid as number;
  let pid: number;
  try {
    pid = await waitFor('the daemon under the shell', () => childrenRunning(shellPid, cmd)[0], 10_000, 20);
  } catch (err) {
    shell.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}: ${out}`);
  }
  const tty = ttyOf(shellPid);
  return {
    pid, tty, exited, output: () => out,
    stop: async () => {
      if (alive(pid)) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
      const t = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 8000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
