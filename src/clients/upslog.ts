// upslog: log UPS variables at an interval (NUT's clients/upslog.c). Flags, messages and log
// lines are NUT 2.8.0's; from NUT master it also takes several UPSes (-m ups,logfile, and
// '*' for every UPS of a server), -d count, -N and %t. Connections are kept and re-made with
// backoff (src/client/reconnecting.ts): a server that is down gives "NA" lines, not a stall.
import { closeSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { NutClient } from '../client/client.js';
import { ReconnectingClient } from '../client/reconnecting.js';
import { splitName, type UpsSpec } from '../client/ups-spec.js';
import { NutError } from '../protocol/net/client-errors.js';
import { notifyReady, respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { Logger } from '../runtime/log.js';
import { pidFileFor, removePidFile, writePidFile } from '../runtime/pidfile.js';
import { altPidPath } from '../core/paths.js';
import { isRoot, lookupUser } from '../sandbox/drop-privileges.js';
import { confine } from '../sandbox/confine.js';
import { installFatalHandlers } from '../sandbox/fatal.js';
import { closeQuietly, errorText, fatal, getopts, out, runTool, specFailure, VERSION } from './common.js';
import { compileFormat, DEFAULT_LOGFORMAT, renderFormat, type FormatItem } from './upslog-format.js';
import { atoi } from '../core/c-number.js';

/** NUT's RUN_AS_USER on Debian: upslog started as root drops to it. */
export const DEFAULT_USER = 'nut';
export const DEFAULT_INTERVAL = 30;
/** NUT: with a longer interval the connection is closed between polls. */
const KEEP_CONNECTION_MAX_INTERVAL = 30;
/** Reconnect backoff cap for a server that stays down. */
const MAX_RECONNECT_DELAY_MS = 30_000;

function help(): string {
  return [
    'UPS status logger.',
    '',
    'usage: upslog [OPTIONS]',
    '',
    '  -f <format>\t- Log format.  See below for details.',
    '\t\t- Use -f "<format>" so your shell doesn\'t break it up.',
    '  -N\t\t- Prefix "%UPSHOST%%t" before the format (default/custom):',
    '\t\t  useful when logging many systems into same target.',
    '  -i <interval>\t- Time between updates, in seconds',
    '  -d <count>\t- Exit after specified amount of updates',
    '  -l <logfile>\t- Log file name, or - for stdout (foreground by default)',
    '  -F\t\t- stay foregrounded even if logging into a file',
    '  -B\t\t- stay backgrounded even if logging to stdout',
    '  -p <pidbase>  - Base name for PID file (defaults to "upslog")',
    '  -s <ups>\t- Monitor UPS <ups> - <upsname>@<host>[:<port>]',
    '        \t- Example: -s myups@server',
    '  -m <tuple>\t- Monitor UPS <ups,logfile>',
    '\t\t- Example: -m myups@server,/var/log/myups.log',
    "\t\t- NOTE: You can use '-' as logfile for stdout",
    '\t\t- Unlike one \'-s ups -l file\' spec, you can specify many tuples',
    "\t\t- Example: -m '*@server,-' to log every UPS of that server",
    '  -u <user>\t- Switch to <user> if started as root',
    '',
    'Some valid format string escapes:',
    '\t%% insert a single %',
    '\t%t insert a TAB',
    '\t%TIME format% insert the time with strftime formatting',
    '\t%HOST% insert the local hostname',
    '\t%UPSHOST% insert the host of the ups being monitored',
    '\t%PID% insert the pid of upslog',
    '\t%VAR varname% insert the value of ups variable varname',
    '\t%ETIME% insert the time in seconds since the epoch',
    '',
    'format string defaults to:',
    DEFAULT_LOGFORMAT,
    '',
    // hardnut ships no man pages: this help is the whole reference (README.md for the differences)
    'Everything upslog takes is listed above; README.md lists where hardnut differs from NUT.',
    '',
  ].join('\n');
}

interface LogTarget { path: string; fd: number }
interface Monitor { monhost: string; spec: UpsSpec; target: LogTarget; conn: ReconnectingClient }

interface Settings {
  interval: number;
  maxLoops: number;
  format: string;
  user: string;
  pidBase: string;
  foreground: boolean | undefined;
  monitors: Array<{ monhost: string; logfn: string }>;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runTool(async () => {
    // NUT forks once set up; here the background copy (src/runtime/daemon.ts) sets up again.
    const daemonChild = takeDaemonChildFlag(env);
    // Only the copy talks to upsd; its stderr reaches the terminal until it is ready.
    const setupWarning = (line: string): void => { process.stderr.write(`${line}\n`); };
    out(`Network UPS Tools upslog (hardnut ${VERSION})\n`);
    const s = parseArgs(argv);
    if (s === 'help') { out(help()); return 0; }
    if (s === 'version') return 0;

    const log = new Logger('upslog');
    const targets = new Map<string, LogTarget>();
    const monitors: Monitor[] = [];
    const add = async (monhost: string, spec: UpsSpec, logfn: string): Promise<void> => {
      const conn = new ReconnectingClient(spec, {
        initialDelayMs: s.interval * 1000,
        maxDelayMs: Math.max(MAX_RECONNECT_DELAY_MS, s.interval * 1000),
      });
      // NUT tries once at start-up and warns; the loop keeps trying.
      try { await conn.get(); } catch (e) { setupWarning(`Warning: initial connect failed: ${errorText(e)}`); }
      let target = targets.get(logfn);
      if (!target) {
        target = { path: logfn, fd: openLog(logfn) };
        targets.set(logfn, target);
      }
      monitors.push({ monhost, spec, target, conn });
    };
    try {
      const foreground = s.foreground ?? s.monitors.some((m) => m.logfn === '-');
      // The parent exits once the copy is ready (its exit code if set-up fails there); only the
      // copy connects, so nothing upsd sends is ever parsed as root.
      if (!foreground && !daemonChild) {
        for (const m of s.monitors) if (!(m.monhost === '*' || m.monhost.startsWith('*@'))) out(`logging status of ${m.monhost} to ${m.logfn} (${s.interval}s intervals)\n`);
        return await respawnInBackground(env);
      }
      // Open as root: the log files (e.g. in /var/log); the pid file. Then the one pipeline.
      for (const m of s.monitors) if (!targets.has(m.logfn)) targets.set(m.logfn, { path: m.logfn, fd: openLog(m.logfn) });
      const pidFile = pidFileFor(altPidPath(env), s.pidBase);
      let pidWritten = false;
      try { writePidFile(pidFile); pidWritten = true; } catch (e) {
        log.warn(`writepid: fopen ${pidFile}: ${errorText(e)}`);
      }
      if (isRoot() && lookupUser(s.user) === undefined) fatal(`getpwnam(${s.user}): No such user`);
      installFatalHandlers('upslog', log);
      await confine({ role: 'upslog', log, env, user: s.user });

      for (const m of s.monitors) {
        const star = m.monhost === '*' || m.monhost.startsWith('*@');
        if (!star) out(`logging status of ${m.monhost} to ${m.logfn} (${s.interval}s intervals)\n`);
        let spec: UpsSpec;
        try {
          spec = splitName(m.monhost);
        } catch (e) {
          specFailure(e, 'Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]', '');
        }
        if (!star) { await add(m.monhost, spec, m.logfn); continue; }
        // '*' asks the server for its UPSes (NUT master).
        const names = await listAll(spec);
        if (names.length === 0) setupWarning(`Data server at ${'path' in spec ? spec.path : `${spec.host}:${spec.port}`} does not currently serve any devices`);
        for (const name of names) {
          const monhost = `${name}@${'path' in spec ? spec.path : `${spec.host}:${spec.port}`}`;
          out(`logging status of ${monhost} to ${m.logfn} (${s.interval}s intervals)\n`);
          await add(monhost, { ...spec, upsName: name }, m.logfn);
        }
      }
      if (monitors.length === 0) fatal('Queries failed to find anything');
      if (daemonChild) {
        notifyReady();
        try { log.useSyslog(); } catch { /* keep stderr */ }
      }
      const code = await loop(s, monitors, targets, compileFormat(s.format), log);
      if (pidWritten) removePidFile(pidFile);
      return code;
    } finally {
      for (const m of monitors) await m.conn?.close();
      for (const t of targets.values()) if (t.fd !== 1) { try { closeSync(t.fd); } catch { /* closing anyway */ } }
    }
  });
}

function parseArgs(argv: string[]): Settings | 'help' | 'version' {
  const parsed = getopts('upslog', argv, '+hs:l:i:d:Nf:u:Vp:FBm:');
  if (parsed.error !== undefined) fatal(parsed.error);
  const s: Settings = { interval: DEFAULT_INTERVAL, maxLoops: 0, format: DEFAULT_LOGFORMAT, user: DEFAULT_USER, pidBase: 'upslog', foreground: undefined, monitors: [] };
  let monhost: string | undefined;
  let logfn: string | undefined;
  let prefixUpsHost = false;
  for (const o of parsed.options) {
    const v = o.value as string;
    switch (o.flag) {
      case 'h': return 'help';
      case 's': monhost = v; break;
      case 'l': logfn = v; break;
      case 'i': s.interval = atoi(v); break;
      case 'd': {
        if (/^\d+$/.test(v)) s.maxLoops = Number(v); else process.stderr.write('Invalid max loops\n');
        break;
      }
      case 'f': s.format = v; break;
      case 'N': prefixUpsHost = true; break;
      case 'u': s.user = v; break;
      case 'V': return 'version';
      case 'p': s.pidBase = v; break;
      case 'F': s.foreground = true; break;
      case 'B': s.foreground = false; break;
      case 'm': {
        const parts = v.split(',');
        if (parts.length !== 2) fatal("Argument '-m upsspec,logfile' requires exactly 2 components in the tuple");
        s.monitors.push({ monhost: parts[0] as string, logfn: parts[1] as string });
        break;
      }
      default: break;
    }
  }
  const args = parsed.operands;
  // Not enough arguments for the old positional form: <system> <logfile> <interval> [<format>…]
  if (args.length === 1 || args.length === 2) return 'help';
  if (args.length >= 3) {
    monhost = args[0];
    logfn = args[1];
    s.interval = atoi(args[2] as string);
  }
  if (args.length >= 4) s.format = args.slice(3).map((a) => `${a} `).join('');
  if (s.monitors.length === 0 || monhost !== undefined || logfn !== undefined) {
    if (monhost === undefined) fatal('No UPS defined for monitoring - use -s <system>');
    if (logfn === undefined) fatal('No filename defined for logging - use -l <file>');
    s.monitors.push({ monhost, logfn });
  }
  if (prefixUpsHost) s.format = `%UPSHOST%%t${s.format}`;
  // A zero or negative interval would spin; NUT sleeps 0 s then, we take 1 s.
  if (!(s.interval > 0)) s.interval = 1;
  return s;
}


function openLog(path: string): number {
  if (path === '-') return 1;
  try {
    return openSync(path, 'a', 0o644);
  } catch (e) {
    fatal(`could not open logfile ${path}: ${errorText(e)}`);
  }
}

/** The UPSes a server serves, for '*' specs. */
async function listAll(spec: UpsSpec): Promise<string[]> {
  let client: NutClient | undefined;
  try {
    client = await NutClient.connect(spec);
    return (await client.listUps()).map((u) => u.name);
  } catch (e) {
    if (e instanceof NutError && e.word === 'UNKNOWN-COMMAND') fatal('Error: upsd is too old to support this query');
    fatal(`Error: ${errorText(e)}`);
  } finally {
    await closeQuietly(client);
  }
}

async function loop(s: Settings, monitors: Monitor[], targets: Map<string, LogTarget>, items: FormatItem[], log: Logger): Promise<number> {
  let exitSignal: number | undefined;
  let reopen: number | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals, num: number): void => {
    if (sig === 'SIGHUP') reopen = num;
    else if (sig !== 'SIGUSR1') exitSignal = num;
    wake?.();
  };
  const handlers: Array<[NodeJS.Signals, () => void]> = (
    [['SIGHUP', 1], ['SIGINT', 2], ['SIGQUIT', 3], ['SIGTERM', 15], ['SIGUSR1', 10]] as const
  ).map(([sig, num]) => [sig, () => onSignal(sig, num)]);
  for (const [sig, h] of handlers) process.on(sig, h);

  const host = hostname();
  let nextPoll = 0;
  let loops = 0;
  try {
    while (exitSignal === undefined) {
      const now = Date.now();
      if (nextPoll > now) {
        // Sleep it off; a signal cuts the sleep short (SIGUSR1: log now).
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, nextPoll - now);
          wake = () => { clearTimeout(t); resolve(); };
        });
        wake = undefined;
        nextPoll += s.interval * 1000;
      } else {
        nextPoll = now + s.interval * 1000;
      }
      if (reopen !== undefined) {
        log.info(`Signal ${reopen}: reopening log file`);
        reopenLogs(targets, log);
        reopen = undefined;
      }
      for (const m of monitors) {
        const conn = m.conn;
        let client: NutClient | undefined;
        try { client = await conn.get(); } catch { client = undefined; }
        const line = await renderFormat(items, {
          hostname: host,
          upsHost: m.monhost,
          upsName: m.spec.upsName,
          pid: process.pid,
          now: new Date(),
          getVar: async (name) => {
            if (!client?.connected) return undefined;
            try { return await conn.run((c) => c.getVar(m.spec.upsName, name)); } catch { return undefined; }
          },
        });
        try { writeSync(m.target.fd, `${line}\n`); } catch (e) { log.error(`write to ${m.target.path} failed: ${errorText(e)}`); }
        if (s.interval > KEEP_CONNECTION_MAX_INTERVAL) await conn.disconnect();
      }
      if (s.maxLoops > 0 && ++loops >= s.maxLoops) {
        log.info(`${s.maxLoops} loops have elapsed`);
        exitSignal = 0;
      }
    }
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
  if (exitSignal !== 0) log.info(`Signal ${exitSignal}: exiting`);
  return 0;
}

function reopenLogs(targets: Map<string, LogTarget>, log: Logger): void {
  for (const t of targets.values()) {
    if (t.fd === 1) { log.info('logging to stdout'); continue; }
    try { closeSync(t.fd); } catch { /* reopening anyway */ }
    try {
      t.fd = openSync(t.path, 'a', 0o644);
    } catch (e) {
      fatal(`could not reopen logfile ${t.path}: ${errorText(e)}`);
    }
  }
}
