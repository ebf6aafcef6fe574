// The end of upsmon's shutdown path (§5.7 step 4, DESIGN.md): write POWERDOWNFLAG, then hand the
// power-off to the one piece allowed to do it. The dispatcher holds no right to stop the machine
// itself: it signs an intent with a key it loaded while root, and
//   socket  — writes it to hardnut-shutdown.socket (systemd starts the root helper per intent),
//   helper  — runs the setuid helper with the intent on stdin (sysvinit hosts),
//   initctl — writes runlevel 0 to the /run/initctl fd it kept from start-up (no helper at all),
//   command — runs SHUTDOWNCMD as an argv: only for an unprivileged upsmon (demo, tests), where
//             nothing privileged exists to hand over to.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { HardnutError } from '../../core/errors.js';
import { createFileExclusive } from '../../runtime/pidfile.js';
import { makeIntent } from '../../sandbox/shutdown-intent.js';
import type { InitctlChannel } from '../../sandbox/initctl.js';

/** What NUT writes into POWERDOWNFLAG, exactly (`upsmon -K` checks the file starts with it). */
export const POWERDOWNFLAG_MAGIC = 'upsmon-shutdown-file';
/** How long the shutdown hand-over may take before it counts as failed. */
export const SHUTDOWN_HANDOVER_TIMEOUT_MS = 30_000;

export class ShutdownError extends HardnutError {
  constructor(message: string) {
    super('ERR_SHUTDOWN', message);
  }
}

export type ShutdownMethod =
  | { kind: 'socket'; path: string; secretKey: Uint8Array }
  | { kind: 'helper'; path: string; secretKey: Uint8Array }
  | { kind: 'initctl'; channel: InitctlChannel }
  | { kind: 'command'; argv: string[] };

/**
 * Writes the flag the late-shutdown hook looks for, as a new regular file: whatever was planted at
 * the name (a symlink, a FIFO) is replaced, not followed or waited on.
 */
export function writePowerDownFlag(path: string): void {
  createFileExclusive(path, POWERDOWNFLAG_MAGIC, 0o644);
}

export async function performShutdown(method: ShutdownMethod, powerDownFlag?: string): Promise<void> {
  if (powerDownFlag !== undefined) writePowerDownFlag(powerDownFlag);
  switch (method.kind) {
    // makeIntent's line ends in its one newline: the helper refuses anything after it
    case 'socket':
      return sendToSocket(method.path, makeIntent('poweroff', method.secretKey));
    case 'helper':
      return runHelper(method.path, makeIntent('poweroff', method.secretKey));
    case 'initctl':
      method.channel.requestRunlevel('0');
      return;
    case 'command':
      return runArgv(method.argv);
  }
}

function sendToSocket(path: string, intent: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    const timer = setTimeout(() => { s.destroy(); reject(new ShutdownError(`no answer from ${path}`)); }, SHUTDOWN_HANDOVER_TIMEOUT_MS);
    s.on('connect', () => s.end(intent));
    s.on('error', (err) => { clearTimeout(timer); reject(new ShutdownError(`cannot hand the shutdown to ${path}: ${err.message}`)); });
    s.on('close', () => { clearTimeout(timer); resolve(); });
    s.resume();
  });
}

function runHelper(path: string, intent: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // no environment at all: the helper clears it anyway, and nothing of ours should reach it
    const child = spawn(path, ['poweroff'], { env: {}, stdio: ['pipe', 'ignore', 'pipe'], cwd: '/' });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', (e) => reject(new ShutdownError(`cannot run ${path}: ${e.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new ShutdownError(`${path} refused (exit ${code}): ${err.trim()}`))));
    child.stdin?.end(intent);
  });
}

function runArgv(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new ShutdownError('SHUTDOWNCMD is not set'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: '/' });
    child.on('error', (e) => reject(new ShutdownError(`cannot run SHUTDOWNCMD ${cmd}: ${e.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new ShutdownError(`SHUTDOWNCMD ${cmd} exited ${code}`))));
  });
}
