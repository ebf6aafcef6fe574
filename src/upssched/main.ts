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

import { chmodSync, closeSync, constants as fsc, lstatSync, openSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';

import { HardnutError, UnsafePathError, UsageError } from '../core/errors.js';
import { confPath } from '../core/paths.js';
import { parseUpsschedConf, type AtEntry, type UpsschedConf } from '../core/config/upssched-conf.js';
import { loadConfig } from '../runtime/config-files.js';
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { notifyReady, respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { installFatalHandlers } from '../sandbox/fatal.js';
import { confine } from '../sandbox/confine.js';
import {
  RequestDecoder, encodeRequest, type RequestVerb,
} from '../protocol/upssched/request.js';
import {
  REPLY_OK, REPLY_UNKNOWN, MAX_REPLY_BYTES, decodeReply, encodeTimerList, type Reply,
} from '../protocol/upssched/reply.js';
import { DEFAULT_IDLE_MS, TimerTable, type Run } from './timers.js';

/** §6.2: connect / lock / start attempts before giving up. */
export const MAX_TRIES = 30;
/** §6.2: pause between attempts. */
export const RETRY_DELAY_MS = 250;
/** How long a client waits for the daemon's reply before it retries (NUT waits in 1 s loops). */
export const REPLY_TIMEOUT_MS = 5000;
/** The daemon checks its timers at least this often (NUT's select timeout, §6.2). */
export const CHECK_INTERVAL_MS = 1000;
/** §6.2: listen backlog. */
export const LISTEN_BACKLOG = 16;
/** Concurrent client connections the daemon serves (hardnut bound). */
export const MAX_CONNECTIONS = 32;
/** A client connection idle this long is closed (hardnut bound: one request per connection). */
export const CONNECTION_IDLE_MS = 10_000;
/** Test hook: idle seconds before the daemon exits (default 15, §6.4). */
export const IDLE_ENV = 'HARDNUT_UPSSCHED_IDLE_SECONDS';

const log = new Logger('upssched');

const USAGE = `usage: upssched [-D] [-l] [-V] [-h] [NOTIFYMSG]

Run by upsmon as NOTIFYCMD, with UPSNAME and NOTIFYTYPE in the environment.
Acts on the AT lines of upssched.conf that match.

  -D  raise the debug level
  -l  list the timers of the running timer daemon
  -V  print the version
  -h  this help
`;

interface Ready { conf: UpsschedConf; cmdScript: string[]; pipeFn: string; lockFn: string }

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
      return await runDaemon(loaded, env);
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
      await runScript(r.cmdScript, at.command, { ...env, NOTIFYMSG: ctx.notifyMsg }, 'inherit');
      return;
  }
}

/** Runs CMDSCRIPT with `word` appended, as an argv (no shell), and waits for it. */
async function runScript(cmdScript: readonly string[], word: string, env: NodeJS.ProcessEnv, stdio: 'inherit' | 'ignore'): Promise<void> {
  const [prog, ...args] = cmdScript as [string, ...string[]];
  // loaded here, not at the top: upsmon runs upssched for every event, and most calls only
  // start or cancel a timer (node:child_process also loads dgram; issue 13's start-up time)
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(prog, [...args, word], { env, stdio });
    child.on('error', (e) => { log.error(`cannot run ${prog}: ${e.message}`); resolve(); });
    child.on('exit', (code, signal) => {
      if (signal) log.warn(`${prog} ${word} terminated with signal ${signal}`);
      else if (code !== 0) log.info(`${prog} ${word} returned ${String(code)}`);
      resolve();
    });
  });
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

function idleMs(env: NodeJS.ProcessEnv): number {
  const raw = env[IDLE_ENV];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : DEFAULT_IDLE_MS;
}

/** The background timer daemon (§6.2 "daemon child", §6.3, §6.4). */
async function runDaemon(r: Ready, env: NodeJS.ProcessEnv): Promise<number> {
  for (const k of ['UPSNAME', 'NOTIFYTYPE', 'NOTIFYMSG']) { delete env[k]; delete process.env[k]; }
  const table = new TimerTable(Date.now, idleMs(env));
  let st: ReturnType<typeof lstatSync> | undefined;
  try { st = lstatSync(r.pipeFn); } catch { /* absent */ }
  if (st && !st.isSocket()) throw new UnsafePathError(r.pipeFn, 'PIPEFN exists and is not a socket; refusing to replace it');
  if (st) unlinkSync(r.pipeFn);

  const server = createServer();
  server.maxConnections = MAX_CONNECTIONS;
  installFatalHandlers('upssched', log);
  // The one pipeline (src/sandbox/confine.ts). PIPEFN is bound as the role's user, so the
  // socket is that user's, not root's; the filter forbids bind and chmod afterwards.
  await confine({
    role: 'upssched', log, env,
    asUser: async () => {
      const oldMask = process.umask(0o007);
      try {
        await new Promise<void>((res, rej) => {
          server.once('error', rej);
          server.listen({ path: r.pipeFn, backlog: LISTEN_BACKLOG }, () => { server.removeListener('error', rej); res(); });
        });
      } finally { process.umask(oldMask); }
      chmodSync(r.pipeFn, 0o660);
    },
  });

  notifyReady();
  try { unlinkSync(r.lockFn); } catch { /* already gone */ }
  try { log.useSyslog(); } catch { /* no syslog: stderr is /dev/null-like now */ }
  log.debug(1, 'Timer daemon started');

  let running = 0;
  let queue: Promise<void> = Promise.resolve();
  const clients = new Set<Socket>();
  const runAll = (runs: readonly Run[]): void => {
    for (const run of runs) {
      running++;
      // Sequential like NUT (fork+exec+wait), but the socket keeps being served meanwhile.
      queue = queue.then(() => runScript(r.cmdScript, run.command, { ...env, ...run.env }, 'ignore')).finally(() => { running--; });
    }
  };

  let exit: (code: number) => void = () => undefined;
  const finished = new Promise<number>((res) => { exit = res; });
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.min(table.nextExpiryIn() ?? CHECK_INTERVAL_MS, CHECK_INTERVAL_MS));
  };
  const tick = (): void => {
    const c = table.check();
    runAll(c.runs);
    if (c.exit && running === 0 && clients.size === 0) {
      log.debug(1, 'Timer queue empty, exiting');
      server.close();
      try { unlinkSync(r.pipeFn); } catch { /* gone */ }
      exit(0);
      return;
    }
    schedule();
  };

  server.on('connection', (s: Socket) => {
    clients.add(s);
    const decoder = new RequestDecoder();
    s.setTimeout(CONNECTION_IDLE_MS, () => s.destroy());
    s.on('error', () => undefined);
    s.on('close', () => { clients.delete(s); });
    s.on('data', (chunk: Buffer) => {
      for (const d of decoder.push(chunk)) {
        if (d.kind === 'request') {
          const out = table.apply(d.request);
          runAll(out.runs);
          s.write(out.list ? encodeTimerList(out.list) : REPLY_OK);
        } else if (d.kind === 'unknown') {
          log.info(`Unknown command on socket: ${d.unknown.args.slice(0, 2).join(' ')}`);
          s.write(REPLY_UNKNOWN);
        } else {
          log.notice(`Parse error on sock: ${d.error.message}`);
          if (d.error.code === 'ERR_UPSSCHED_LINE_TOO_LONG') { s.destroy(); return; }
        }
      }
      schedule();
    });
  });
  schedule();
  return finished;
}
