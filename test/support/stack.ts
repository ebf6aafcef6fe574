// Real processes for end-to-end and interop tests: temp config/state dirs, hardnut's built
// executable, Debian's NUT binaries. Everything on loopback, cleaned up by the caller.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot, requireDaemonUser } from './peers.js';

export const HARDNUT = fileURLToPath(new URL('../../dist/hardnut.js', import.meta.url));

export interface TestDir {
  root: string;
  etc: string;
  state: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Account both hardnut's and NUT's daemons run as in tests started as root. */
export const TEST_USER = 'nut';

/** A short temp dir (driver socket paths must fit in 108 bytes) with etc/ and state/. */
export function makeTestDir(files: Record<string, string> = {}): TestDir {
  requireDaemonUser();
  const root = mkdtempSync(join(tmpdir(), 'hn-'));
  const etc = join(root, 'etc');
  const state = join(root, 'state');
  mkdirSync(etc);
  mkdirSync(state);
  const dir: TestDir = {
    root, etc, state,
    env: { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  writeFiles(dir, files);
  return dir;
}

/** Writes config files; as root they are made readable by the daemons' group, like a real install. */
export function writeFiles(dir: TestDir, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.etc, name), text);
  if (isRoot()) {
    const gid = nutGid();
    chmodSync(dir.root, 0o755);
    chownSync(dir.etc, 0, gid); chmodSync(dir.etc, 0o750);
    chownSync(dir.state, uidOf(TEST_USER), gid); chmodSync(dir.state, 0o770);
    for (const name of Object.keys(files)) { chownSync(join(dir.etc, name), 0, gid); chmodSync(join(dir.etc, name), 0o640); }
  }
}

/**
 * An empty file in the state dir that the daemons' user can append to, whichever process of the
 * test (root or the dropped daemon) writes it first: a CMDSCRIPT's record of its calls.
 */
export function daemonWritableFile(dir: TestDir, name: string): string {
  const path = join(dir.state, name);
  writeFileSync(path, '');
  if (isRoot()) chownSync(path, uidOf(TEST_USER), nutGid());
  return path;
}

function uidOf(user: string): number {
  for (const line of readFileSync('/etc/passwd', 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return Number(f[2]);
  }
  throw new Error(`no user ${user} (apt-get install nut-server creates it)`);
}

function nutGid(): number {
  for (const line of readFileSync('/etc/group', 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === TEST_USER) return Number(f[2]);
  }
  throw new Error(`no group ${TEST_USER}`);
}

/** `-u nut` when root (drivers and upsd drop to it), nothing otherwise. */
export function userArgs(): string[] {
  return isRoot() ? ['-u', TEST_USER] : [];
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** hardnut's driver in the foreground. */
export function startHardnutDriver(dir: TestDir, driver: string, ups: string, extra: string[] = []): Proc {
  return startProcess(process.execPath, [HARDNUT, driver, '-a', ups, '-F', ...userArgs(), ...extra], dir.env);
}

export function runHardnut(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [HARDNUT, ...args], env, timeoutMs);
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Like run(), but resolves when the process exits even if a child it left behind holds its pipes. */
export function runUntilExit(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => {
      setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); resolve({ code, stdout, stderr }); }, 50);
    });
  });
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function waitForSocket(path: string, timeoutMs = 10_000): Promise<true> {
  // the file appears at bind(), a moment before listen(): a connect in between is refused. Read
  // the listening state from /proc/net/unix rather than connect (Debian's dummy-ups 2.8.0 spins
  // after a client closes its connection, fixed in 2.8.3).
  return waitFor(`socket ${path}`, () => existsSync(path) && isListening(path), timeoutMs);
}

/** __SO_ACCEPTCON in /proc/net/unix's Flags column: the socket at `path` is listening. */
function isListening(path: string): boolean {
  let table: string;
  try { table = readFileSync('/proc/net/unix', 'utf8'); } catch { return true; } // no procfs: existence only
  return table.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f.length >= 8 && f.slice(7).join(' ') === path && f[3] === '00010000';
  });
}

/**
 * A "dead server" for tests: tcpmux's port 1 on loopback, where nothing listens. freePort() is no
 * dead server: another test file's listener can take it before the test connects. No test binds
 * port 1, and the kernel never hands out a port below 1024 for port 0.
 */
export const CLOSED_PORT = 1;

/** A TCP port nothing listens on right now (for a server the test is about to start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Sends lines to a Unix socket and collects what comes back until `until` matches or time runs out. */
export function talk(path: string, send: string, until: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    let got = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no ${until} in reply: ${JSON.stringify(got)}`)); }, timeoutMs);
    s.on('connect', () => s.write(send));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (until.test(got)) { clearTimeout(t); s.destroy(); resolve(got); }
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

/** Resident memory of a process in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) : 0;
}
