// Fleets of upsmons for the upsmon tests: hardnut's and Debian's (/lib/nut/upsmon), each with a
// recorder as NOTIFYCMD and SHUTDOWNCMD that appends `ms|tag|TYPE|UPSNAME|message` to one
// events file, so sequences and timings of several monitors can be compared on one clock.
// Each upsmon gets its own upsmon.conf (-f), pid directory and — hardnut as root — its own jail.
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NutClient } from '../../src/client/client.js';
import { hasExecutable, isRoot, refNut } from '../support/peers.js';
import {
  HARDNUT, TEST_USER, freePort, makeTestDir, run, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';

export const DEBIAN_UPSMON = '/lib/nut/upsmon';
/** Debian's upsmon looks for /run/nut/upsmon.pid unless -P names a process: one that cannot exist. */
const NO_SUCH_PID = '4194303';

/** The notification types NUT 2.8.0 knows (its upsmon.h): the common ground for comparisons. */
export const NUT280_TYPES = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT', 'CAL'] as const;
/** hardnut's further types worth recording in these tests. */
export const HARDNUT_EXTRA_TYPES = ['SHUTDOWN_HOSTSYNC', 'OTHER', 'NOTOTHER'] as const;

export interface Ev { t: number; tag: string; type: string; ups: string; msg: string }

export interface UpsmonDir extends TestDir {
  rec: string;
  bin: string;
  events(): Ev[];
}

export function makeUpsmonDir(files: Record<string, string>): UpsmonDir {
  const d = makeTestDir(files);
  const rec = join(d.root, 'rec');
  const bin = join(d.root, 'bin');
  mkdirSync(rec);
  mkdirSync(bin);
  chmodSync(rec, 0o777); // the recorders run as nut (both upsmons' notifiers) and root (NUT's SHUTDOWNCMD)
  chmodSync(bin, 0o755);
  writeFileSync(join(rec, 'events'), '');
  chmodSync(join(rec, 'events'), 0o666);
  const events = (): Ev[] => readFileSync(join(rec, 'events'), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const [t, tag, type, ups, ...msg] = l.split('|');
    return { t: Number(t), tag: tag ?? '', type: type ?? '', ups: ups ?? '', msg: msg.join('|') };
  });
  return { ...d, rec, bin, events };
}

/** NOTIFYCMD and SHUTDOWNCMD scripts for one monitor, tagged. */
export function recorder(d: UpsmonDir, tag: string): { notify: string; shutdown: string } {
  const notify = join(d.bin, `notify-${tag}`);
  const shutdown = join(d.bin, `shutdown-${tag}`);
  const ev = join(d.rec, 'events');
  // $1: the message (hardnut: the last argv; NUT 2.8.0: the quoted argument of its system() line)
  writeFileSync(notify, `#!/bin/sh\necho "$(date +%s%3N)|${tag}|$NOTIFYTYPE|$UPSNAME|$1" >> ${ev}\n`);
  writeFileSync(shutdown, `#!/bin/sh\necho "$(date +%s%3N)|${tag}|SHUTDOWNCMD||$*" >> ${ev}\n`);
  chmodSync(notify, 0o755);
  chmodSync(shutdown, 0o755);
  return { notify, shutdown };
}

export interface MonitorSpec {
  /** ups@host:port */
  system: string;
  role: 'primary' | 'secondary';
  /** [user, password] in upsd.users */
  login: [string, string];
  /** More upsmon.conf lines (timings). */
  extra?: string[];
  /** hardnut's upsmon.conf lines choosing the shutdown (shutdown-e2e; others: hardnutEnv's override). */
  shutdown?: string[];
  power?: number;
}

/** An upsmon.conf for either implementation; hardnut's gets its further notify types too. */
export function upsmonConf(d: UpsmonDir, tag: string, m: MonitorSpec, impl: 'hardnut' | 'debian'): string {
  const r = recorder(d, tag);
  const types = impl === 'hardnut' ? [...NUT280_TYPES, ...HARDNUT_EXTRA_TYPES] : NUT280_TYPES;
  return [
    `MONITOR ${m.system} ${String(m.power ?? 1)} ${m.login[0]} ${m.login[1]} ${m.role}`,
    'MINSUPPLIES 1',
    `NOTIFYCMD ${r.notify}`,
    `SHUTDOWNCMD ${r.shutdown}`,
    ...types.map((t) => `NOTIFYFLAG ${t} SYSLOG+EXEC`),
    ...(impl === 'hardnut' ? m.shutdown ?? [] : []),
    ...(m.extra ?? []),
    '',
  ].join('\n');
}

function writeConf(d: UpsmonDir, tag: string, text: string): string {
  const file = join(d.etc, `upsmon-${tag}.conf`);
  writeFileSync(file, text);
  if (isRoot()) {
    chownSync(file, 0, gidOf(TEST_USER));
    chmodSync(file, 0o640);
  } else {
    chmodSync(file, 0o600);
  }
  return file;
}

function gidOf(group: string): number {
  for (const line of readFileSync('/etc/group', 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === group) return Number(f[2]);
  }
  throw new Error(`no group ${group}`);
}

/** Environment of one hardnut upsmon: its own pid directory and jail; SHUTDOWNCMD as argv. */
export function hardnutEnv(d: UpsmonDir, tag: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const run = join(d.root, `run-${tag}`);
  if (!existsSync(run)) mkdirSync(run);
  return {
    ...d.env,
    NUT_ALTPIDPATH: run,
    HARDNUT_UPSMON_JAIL: join(d.root, `jail-${tag}`),
    HARDNUT_WALL_PATH: '/bin/true', // no shutdown broadcast to the test machine's terminals
    // as root there is no shutdown helper in tests: SHUTDOWNCMD runs as the dispatcher's user. The
    // tests write many upsmon.conf files of their own, so this stays an override of them (upsmon
    // warns about it); shutdown-e2e unsets it and chooses in upsmon.conf
    ...(isRoot() ? { HARDNUT_SHUTDOWN_METHOD: 'command' } : {}),
    ...extra,
  };
}

/** hardnut's upsmon for `m`; `node` is the binary it runs as (and spawns its children with). */
export function startHardnutUpsmon(d: UpsmonDir, tag: string, m: MonitorSpec, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}, node = process.execPath): Proc {
  const file = writeConf(d, tag, upsmonConf(d, tag, m, 'hardnut'));
  return startProcess(node, [HARDNUT, 'upsmon', '-F', '-f', file, ...args], hardnutEnv(d, tag, extraEnv));
}

export function startDebianUpsmon(d: UpsmonDir, tag: string, m: MonitorSpec): Proc {
  const file = writeConf(d, tag, upsmonConf(d, tag, m, 'debian'));
  const p = startProcess(DEBIAN_UPSMON, ['-F', '-f', file, '-P', NO_SUCH_PID], d.env);
  const stop = p.stop;
  p.stop = async (signal) => {
    // NUT's monitor is the parent's child (as nut); a signal to the root parent alone leaves it
    // running: the init script signals the pid-file process, i.e. the child. End both.
    const kids = childPids(p.child.pid);
    for (const k of kids) { try { process.kill(k, signal ?? 'SIGTERM'); } catch { /* gone */ } }
    const code = await stop(signal);
    for (const k of kids) { try { process.kill(k, 'SIGKILL'); } catch { /* gone */ } }
    // NUT 2.8.0 writes /run/nut/upsmon.pid whatever NUT_ALTPIDPATH says, and leaves it behind
    removeStalePidFile();
    return code;
  };
  return p;
}

export function childPids(parent: number | undefined): number[] {
  if (parent === undefined) return [];
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) out.push(Number(n));
    } catch { /* gone */ }
  }
  return out;
}

function removeStalePidFile(): void {
  const file = '/run/nut/upsmon.pid';
  let pid: number;
  try { pid = Number.parseInt(readFileSync(file, 'latin1'), 10); } catch { return; }
  try { process.kill(pid, 0); return; } catch { /* dead: ours to remove */ }
  try { unlinkSync(file); } catch { /* gone */ }
}

/** upsd.conf and upsd.users for a fleet: a primary and a secondary upsmon account. */
export function upsdFiles(port: number): Record<string, string> {
  return {
    'upsd.conf': `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`,
    'upsd.users': '[monprimary]\n\tpassword = primarypass\n\tupsmon primary\n\n[monsecondary]\n\tpassword = secondarypass\n\tupsmon secondary\n',
  };
}
export const PRIMARY_LOGIN: [string, string] = ['monprimary', 'primarypass'];
export const SECONDARY_LOGIN: [string, string] = ['monsecondary', 'secondarypass'];

export function startUpsd(kind: 'debian' | 'hardnut', d: TestDir): Proc {
  return kind === 'debian'
    ? startProcess(refNut.upsd, ['-F', ...userArgs()], d.env)
    : startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], d.env);
}

/** Debian's or hardnut's dummy-ups for one UPS of ups.conf, in the foreground. */
export async function startDriver(kind: 'debian' | 'hardnut', d: TestDir, ups: string): Promise<Proc> {
  const p = kind === 'debian'
    ? startProcess(refNut.dummyUps, ['-a', ups, '-F', ...userArgs()], d.env)
    : startHardnutDriver(d, 'dummy-ups', ups);
  await waitForSocket(join(d.state, `dummy-ups-${ups}`));
  return p;
}

/**
 * hardnut's dummy-ups replaying `seq` for UPS `u`, behind hardnut's upsd on a free port, served
 * before this returns. `own` is given everything to stop or remove afterwards, in start order.
 */
export async function replayStack(seq: string, own: (undo: () => Promise<unknown> | void) => void): Promise<{ d: UpsmonDir; port: number }> {
  const port = await freePort();
  const d = makeUpsmonDir({ 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.seq\n', 'u.seq': seq, ...upsdFiles(port) });
  own(() => d.cleanup());
  const driver = await startDriver('hardnut', d, 'u');
  own(() => driver.stop());
  const upsd = startUpsd('hardnut', d);
  own(() => upsd.stop());
  await waitForUpsd(port, ['u'], d.env);
  return { d, port };
}

/**
 * Debian's upsc when it is installed (an outside check), else hardnut's: hardnut-only tests run
 * without nut-client (an ordinary user on a fresh machine has no /bin/upsc).
 */
function upscArgv(...args: string[]): [string, string[]] {
  return hasExecutable(refNut.upsc) ? [refNut.upsc, args] : [process.execPath, [HARDNUT, 'upsc', ...args]];
}

/** Waits until upsd answers for every UPS with a real status (not WAIT). */
export async function waitForUpsd(port: number, upses: string[], env: NodeJS.ProcessEnv): Promise<void> {
  await waitFor('upsd serving every UPS', async () => {
    for (const u of upses) {
      const r = await run(...upscArgv(`${u}@127.0.0.1:${port}`, 'ups.status'), env);
      if (r.code !== 0 || r.stdout.trim() === '' || r.stdout.trim() === 'WAIT') return false;
    }
    return true;
  }, 20_000, 200);
}

/** Watches upsd every 100 ms and notes when each UPS first showed each status word. */
export async function watchStatus(port: number, upses: string[]): Promise<{ firstSeen(ups: string, word: string): number | undefined; stop(): Promise<void> }> {
  const client = await NutClient.connect({ host: '127.0.0.1', port });
  const seen = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const u of upses) {
        try {
          const s = await client.getVar(u, 'ups.status');
          for (const w of s.split(' ')) if (!seen.has(`${u} ${w}`)) seen.set(`${u} ${w}`, Date.now());
        } catch { /* upsd restarting */ }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    firstSeen: (ups, word) => seen.get(`${ups} ${word}`),
    stop: async () => { stopped = true; await loop; await client.close(); },
  };
}

/**
 * Notifications this close together came from one poll cycle: their order in the record is a race
 * (under load a NOTIFYCMD can take a few hundred ms to start). Poll cycles here are ≥ 1 s apart.
 */
export const TIE_MS = 600;

/**
 * The types one monitor notified (of `types`, plus SHUTDOWNCMD), each at its first occurrence,
 * in time order. Each notification runs its own NOTIFYCMD process — in NUT as in hardnut — so
 * those of one poll cycle reach the record in any order: types within TIE_MS of each other are
 * put in alphabetical order.
 */
export function sequence(events: Ev[], tag: string, types: readonly string[] = NUT280_TYPES): string[] {
  const first = new Map<string, number>();
  for (const e of events) {
    if (e.tag !== tag || !(types.includes(e.type) || e.type === 'SHUTDOWNCMD') || first.has(e.type)) continue;
    first.set(e.type, e.t);
  }
  const list = [...first].sort((x, y) => x[1] - y[1]);
  // group into bursts (each event within TIE_MS of the previous one), alphabetical inside a burst
  const out: string[] = [];
  let burst: string[] = [];
  let last = -Infinity;
  for (const [type, t] of list) {
    if (t - last > TIE_MS && burst.length > 0) { out.push(...burst.sort()); burst = []; }
    burst.push(type);
    last = t;
  }
  out.push(...burst.sort());
  return out;
}

export function timeOf(events: Ev[], tag: string, type: string): number | undefined {
  return events.find((e) => e.tag === tag && e.type === type)?.t;
}

export function hasDebianUpsmon(): boolean {
  return existsSync(DEBIAN_UPSMON);
}

/** A field of /proc/<pid>/status ("Groups", "NoNewPrivs", …), trimmed. */
export function statusField(status: string, name: string): string {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
}

/** The pids of a hardnut upsmon supervisor's two children (`--role net` and `--role dispatch`), once both run. */
export function upsmonChildren(supervisor: number, timeoutMs = 15_000): Promise<{ net: number; dispatch: number; notify: number }> {
  const roleOf = (pid: number): string | undefined => {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    const i = argv.indexOf('--role');
    return i < 0 ? undefined : argv[i + 1];
  };
  return waitFor('the network child, the dispatcher and the notifier', () => {
    const kids = childPids(supervisor);
    let net: number | undefined;
    let dispatch: number | undefined;
    let notify: number | undefined;
    for (const k of kids) {
      try {
        const role = roleOf(k);
        if (role === 'net') net = k;
        if (role === 'dispatch') dispatch = k;
        if (role === 'notify') notify = k;
      } catch { /* gone */ }
    }
    return net !== undefined && dispatch !== undefined && notify !== undefined ? { net, dispatch, notify } : undefined;
  }, timeoutMs, 100);
}
