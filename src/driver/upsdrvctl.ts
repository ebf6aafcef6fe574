// upsdrvctl: start, stop or shut down the drivers of ups.conf — all of them or one — as NUT's
// upsdrvctl does: start waits for each driver to background itself (up to maxstartdelay) and
// retries maxretry times retrydelay seconds apart; stop signals the pid file's process;
// shutdown runs `<driver> -a <ups> -k` in sdorder.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { getopt } from '../runtime/getopt.js';
import { trustedPid } from '../runtime/pidfile.js';
import { loadUpsConf } from '../runtime/config-read.js';
import { signalFailure } from '../runtime/control-check.js';
import { altPidPath, type Env } from '../core/paths.js';
import { UsageError } from '../core/errors.js';
import { DRIVER_LOADERS } from './drivers/index.js';
import { VERSION } from './runtime.js';
import type { UpsConf, UpsSection } from '../core/config/ups-conf.js';

/** How long `stop` waits for a driver to exit after SIGTERM before reporting it. */
export const STOP_WAIT_MS = 5_000;

interface Ctl {
  conf: UpsConf;
  env: Env;
  testMode: boolean;
  passDebug: number;
  root?: string;
  user?: string;
  errors: number;
  /** UPSes whose driver did not come up (`start`), named in the last line. */
  notStarted: string[];
  out: (line: string) => void;
}

const USAGE = `Starts and stops UPS drivers via ups.conf.

usage: hardnut upsdrvctl [OPTIONS] (start | stop | shutdown) [<ups>]

  -h            display this help
  -r <path>     drivers will chroot to <path>
  -t            testing mode - prints actions without doing them
  -u <user>     drivers started will switch from root to <user>
  -D            raise debugging level
  -d            pass debugging level from upsdrvctl to driver
  -F            start: drivers run in the foreground, and upsdrvctl stays with them until they
                exit (SIGTERM/SIGINT to upsdrvctl stops them)
  start         start all UPS drivers in ups.conf
  start <ups>   only start driver for UPS <ups>
  stop          stop all UPS drivers in ups.conf
  stop <ups>    only stop driver for UPS <ups>
  shutdown      shutdown all UPS drivers in ups.conf
  shutdown <ups> only shutdown UPS <ups>
`;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`Network UPS Tools - UPS driver controller (hardnut ${VERSION})\n`);
  let parsed;
  try { parsed = getopt(argv, '+htu:r:DdFV'); } catch (err) { process.stderr.write(`${(err as Error).message}\n${USAGE}`); return 2; }
  let debug = 0;
  let passthrough = false;
  let foreground = false;
  const ctl: Omit<Ctl, 'conf'> = { env, testMode: false, passDebug: 0, errors: 0, notStarted: [], out: (l) => process.stderr.write(`${l}\n`) };
  for (const o of parsed.options) {
    if (o.flag === 'h') { process.stdout.write(USAGE); return 0; }
    if (o.flag === 'V') return 0;
    if (o.flag === 't') ctl.testMode = true;
    if (o.flag === 'r') ctl.root = o.value;
    if (o.flag === 'u') ctl.user = o.value;
    if (o.flag === 'D') debug++;
    if (o.flag === 'd') passthrough = true;
    if (o.flag === 'F') foreground = true;
  }
  if (passthrough) ctl.passDebug = debug;
  const [command, upsName, ...extra] = parsed.operands;
  if (command === undefined || extra.length > 0) { process.stderr.write(USAGE); return 2; }
  const action = command === 'start' ? startDriver : command === 'stop' ? stopDriver : command === 'shutdown' ? shutdownDriver : undefined;
  if (!action) { process.stderr.write(`Error: unrecognized command [${command}]\n`); return 1; }

  let conf: UpsConf;
  try { conf = loadUpsConf(); } catch (err) { process.stderr.write(`Error: ${(err as Error).message}\n`); return 1; }
  if (ctl.testMode) process.stdout.write('*** Testing mode: not calling exec/kill\n');
  const c: Ctl = { ...ctl, conf };
  if (conf.sections.length === 0) { process.stderr.write('Error: no UPS definitions found in ups.conf\n'); return 1; }

  let targets: UpsSection[];
  if (upsName !== undefined) {
    const one = conf.sections.find((s) => s.name === upsName);
    if (!one) { process.stderr.write(`UPS ${upsName} not found in ups.conf\n`); return 1; }
    targets = [one];
  } else if (action === shutdownDriver) {
    // sdorder 0 first; NUT walks 0..max and never shuts down a negative sdorder
    targets = [...conf.sections].filter((s) => (s.sdorder ?? 0) >= 0).sort((a, b) => (a.sdorder ?? 0) - (b.sdorder ?? 0));
  } else {
    targets = conf.sections;
  }

  if (foreground && action === startDriver) return runForeground(c, targets);
  if ((action === startDriver || action === shutdownDriver) && !conf.global.nowait) {
    // NUT waits for each driver it forks, so shutdowns happen one after another in sdorder
    for (const t of targets) await action(c, t);
  } else {
    // nowait: no waiting for the previous driver (NUT's parallel start); stop only signals
    await Promise.all(targets.map((t) => action(c, t)));
  }
  // hardnut difference: NUT's upsdrvctl does not sum up; a failed start is easy to miss in its output
  if (c.notStarted.length > 0) c.out(`upsdrvctl: not started: ${c.notStarted.join(', ')}`);
  return c.errors > 0 ? 1 : 0;
}

/** The command that runs a driver: hardnut's own, or a native NUT driver from driverpath. */
export function driverCommand(conf: UpsConf, driver: string): string[] | undefined {
  if (DRIVER_LOADERS.has(driver)) return [process.execPath, ...process.execArgv, process.argv[1] as string, driver];
  const dir = conf.global.driverpath;
  if (dir === undefined) return undefined;
  const path = join(dir, driver);
  try { accessSync(path, constants.X_OK); return [path]; } catch { return undefined; }
}

function driverArgs(c: Ctl, ups: UpsSection, extra: string[]): string[] | undefined {
  const driver = ups.driver ?? '';
  const cmd = driverCommand(c.conf, driver);
  if (!cmd) {
    c.out(`Can't start ${driver}: not a hardnut driver, and not found in driverpath${c.conf.global.driverpath ? ` (${c.conf.global.driverpath})` : ''}`);
    c.errors++;
    return undefined;
  }
  const args = [...cmd];
  if (c.passDebug > 0) args.push(`-${'D'.repeat(c.passDebug)}`);
  args.push('-a', ups.name, ...extra);
  if (c.root !== undefined) args.push('-r', c.root);
  if (c.user !== undefined) args.push('-u', c.user);
  return args;
}

/** Runs a driver and waits for it to exit (it backgrounds itself once serving), up to `limitMs`. */
function runAndWait(args: string[], env: Env, limitMs: number): Promise<'ok' | 'timeout' | number | string> {
  return new Promise((resolve) => {
    const child = spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env } });
    const timer = limitMs >= 0 ? setTimeout(() => { child.unref(); resolve('timeout'); }, limitMs) : undefined;
    child.on('error', (err) => { if (timer) clearTimeout(timer); resolve(err.message); });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve(code === 0 ? 'ok' : code ?? `signal ${signal ?? '?'}`);
    });
  });
}

async function startDriver(c: Ctl, ups: UpsSection): Promise<void> {
  const args = driverArgs(c, ups, []);
  if (!args) { c.notStarted.push(`${ups.driver ?? '?'} for UPS [${ups.name}]`); return; }
  if (c.testMode) { c.out(`exec: ${args.join(' ')}`); return; }
  const limit = (ups.maxstartdelay ?? c.conf.global.maxstartdelay) * 1000;
  for (let attempt = Math.max(1, c.conf.global.maxretry); attempt > 0; attempt--) {
    const r = await runAndWait(args, c.env, limit);
    if (r === 'ok') return;
    if (r === 'timeout') c.out('Startup timer elapsed, continuing...');
    else if (typeof r === 'number') c.out(`Driver failed to start (exit status=${r})`);
    else c.out(`Driver exited abnormally (${r})`);
    if (attempt > 1) await new Promise((res) => setTimeout(res, c.conf.global.retrydelay * 1000));
    else {
      c.errors++;
      const what = `${ups.driver ?? '?'} for UPS [${ups.name}]`;
      c.notStarted.push(what);
      c.out(`Driver ${what} did not come up`);
    }
  }
}

async function stopDriver(c: Ctl, ups: UpsSection): Promise<void> {
  const pidFile = join(altPidPath(c.env, c.conf.global.statepath), `${ups.driver ?? ''}-${ups.name}.pid`);
  // hardnut difference: the driver wrote this file after dropping to its user, so root signals
  // only a process that user could have signalled itself (pidfile.ts: trustedPid), and the
  // process checked is the one signalled and waited for (held by a pidfd: a reused pid is not hit)
  const v = trustedPid(pidFile, ups.driver ?? '');
  if ('missing' in v) { c.out(`Can't stop the driver of [${ups.name}]: it is not running (no pid file ${pidFile})`); c.errors++; return; }
  if (c.testMode) { if ('held' in v) v.held.close(); c.out(`Sending signal to ${pidFile}`); return; }
  if ('gone' in v) { c.out(`Can't stop the driver of [${ups.name}]: ${ups.driver ?? 'the driver'} is not running: no process ${String(v.gone)} (from ${pidFile})`); c.errors++; return; }
  if ('refused' in v) { c.out(`Not stopping the driver for ${ups.name}: ${v.refused}`); c.errors++; return; }
  const { pid, held } = v;
  try {
    try {
      held.signal('SIGTERM');
    } catch (err) {
      c.out(`Can't stop the driver of [${ups.name}]: ${signalFailure(ups.driver ?? 'the driver', pid, pidFile, err)}`);
      c.errors++;
      return;
    }
    // NUT returns at once; waiting makes `stop; start` sequences reliable.
    for (let waited = 0; waited < STOP_WAIT_MS; waited += 100) {
      if (!held.alive()) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    c.out(`Driver for ${ups.name} (pid ${pid}) did not exit within ${STOP_WAIT_MS / 1000} s`);
    c.errors++;
  } finally {
    held.close();
  }
}

async function shutdownDriver(c: Ctl, ups: UpsSection): Promise<void> {
  const args = driverArgs(c, ups, ['-k']);
  if (!args) return;
  if (c.testMode) { c.out(`exec: ${args.join(' ')}`); return; }
  const r = await runAndWait(args, c.env, (ups.maxstartdelay ?? c.conf.global.maxstartdelay) * 1000);
  if (r !== 'ok') { c.out(`Shutdown of ${ups.name} failed (${String(r)})`); c.errors++; }
}


/**
 * `upsdrvctl -F start` (NUT 2.8.1+, used by NUT's tests/NIT/nit.sh): every driver with -F, as a
 * child that stays attached; upsdrvctl waits for them all, passes SIGTERM/SIGINT/SIGHUP on, and
 * exits 0 only when every driver started and ended cleanly.
 */
async function runForeground(c: Ctl, targets: UpsSection[]): Promise<number> {
  const children = targets.flatMap((t) => {
    const args = driverArgs(c, t, ['-F']);
    if (!args) return [];
    if (c.testMode) { c.out(`exec: ${args.join(' ')}`); return []; }
    return [spawn(args[0] as string, args.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...c.env } })];
  });
  const forward = (sig: NodeJS.Signals): void => { for (const ch of children) if (ch.exitCode === null) ch.kill(sig); };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const sig of signals) process.on(sig, forward);
  const codes = await Promise.all(children.map((ch) => new Promise<number>((resolve) => {
    ch.on('error', (err) => { c.out(`Driver failed to start (${err.message})`); resolve(1); });
    // a driver ended by the signal upsdrvctl passed on has done what was asked of it
    ch.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1)));
  })));
  for (const sig of signals) process.off(sig, forward);
  return c.errors > 0 || codes.some((x) => x !== 0) ? 1 : 0;
}
