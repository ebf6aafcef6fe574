// hardnut upssched (spec §6): upsmon's NOTIFYCMD helper and its timer daemon.
//
// Client: reads upssched.conf, and for every AT line matching $UPSNAME/$NOTIFYTYPE, in file order
// (§4.5), either runs CMDSCRIPT now (EXECUTE) or sends START/CANCEL to the daemon on PIPEFN,
// starting the daemon first if needed with the LOCKFN protocol of §6.2.
// Daemon: the same command re-run in the background through src/runtime/daemon.ts
// (respawnInBackground: Node cannot fork); it listens on PIPEFN and runs CMDSCRIPT on expiry.
//
// Differences from NUT (deliberate):
// - CMDSCRIPT is run as an argv (program, its arguments, then the timer/command name), never
//   through a shell: NUT 2.8.0 used system("CMDSCRIPT name"), so names with shell characters
//   were interpreted.
// - Every request restarts the idle count (NUT counts only empty checks), and the daemon never
//   exits while a CMDSCRIPT it started is still running or a client is connected.
// - An existing PIPEFN that is not a socket is refused instead of unlinked.
// - HARDNUT_UPSSCHED_IDLE_SECONDS (tests) shortens the 15 s idle exit.
// - CMDSCRIPT/PIPEFN/LOCKFN placed after the first AT line are logged as errors but used (NUT
//   exits at that AT line); missing altogether, the first AT line is fatal as in NUT.
// - EXECUTE sets NOTIFYMSG (the first operand) in CMDSCRIPT's environment, as the daemon does on
//   expiry (§6.4); timers fired by the daemon get UPSNAME/NOTIFYTYPE/NOTIFYMSG as §6.4 says,
//   which NUT 2.8.0's daemon did not (it kept the forking client's environment).

import { closeSync, constants as fsc, openSync, unlinkSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { HardnutError, UsageError } from '../core/errors.js';
import { confPath } from '../core/paths.js';
import { parseUpsschedConf, type AtEntry, type UpsschedConf } from '../core/config/upssched-conf.js';
import { loadConfig } from '../runtime/config-read.js';
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { encodeRequest, type RequestVerb } from '../protocol/upssched/request.js';
import { MAX_REPLY_BYTES, decodeReply, encodeTimerList, type Reply } from '../protocol/upssched/reply.js';
import { runScript } from './run-script.js';

/** §6.2: connect / lock / start attempts before giving up. */
export const MAX_TRIES = 30;
/** §6.2: pause between attempts. */
export const RETRY_DELAY_MS = 250;
/** How long a client waits for the daemon's reply before it retries (NUT waits in 1 s loops). */
export const REPLY_TIMEOUT_MS = 5000;

const log = new Logger('upssched');

const USAGE = `usage: upssched [-D] [-l] [-V] [-h] [NOTIFYMSG]

Run by upsmon as NOTIFYCMD, with UPSNAME and NOTIFYTYPE in the environment.
Acts on the AT lines of upssched.conf that match.

  -D  raise the debug level
  -l  list the timers of the running timer daemon
  -V  print the version
  -h  this help
`;

export interface Ready { conf: UpsschedConf; cmdScript: string[]; pipeFn: string; lockFn: string }

function loadConf(env: NodeJS.ProcessEnv): Ready | { conf: UpsschedConf; missing: string } {
  const { value: conf, warnings } = loadConfig(confPath(env), 'upssched.conf', parseUpsschedConf, { strict: false });
  for (const w of warnings) if (w.severity === 'error') log.error(`${w.file}:${String(w.line)}: ${w.message}`);
  const { cmdScript, pipeFn, lockFn } = conf;
  if (!cmdScript) return { conf, missing: 'CMDSCRIPT' };
  if (!pipeFn) return { conf, missing: 'PIPEFN' };
  if (!lockFn) return { conf, missing: 'LOCKFN' };
  return { conf, cmdScript, pipeFn, lockFn };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const isDaemon = takeDaemonChildFlag(env);
  let list = false;
  try {
    const { options, operands } = getopt(argv, 'DVhl');
    for (const o of options) {
      if (o.flag === 'h') { process.stdout.write(USAGE); return 0; }
      if (o.flag === 'V') { process.stdout.write('Network UPS Tools upssched 2.8.0 (hardnut)\n'); return 0; }
      if (o.flag === 'D') log.debugLevel++;
      if (o.flag === 'l') list = true;
    }
    const loaded = loadConf(env);
    if (isDaemon) {
      if ('missing' in loaded) { log.error(`${loaded.missing} must be set in upssched.conf`); return 1; }
      // the daemon's code (confinement, timers, the server) only in the daemon (issue 13: start-up)
      return await (await import('./daemon.js')).runDaemon(loaded, env, log);
    }
    if (list) {
      if ('missing' in loaded) { log.error(`${loaded.missing} must be set in upssched.conf`); return 1; }
      return await listTimers(loaded.pipeFn);
    }
    const upsName = env['UPSNAME'];
    const notifyType = env['NOTIFYTYPE'];
    if (upsName === undefined || notifyType === undefined) {
      // §6.1: NUT prints these on stdout and exits 1.
      process.stdout.write('Error: UPSNAME and NOTIFYTYPE must be set.\nThis program should only be run from upsmon.\n');
      return 1;
    }
    const notifyMsg = operands[0] ?? '';
    const ctx = { upsName, notifyType, notifyMsg };
    for (const at of loaded.conf.at) {
      // §4.5: NUT stops at the first AT line reached before CMDSCRIPT/PIPEFN/LOCKFN.
      if ('missing' in loaded) {
        const msg = `${loaded.missing} must be set before any ATs in the config file!`;
        process.stdout.write(`${msg}\n`);
        log.error(msg);
        return 1;
      }
      if (!matches(at, upsName, notifyType)) continue;
      await act(at, loaded, env, ctx);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) { process.stderr.write(`upssched: ${err.message}\n${USAGE}`); return 2; }
    if (err instanceof HardnutError) { log.error(`upssched: ${err.message}`); return 1; }
    throw err;
  }
}

/** §4.5: UPS name exact or `*`; notify type case-insensitive. */
export function matches(at: AtEntry, upsName: string, notifyType: string): boolean {
  if (at.upsName !== upsName && at.upsName !== '*') return false;
  return at.notifyType.toUpperCase() === notifyType.toUpperCase();
}

interface Ctx { upsName: string; notifyType: string; notifyMsg: string }

async function act(at: AtEntry, r: Ready, env: NodeJS.ProcessEnv, ctx: Ctx): Promise<void> {
  const send = (verb: RequestVerb, arg1: string, arg2: string): Promise<void> => sendCommand(r, env, verb, arg1, arg2, ctx);
  switch (at.action) {
    case 'START-TIMER': return send('START', at.timer, String(at.seconds));
    case 'START-TIMER-SHARED': return send('START-SHARED', at.timer, String(at.seconds));
    case 'CANCEL-TIMER': return send('CANCEL', at.timer, at.command ?? '');
    case 'CANCEL-TIMER-MATCHED': return send('CANCEL-MATCHED', at.timer, '');
    case 'EXECUTE':
      log.debug(1, `Executing command: ${at.command}`);
      await runScript(r.cmdScript, at.command, { ...env, NOTIFYMSG: ctx.notifyMsg }, 'inherit', log);
      return;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
    s.once('error', () => { s.destroy(); resolve(undefined); });
  });
}

/** Sends one request line and waits for a complete reply; undefined on failure or timeout. */
function exchange(s: Socket, line: string): Promise<Reply | undefined> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    const finish = (r: Reply | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), REPLY_TIMEOUT_MS);
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      text += d;
      if (text.length > MAX_REPLY_BYTES) { finish(undefined); return; }
      try {
        const r = decodeReply(text);
        if (r) finish(r);
      } catch { finish(undefined); }
    });
    s.on('error', () => finish(undefined));
    s.on('close', () => finish(undefined));
    s.write(line);
  });
}

/** §6.2 sendcmd / check_parent. */
async function sendCommand(r: Ready, env: NodeJS.ProcessEnv, verb: RequestVerb, arg1: string, arg2: string, ctx: Ctx): Promise<void> {
  const line = encodeRequest({ verb, arg1, arg2, notifyType: ctx.notifyType, upsName: ctx.upsName, notifyMsg: ctx.notifyMsg });
  for (let i = 0; i < MAX_TRIES; i++) {
    const s = await tryConnect(r.pipeFn);
    if (s) {
      const reply = await exchange(s, line);
      if (reply?.kind === 'ok' || reply?.kind === 'list') return;
      log.error(reply ? `read confirmation got [ERR ${reply.code}]` : 'read confirmation failed, trying again');
      continue;
    }
    // No daemon: nothing to cancel unless there is a command to run (§6.2 step 2).
    if ((verb === 'CANCEL' || verb === 'CANCEL-MATCHED') && arg2 === '') return;
    let fd: number | undefined;
    try {
      fd = openSync(r.lockFn, fsc.O_RDONLY | fsc.O_CREAT | fsc.O_EXCL, 0o000);
    } catch { /* someone else holds it, or it is stale */ }
    if (fd === undefined) {
      try { unlinkSync(r.lockFn); } catch { /* gone already */ }
      await sleep(RETRY_DELAY_MS);
      continue;
    }
    log.debug(1, 'starting the timer daemon');
    const code = await respawnInBackground(env);
    closeSync(fd);
    if (code !== 0) {
      try { unlinkSync(r.lockFn); } catch { /* the daemon removed it */ }
      throw new HardnutError('ERR_UPSSCHED_DAEMON', 'Unable to start the timer daemon');
    }
    await sleep(RETRY_DELAY_MS);
  }
  throw new HardnutError('ERR_UPSSCHED_DAEMON', 'Failed to connect to parent and failed to create parent');
}

async function listTimers(pipeFn: string): Promise<number> {
  const s = await tryConnect(pipeFn);
  if (!s) { process.stderr.write(`upssched: no timer daemon is running on ${pipeFn}\n`); return 0; }
  const reply = await exchange(s, encodeRequest({ verb: 'LIST-TIMERS', arg1: '' }));
  if (reply?.kind !== 'list') { log.error('upssched: the timer daemon did not list its timers'); return 1; }
  process.stdout.write(encodeTimerList(reply.timers).split('\n').slice(1, -3).map((l) => `${l}\n`).join(''));
  return 0;
}
