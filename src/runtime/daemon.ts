// Backgrounding for hardnut's daemons (drivers, upsd). NUT forks once it is ready and the parent
// exits 0. Node cannot fork, so the same command is spawned again, detached, with
// DAEMON_CHILD_ENV set. The child reports readiness on fd 3; until then the parent relays its
// stderr, so start-up errors still reach the terminal.

import { createWriteStream } from 'node:fs';

export const DAEMON_CHILD_ENV = 'HARDNUT_DAEMON_CHILD';

/** True in the re-spawned copy. The flag is removed, so nothing this process starts inherits it. */
export function takeDaemonChildFlag(env: NodeJS.ProcessEnv): boolean {
  const set = env[DAEMON_CHILD_ENV] === '1';
  delete env[DAEMON_CHILD_ENV];
  if (env !== process.env) delete process.env[DAEMON_CHILD_ENV];
  return set;
}

/** In the parent: starts the background copy; resolves to the exit code for the parent. */
export async function respawnInBackground(env: NodeJS.ProcessEnv): Promise<number> {
  // loaded here, not at start-up: a daemon in the foreground, `upsd -c reload` or -h never
  // spawns, and node:child_process costs about 5 ms of every start (bench/startup.mjs)
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...env, [DAEMON_CHILD_ENV]: '1' },
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  return new Promise<number>((resolve) => {
    const ready = child.stdio[3] as NodeJS.ReadableStream | null;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      child.stderr?.removeAllListeners('data');
      child.stderr?.destroy();
      (ready as { destroy?: () => void } | null)?.destroy?.();
      child.unref();
      resolve(code);
    };
    ready?.on('data', () => finish(0));
    child.on('exit', (code) => finish(code ?? 1));
    child.on('error', (err) => { process.stderr.write(`cannot start in the background: ${err.message}\n`); finish(1); });
  });
}

/** In the child: tells the parent we are up; stray writes to the parent's terminal are ignored. */
export function notifyReady(): void {
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  try {
    createWriteStream('', { fd: 3 }).end('R');
  } catch { /* the parent is gone: nothing to tell */ }
}
