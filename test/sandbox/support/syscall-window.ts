// Holds a real process at the entry of one system call, so a test can act in the window between
// what the process checked and what it does next — the races of issue 19 (a symlink swapped in
// after a bind, a pid reused after a check) — deterministically instead of by luck.
//
// The process starts stopped (`kill -STOP $$` in a shell that then execs it); strace attaches and
// delays the first call of `syscall` at its entry (10 minutes: the test ends the delay itself);
// the test sees it waiting there in /proc/PID/syscall, acts, then ends strace: strace detaches
// and the call goes on. The process stays the test's own child, so its exit code is the test's.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startProcess, waitFor, type Proc } from '../../support/stack.js';

/** Syscall numbers where they differ between the two architectures CI and hosts use. */
const SYSCALL_NUMBERS: Readonly<Record<string, Readonly<Partial<Record<NodeJS.Architecture, number>>>>> = {
  listen: { x64: 50, arm64: 201 },
  kill: { x64: 62, arm64: 129 },
  pidfd_send_signal: { x64: 424, arm64: 424 },
};

export const STRACE_WHY = 'strace (apt-get install strace; .ci/run installs it)';

export interface HeldAtSyscall {
  proc: Proc;
  pid: number;
  /** Lets the held call go on (strace detaches). */
  release(): Promise<void>;
}

function procField(pid: number, file: string): string {
  try { return readFileSync(`/proc/${String(pid)}/${file}`, 'latin1'); } catch { return ''; }
}

/** The process state letter (T stopped, t traced) from /proc/PID/stat. */
function state(pid: number): string {
  const stat = procField(pid, 'stat');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/**
 * Starts `cmd args` and resolves once its main thread waits at the entry of its first `syscall`.
 * `cleanups` receives what ends strace and the process.
 */
export async function startHeldAt(syscall: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, cleanups: Array<() => unknown>): Promise<HeldAtSyscall> {
  const nr = SYSCALL_NUMBERS[syscall]?.[process.arch];
  if (nr === undefined) throw new Error(`no syscall number for ${syscall} on ${process.arch}`);
  const proc = startProcess('/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'sh', cmd, ...args], env);
  cleanups.push(() => proc.stop('SIGKILL'));
  const pid = proc.child.pid as number;
  await waitFor(`${cmd} to stop before it runs`, () => state(pid) === 'T' || proc.child.exitCode !== null, 20_000);
  const strace: ChildProcess = spawn('strace', ['-qq', '-f', '-p', String(pid), '-o', '/dev/null',
    '-e', `trace=${syscall}`, '-e', `inject=${syscall}:delay_enter=600s:when=1`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let straceErr = '';
  strace.stderr?.on('data', (b: Buffer) => { straceErr += b.toString(); });
  const straceGone = new Promise<void>((resolve) => strace.once('exit', () => resolve()));
  cleanups.push(async () => { strace.kill('SIGKILL'); await straceGone; });
  await waitFor(`strace to attach to ${String(pid)}`, () => {
    if (strace.exitCode !== null) throw new Error(`strace exited: ${straceErr}`);
    return /^TracerPid:\s+[1-9]/m.test(procField(pid, 'status'));
  }, 20_000);
  proc.child.kill('SIGCONT');
  await waitFor(`${cmd} ${args.join(' ')} to reach ${syscall}`, () => {
    if (proc.child.exitCode !== null) throw new Error(`exited ${String(proc.child.exitCode)} before ${syscall}:\n${proc.output()}`);
    return state(pid) === 't' && procField(pid, 'syscall').startsWith(`${String(nr)} `);
  }, 60_000);
  return {
    proc, pid,
    release: async () => { strace.kill('SIGTERM'); await straceGone; },
  };
}

export interface Victim {
  pid: number;
  /** True while the victim has not exited. */
  alive(): boolean;
  /** Kills the victim if it still lives and says what ended it: 'SIGKILL' is ours, anything else was not. */
  endedBy(): Promise<string>;
}

/** 128 + n: bash's status for a job killed by signal n. */
const STATUS_SIGNALS: Readonly<Record<number, string>> = { 137: 'SIGKILL', 143: 'SIGTERM', 129: 'SIGHUP', 138: 'SIGUSR1' };

/**
 * A root `sleep` that takes `pid`, which must be free: ns_last_pid is set just below it and bash
 * forks at once; another process forking in that instant takes it instead, so this retries. bash
 * waits for it and reports how it ended.
 */
export async function rootProcessWithPid(pid: number, cleanups: Array<() => unknown>): Promise<Victim> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const child = spawn('/bin/bash', ['-c', `echo ${String(pid - 1)} > /proc/sys/kernel/ns_last_pid; sleep 1000 & echo "pid $!"; wait $!; echo "status $?"`],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    let out = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const killGroup = async (): Promise<void> => { try { process.kill(-(child.pid as number), 'SIGKILL'); } catch { /* gone */ } await exited; };
    cleanups.push(killGroup);
    const got = await new Promise<number>((resolve) => {
      child.stdout?.on('data', (b: Buffer) => { out += b.toString(); const m = /^pid (\d+)$/m.exec(out); if (m) resolve(Number(m[1])); });
      child.once('exit', () => resolve(0));
    });
    if (got !== pid) { await killGroup(); continue; }
    const status = (): number | undefined => { const m = /^status (\d+)$/m.exec(out); return m ? Number(m[1]) : undefined; };
    return {
      pid,
      alive: () => status() === undefined,
      endedBy: async () => {
        if (status() === undefined) { process.kill(pid, 'SIGKILL'); await exited; }
        const s = status() as number;
        return STATUS_SIGNALS[s] ?? `status ${String(s)}`;
      },
    };
  }
  throw new Error(`could not start a process with pid ${String(pid)} in 50 attempts (a busy machine forks in between)`);
}
