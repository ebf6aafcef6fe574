// Tests generated from the role table (src/sandbox/roles.ts, issue 12 item 6). For every row:
//  - the real daemon started as root the way a user starts it (from a shell on a terminal), and
//    once it serves, /proc/PID shows what the row says: Uid/Gid (real, effective, saved, fs),
//    Groups, CapEff 0, NoNewPrivs, Seccomp 2, the root directory, the rlimits, and no
//    controlling terminal;
//  - death tests: inside the row's seccomp policy, as nut, each forbidden call dies (allowlists)
//    or is refused with EPERM (denylists), and what the policy allows still works.
// Every expected value is computed from the row and its policy. A row without a starter below
// fails: adding a role adds its row, and is then tested.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROLES, type RlimitName, type RoleRow } from '../../src/sandbox/roles.js';
import { isDenylist, resolveDenials, resolvePolicy } from '../../src/sandbox/seccomp.js';
import { lookupGroup, lookupUser } from '../../src/sandbox/drop-privileges.js';
import { DAEMON_USER_WHY, hasExecutable, hasLibusb, LIBUSB, onPath, requireAll, requirePeer, requireRoot, runsDaemons, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, runHardnut, talk, waitFor, waitForSocket, writeFiles, type TestDir } from '../support/stack.js';
import { alive, childrenRunning, startOnTerminal, ttyOf, type TerminalProc } from '../support/terminal.js';
import { buildSeccompChild, type SeccompChild } from '../support/seccomp-child.js';
import { hardnutEnv, makeUpsmonDir, upsdFiles, upsmonChildren, upsmonConf, PRIMARY_LOGIN, timeOf, type UpsmonDir } from '../interop/upsmon-stack.js';
import { DRIVER, parseDump, upsConf } from '../sim/harness.js';
import { hasSocat, startSim, type SimKind } from '../sim/sim.js';


/** One process of a row, serving, and what the starter chose where the row leaves a choice. */
interface Subject {
  pid: number;
  what: string;
  /** -u / RUN_AS_USER given by the starter; else the row's default applies. */
  user?: string;
  extraGroups?: string[];
  /** The chroot the starter gave (-r, HARDNUT_UPSMON_JAIL); else the row's default. */
  jail?: string;
  setuidHelper?: boolean;
  /** The terminal its session was started on (tty_nr of the shell): the daemon had one to leave. */
  terminal?: number;
}

type Starter = (ctx: SkipContext) => Promise<Subject[]>;

const undo: Array<() => Promise<unknown> | void> = [];
const own = (f: () => Promise<unknown> | void): void => { undo.push(f); };
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

async function onTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<TerminalProc> {
  const p = await startOnTerminal(process.execPath, [HARDNUT, ...args], env);
  own(() => p.stop());
  return p;
}

/** A driver of `dir`'s ups.conf in the foreground on a terminal, once its socket answers DUMPALL with a status. */
async function driverOnTerminal(dir: TestDir, driver: string, ups: string, extra: string[] = [], socketDir = dir.state, env = dir.env): Promise<TerminalProc> {
  const p = await onTerminal([driver, '-a', ups, '-F', ...extra], env);
  const sock = join(socketDir, `${driver}-${ups}`);
  await waitForSocket(sock, 30_000).catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${p.output()}`); });
  await waitFor(`${driver} publishing ups.status`, async () => {
    try { return parseDump(await talk(sock, 'DUMPALL\n', /DUMPDONE\n/)).vars.get('ups.status'); } catch { return undefined; }
  }, 30_000, 200);
  return p;
}

/** The shared stack some rows run in: dummy-ups for [ol] and [ob], hardnut upsd. */
interface Upstream { d: UpsmonDir; port: number; ol: TerminalProc; upsd: TerminalProc }

async function upstream(): Promise<Upstream> {
  const port = await freePort();
  const d = makeUpsmonDir({
    'ups.conf': 'pollinterval = 1\n[ol]\n\tdriver = dummy-ups\n\tport = ol.dev\n[ob]\n\tdriver = dummy-ups\n\tport = ob.dev\n',
    'ol.dev': 'ups.status: OL\nbattery.charge: 100\n',
    'ob.dev': 'ups.status: OB\nbattery.charge: 80\n',
    ...upsdFiles(port),
  });
  own(() => d.cleanup());
  const ol = await driverOnTerminal(d, 'dummy-ups', 'ol');
  await driverOnTerminal(d, 'dummy-ups', 'ob');
  const upsd = await onTerminal(['upsd', '-F'], d.env);
  await waitFor('upsd serving ol and ob', async () => {
    for (const u of ['ol', 'ob']) {
      const r = await runHardnut(['upsc', `${u}@127.0.0.1:${String(port)}`, 'ups.status'], d.env);
      if (r.code !== 0 || !/^O[LB]$/.test(r.stdout.trim())) return false;
    }
    return true;
  }, 30_000, 200).catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${upsd.output()}`); });
  return { d, port, ol, upsd };
}

function requireBuild(ctx: SkipContext): void {
  requireRoot(ctx);
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

async function serialDriver(kind: SimKind, section: string, driver = DRIVER[kind]): Promise<Subject> {
  const dir = makeTestDir({});
  own(() => dir.cleanup());
  const sim = await startSim(kind, join(dir.root, 'ups'));
  own(() => sim.stop());
  writeFiles(dir, { 'ups.conf': upsConf(kind, sim.device, section, driver) });
  const p = await driverOnTerminal(dir, driver, 'u');
  return { pid: p.pid, what: `${driver} on a pty simulator`, terminal: p.tty };
}

/** exit_group's number: where a -k driver is held once its shutdown is done (/proc/PID/syscall). */
const EXIT_GROUP = process.arch === 'arm64' ? 94 : 231;

/**
 * A driver's -k run is over in a moment: it is started under strace, which holds it at entry to
 * exit_group (its last system call, once the shutdown was sent) long enough to read /proc. What
 * /proc shows there is what the shutdown's status read and commands ran under.
 */
async function killpowerOnTerminal(dir: TestDir, driver: string, ups: string, sent: () => Promise<true | string>, env = dir.env): Promise<Subject> {
  const p = await startOnTerminal('strace', ['-qq', '-o', '/dev/null', '-e', 'trace=exit_group', '-e', 'inject=exit_group:delay_enter=120s', process.execPath, HARDNUT, driver, '-a', ups, '-k'], env);
  own(() => p.stop());
  const pid = await waitFor(`${driver} -k under strace`, () => childrenRunning(p.pid, process.execPath)[0], 20_000, 20);
  own(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  await waitFor(`${driver} -k at exit_group`, () => {
    try { return readFileSync(`/proc/${String(pid)}/syscall`, 'latin1').split(' ')[0] === String(EXIT_GROUP); } catch { return false; }
  }, 60_000, 50).catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${p.output()}`); });
  // the run did its work under this identity: the device received the shutdown
  expect(await sent(), `${driver} -k sent its shutdown: ${p.output()}`).toBe(true);
  return { pid, what: `${driver} -k, held at exit_group`, terminal: p.tty };
}

async function serialKillpower(kind: SimKind, section: string, onBattery: Record<string, unknown>, command: RegExp): Promise<Subject> {
  const dir = makeTestDir({});
  own(() => dir.cleanup());
  // on battery: the shutdown the config asks for is sent (nutdrv_qx reads the status first)
  const sim = await startSim(kind, join(dir.root, 'ups'), { state: onBattery });
  own(() => sim.stop());
  writeFiles(dir, { 'ups.conf': upsConf(kind, sim.device, section) });
  return killpowerOnTerminal(dir, DRIVER[kind], 'u', async () => {
    const rx = await sim.rx();
    return command.test(rx) || `the device received ${JSON.stringify(rx)}`;
  });
}

/** usbhid-ups [bk] on the recorded APC device (no USB UPS on a test machine), readable by the driver's user. */
async function recordedUsb(extra: string): Promise<{ dir: TestDir; env: NodeJS.ProcessEnv }> {
  const { FIXTURE_ENV } = await import('../../src/driver/drivers/usbhid-ups.js');
  const { loadFixture } = await import('../driver/usbhid/fixtures.js');
  const dir = makeTestDir({ 'ups.conf': `[bk]\n\tdriver = usbhid-ups\n\tport = auto\n\tvendorid = 051d\n${extra}` });
  own(() => dir.cleanup());
  const fixture = join(dir.state, 'bk650.json');
  writeFileSync(fixture, JSON.stringify(loadFixture('apc-bk650m2-ch')));
  chmodSync(fixture, 0o644);
  return { dir, env: { ...dir.env, [FIXTURE_ENV]: fixture } };
}

/** The shipped device scripts (scripted-ups), by file name. */
const deviceScript = (name: string): string => fileURLToPath(new URL(`../../conf/devices/${name}`, import.meta.url));

/** How each row's daemon is started as a user would, until it serves. */
const STARTERS: Record<string, Starter> = {
  'driver-file': async (ctx) => {
    requireBuild(ctx);
    const u = await upstream();
    return [{ pid: u.ol.pid, what: 'dummy-ups on a .dev file', terminal: u.ol.tty }];
  },
  'driver-serial': async (ctx) => {
    requireBuild(ctx);
    requirePeer(ctx, hasSocat(), 'socat (apt-get install socat)');
    return [
      await serialDriver('q1', '\tprotocol = megatec\n\tpollinterval = 2\n'),
      await serialDriver('apc', '\tpollinterval = 2\n'),
      await serialDriver('q1', `\tscript = ${deviceScript('megatec.script')}\n\tpollinterval = 2\n`, 'scripted-ups'),
    ];
  },
  'driver-network': async (ctx) => {
    requireBuild(ctx);
    const u = await upstream();
    const rep = makeTestDir({ 'ups.conf': `pollinterval = 1\n[rep]\n\tdriver = dummy-ups\n\tport = ol@127.0.0.1:${String(u.port)}\n` });
    own(() => rep.cleanup());
    const p = await driverOnTerminal(rep, 'dummy-ups', 'rep');
    const { startPduSim } = await import('../sim/pdu-tcp.js');
    const pdu = await startPduSim();
    own(() => pdu.stop());
    const pd = makeTestDir({ 'ups.conf': `pollinterval = 1\n[pdu]\n\tdriver = scripted-ups\n\tport = 127.0.0.1:${String(pdu.port)}\n\tscript = ${deviceScript('pdu-telnet.script')}\n` });
    own(() => pd.cleanup());
    const s = await driverOnTerminal(pd, 'scripted-ups', 'pdu');
    return [
      { pid: p.pid, what: 'dummy-ups repeating a UPS of hardnut upsd', terminal: p.tty },
      { pid: s.pid, what: 'scripted-ups on a TCP device (pdu-telnet.script)', terminal: s.tty },
    ];
  },
  'driver-snmp': async (ctx) => {
    requireBuild(ctx);
    const { startSnmpAgent } = await import('../sim/snmp-agent.js');
    const agent = await startSnmpAgent({ sysoid: 'ietf' });
    own(() => agent.stop());
    const dir = makeTestDir({ 'ups.conf': `[s]\n\tdriver = snmp-ups\n\tport = ${agent.host}\n\tpollfreq = 1\n\tsnmp_retries = 0\n` });
    own(() => dir.cleanup());
    const p = await driverOnTerminal(dir, 'snmp-ups', 's');
    return [{ pid: p.pid, what: 'snmp-ups against the SNMP simulator', terminal: p.tty }];
  },
  'driver-usb': async (ctx) => {
    requireBuild(ctx);
    requirePeer(ctx, hasLibusb(), LIBUSB);
    const { dir, env } = await recordedUsb('\tpollinterval = 1\n');
    const p = await driverOnTerminal(dir, 'usbhid-ups', 'bk', [], dir.state, env);
    return [{ pid: p.pid, what: 'usbhid-ups on a recorded device', terminal: p.tty }];
  },
  'driver-serial-killpower': async (ctx) => {
    requireBuild(ctx);
    requirePeer(ctx, hasSocat(), 'socat (apt-get install socat)');
    requirePeer(ctx, onPath('strace'), 'strace (apt-get install strace)');
    return [
      await serialKillpower('q1', '\tprotocol = megatec\n', { utilityFail: true }, /\rS(?:\.\d|\d\d)R\d{4}\r$/),
      await serialKillpower('apc', '', { power: 'OB' }, /QSR?$/),
    ];
  },
  'driver-snmp-killpower': async (ctx) => {
    requireBuild(ctx);
    requirePeer(ctx, onPath('strace'), 'strace (apt-get install strace)');
    const { startSnmpAgent } = await import('../sim/snmp-agent.js');
    // APC's MIB maps shutdown.return (IETF's has no shutdown command: -k fails there, as in NUT)
    const agent = await startSnmpAgent({ sysoid: 'apc' });
    own(() => agent.stop());
    const dir = makeTestDir({ 'ups.conf': `[s]\n\tdriver = snmp-ups\n\tport = ${agent.host}\n\tsnmp_retries = 0\n` });
    own(() => dir.cleanup());
    return [await killpowerOnTerminal(dir, 'snmp-ups', 's', async () => (await agent.sets()).length > 0 || 'the agent received no SET')];
  },
  'driver-usb-killpower': async (ctx) => {
    requireBuild(ctx);
    requirePeer(ctx, hasLibusb(), LIBUSB);
    requirePeer(ctx, onPath('strace'), 'strace (apt-get install strace)');
    const { dir, env } = await recordedUsb('');
    return [await killpowerOnTerminal(dir, 'usbhid-ups', 'bk', () => Promise.resolve(true), env)];
  },
  upsd: async (ctx) => {
    requireBuild(ctx);
    const u = await upstream();
    return [{ pid: u.upsd.pid, what: 'upsd serving two dummy-ups', terminal: u.upsd.tty }];
  },
  'upsmon-net': async (ctx) => (await upsmon(ctx)).net,
  dispatcher: async (ctx) => (await upsmon(ctx)).dispatch,
  // issue 20 item 6: NOTIFYCMD's process; NOTIFYUSER unset, so the dispatcher's user
  notifier: async (ctx) => (await upsmon(ctx)).notify,
  // issue 14: only LOCALMONITOR lines: the monitor reads dummy-ups's socket, passed in by the supervisor
  'upsmon-local': async (ctx) => (await upsmon(ctx, 'LOCALMONITOR ob 1')).net,
  // issue 16: the one-shot child of a rule's fsd / instcmd, as the supervisor starts it (its control
  // message on stdin), against a upsd that accepts and never answers: it waits there, confined
  'upsmon-rule-action': async (ctx) => ruleActionChild(ctx),
  // issue 16: the variable check asks the UPSes as nut under the filter, never as root
  'rules-check': async (ctx) => rulesCheckProcess(ctx),
  upslog: async (ctx) => {
    requireBuild(ctx);
    const u = await upstream();
    const file = join(u.d.root, 'ol.log');
    const p = await onTerminal(['upslog', '-s', `ol@127.0.0.1:${String(u.port)}`, '-l', file, '-i', '1', '-F'], u.d.env);
    await waitFor('a log line', () => { try { return /\[OL\]/.test(readFileSync(file, 'latin1')); } catch { return false; } }, 20_000, 200)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${p.output()}`); });
    return [{ pid: p.pid, what: 'upslog writing a log file', terminal: p.tty }];
  },
  exporter: async (ctx) => {
    requireBuild(ctx);
    const u = await upstream();
    const port = await freePort();
    writeFiles(u.d, { 'exporter.conf': `LISTEN 127.0.0.1 ${String(port)}\nSERVER local 127.0.0.1:${String(u.port)}\nPOLLINTERVAL 1\n` });
    const jail = join(u.d.root, 'exporter-jail');
    const p = await onTerminal(['exporter', '-r', jail], u.d.env);
    // serving: both UPSes of upsd read through the jail and the filter
    await waitFor('/metrics with ol and ob', async () => {
      try { return /network_ups_tools_up\{server="local",ups="ob"\} 1/.test(await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text()); } catch { return false; }
    }, 30_000, 200).catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${p.output()}`); });
    return [{ pid: p.pid, what: 'the exporter reading upsd', jail, terminal: p.tty }];
  },
  upssched: async (ctx) => {
    requireBuild(ctx);
    const dir = makeTestDir({});
    own(() => dir.cleanup());
    const pipe = join(dir.state, 'upssched.pipe');
    writeFiles(dir, { 'upssched.conf': `CMDSCRIPT /bin/true\nPIPEFN ${pipe}\nLOCKFN ${join(dir.state, 'upssched.lock')}\nAT ONBATT * START-TIMER later 600\n` });
    // upsmon runs `upssched <message>`; that client starts the timer daemon, which keeps running
    const tag = `roles-${String(process.pid)}-${String(Date.now())}`;
    const r = await runHardnut(['upssched', tag], { ...dir.env, UPSNAME: 'u', NOTIFYTYPE: 'ONBATT' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const pid = await waitFor('the timer daemon', () => processWithArgs([HARDNUT, 'upssched', tag]), 10_000);
    own(async () => { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } await waitFor('upssched gone', () => !alive(pid), 10_000); });
    expect(await talk(pipe, 'FROB "x"\n', /\n/)).toBe('ERR UNKNOWN\n');
    return [{ pid, what: 'the upssched timer daemon' }];
  },
};

/** The pid of the one process whose argv, after node, is exactly `args`. */
function processWithArgs(args: string[]): number | undefined {
  const want = [process.execPath, ...args].join('\0');
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try { if (readFileSync(`/proc/${n}/cmdline`, 'latin1').replace(/\0$/, '') === want && alive(Number(n))) return Number(n); } catch { /* gone */ }
  }
  return undefined;
}

/** upsmon as root on a terminal, monitoring [ob]: its supervisor and the pair, once ONBATT was delivered. */
/** upsmon monitoring [ob] through upsd; with `local`, that line (a LOCALMONITOR) in place of its MONITOR. */
async function upsmon(ctx: SkipContext, local?: string): Promise<{ net: Subject[]; dispatch: Subject[]; notify: Subject[] }> {
  requireBuild(ctx);
  const u = await upstream();
  const tag = local === undefined ? 'roles' : 'roles-local';
  const file = join(u.d.etc, `upsmon-${tag}.conf`);
  const conf = upsmonConf(u.d, tag, { system: `ob@127.0.0.1:${String(u.port)}`, role: 'primary', login: PRIMARY_LOGIN, extra: ['POLLFREQ 1', 'POLLFREQALERT 1'] }, 'hardnut');
  writeFileSync(file, local === undefined ? conf : conf.replace(/^MONITOR .*$/m, local));
  chownSync(file, 0, lookupGroup('nut') ?? 0);
  chmodSync(file, 0o640);
  const env = hardnutEnv(u.d, tag);
  const sup = await onTerminal(['upsmon', '-F', '-f', file], env);
  await waitFor('ONBATT through NOTIFYCMD', () => timeOf(u.d.events(), tag, 'ONBATT'), 30_000, 200)
    .catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${sup.output()}`); });
  const pair = await upsmonChildren(sup.pid);
  // control: the supervisor (root, no role) still has the terminal its children were started on
  expect(ttyOf(sup.pid)).toBe(sup.tty);
  return {
    net: [{ pid: pair.net, what: local === undefined ? "upsmon's network child" : "upsmon's monitor with only LOCALMONITOR lines", jail: env['HARDNUT_UPSMON_JAIL'] as string, terminal: sup.tty }],
    // HARDNUT_SHUTDOWN_METHOD=command (hardnutEnv): no helper or socket, so no shutdown group, even
    // while another test has created nutshutdown (shutdown-e2e, the .deb's install: run 3 of 5 under load)
    dispatch: [{ pid: pair.dispatch, what: "upsmon's dispatcher", extraGroups: [], setuidHelper: false, terminal: sup.tty }],
    notify: [{ pid: pair.notify, what: "upsmon's notifier, which ran NOTIFYCMD at ONBATT", terminal: sup.tty }],
  };
}

async function ruleActionChild(ctx: SkipContext): Promise<Subject[]> {
  requireBuild(ctx);
  const { createServer } = await import('node:net');
  const { spawn } = await import('node:child_process');
  const { encodeControl } = await import('../../src/protocol/control/index.js');
  const { parseUpsmonConf } = await import('../../src/core/config/upsmon-conf.js');
  const held: import('node:net').Socket[] = [];
  const silent = createServer((sock) => { held.push(sock); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  own(() => new Promise<void>((r) => { for (const h of held) h.destroy(); silent.close(() => r()); }));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const dir = makeTestDir({});
  own(() => dir.cleanup());
  const jail = join(dir.root, 'jail');
  const conf = parseUpsmonConf(`MONITOR u@127.0.0.1:${String(port)} 1 monprimary primarypass primary\n`, 'upsmon.conf').value;
  const child = spawn(process.execPath, [HARDNUT, 'upsmon', '--role', 'rule-action'], { stdio: ['pipe', 'pipe', 'pipe'], env: dir.env });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  own(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  child.stdin.end(encodeControl({
    t: 'start', conf, log: { syslog: false, debug: 0 }, user: 'nobody', jail, seccomp: 'enforce', family: null,
    rule: 'hot', event: 'fire', actions: [{ kind: 'instcmd', command: 'load.off' }],
  }));
  // it connects only once confined
  await waitFor('the rule-action child connecting to upsd', () => held.length > 0 || child.exitCode !== null || undefined, 30_000, 100);
  if (child.exitCode !== null) throw new Error(`the rule-action child exited ${String(child.exitCode)}: ${output}`);
  return [{ pid: child.pid as number, what: "upsmon's rule-action child, waiting for upsd's answer", user: 'nobody', jail }];
}

/**
 * `hardnut rules check` started as root on a terminal, its upsmon.conf naming a upsd that accepts
 * and never answers: it asks only once confined, so while it waits for LIST VAR (up to its
 * CHECK_UPS_TIMEOUT_MS, 3 s) /proc shows the row.
 */
async function rulesCheckProcess(ctx: SkipContext): Promise<Subject[]> {
  requireBuild(ctx);
  const { createServer } = await import('node:net');
  const held: import('node:net').Socket[] = [];
  const silent = createServer((sock) => { held.push(sock); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  own(() => new Promise<void>((r) => { for (const h of held) h.destroy(); silent.close(() => r()); }));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const dir = makeTestDir({
    'upsmon.conf': `MONITOR u@127.0.0.1:${String(port)} 1 monprimary primarypass primary\n`,
    'upsrules.conf': 'RULE hot\n  UPS u\n  WHEN ups.temperature > 40\n  DO notify "hot"\n',
  });
  own(() => dir.cleanup());
  const p = await onTerminal(['rules', 'check', join(dir.etc, 'upsrules.conf')], dir.env);
  let ended = false;
  void p.exited.then(() => { ended = true; });
  await waitFor('rules check connecting to upsd', () => held.length > 0 || ended || undefined, 30_000, 20);
  if (ended) throw new Error(`rules check ended before it asked upsd: ${p.output()}`);
  return [{ pid: p.pid, what: 'hardnut rules check, waiting for LIST VAR', terminal: p.tty }];
}

// ---------------------------------------------------------------- what /proc must show

const LIMIT_LABEL: Readonly<Record<RlimitName, string>> = { RLIMIT_CORE: 'Max core file size', RLIMIT_NPROC: 'Max processes', RLIMIT_NOFILE: 'Max open files' };

function statusOf(pid: number): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(`/proc/${String(pid)}/status`, 'latin1').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/** The /proc view a row promises for one of its processes. */
function expectedOf(row: RoleRow, s: Subject): Record<string, string> {
  const account = lookupUser(s.user ?? row.user.default);
  if (!account) throw new Error(`row ${row.name}: no user ${s.user ?? row.user.default}`);
  const four = (n: number): string => Array(4).fill(String(n)).join(' ');
  const groups = row.groups.keep === 'none' ? [] : [account.gid, ...(s.extraGroups ?? []).map((g) => lookupGroup(g) ?? -1)];
  const root = row.jail.kind === 'none' ? '/' : row.jail.kind === 'optional' ? s.jail ?? '/' : s.jail ?? row.jail.default;
  const nnp = row.noNewPrivs === 'always' || s.setuidHelper !== true ? '1' : '0';
  const out: Record<string, string> = {
    Uid: four(account.uid), Gid: four(account.gid), Groups: [...new Set(groups)].sort((a, b) => a - b).join(' '),
    CapEff: '0', CapPrm: '0', NoNewPrivs: nnp, Seccomp: '2', root, tty_nr: '0',
  };
  for (const r of row.rlimits) out[LIMIT_LABEL[r.resource]] = r.value === 'computed' ? 'soft = hard' : `${String(r.value)} ${String(r.value)}`;
  return out;
}

function observedOf(row: RoleRow, pid: number): Record<string, string> {
  const st = statusOf(pid);
  const limits = readFileSync(`/proc/${String(pid)}/limits`, 'latin1').split('\n');
  const out: Record<string, string> = {
    Uid: (st.get('Uid') ?? '').split(/\s+/).join(' '),
    Gid: (st.get('Gid') ?? '').split(/\s+/).join(' '),
    Groups: (st.get('Groups') ?? '').split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b).join(' '),
    CapEff: /^0+$/.test(st.get('CapEff') ?? '') ? '0' : st.get('CapEff') ?? '?',
    CapPrm: /^0+$/.test(st.get('CapPrm') ?? '') ? '0' : st.get('CapPrm') ?? '?',
    NoNewPrivs: st.get('NoNewPrivs') ?? '?',
    Seccomp: st.get('Seccomp') ?? '?',
    root: readlinkSync(`/proc/${String(pid)}/root`),
    tty_nr: String(ttyOf(pid)),
  };
  for (const r of row.rlimits) {
    const label = LIMIT_LABEL[r.resource];
    const cols = (limits.find((l) => l.startsWith(label)) ?? '').slice(label.length).trim().split(/\s+/);
    out[label] = r.value === 'computed' ? (cols[0] === cols[1] && /^\d+$/.test(cols[0] ?? '') ? 'soft = hard' : cols.join(' ')) : `${cols[0] ?? '?'} ${cols[1] ?? '?'}`;
  }
  return out;
}

/** Waits for the last start-up step (the filter), then compares the whole view at once. */
async function expectConfined(row: RoleRow, s: Subject): Promise<void> {
  await waitFor(`${s.what}: seccomp in force`, () => statusOf(s.pid).get('Seccomp') === '2', 10_000).catch(() => undefined);
  expect(observedOf(row, s.pid), `${row.name}: ${s.what} (pid ${String(s.pid)})`).toEqual(expectedOf(row, s));
}

beforeAll(async ({}, suite) => { requireAll(suite, runsDaemons(), DAEMON_USER_WHY); });

describe('every row of the role table: the real daemon, started as root, shows its row in /proc', () => {
  for (const row of ROLES) {
    it(`${row.name} (${row.process})`, async (ctx) => {
      const start = STARTERS[row.name];
      if (!start) throw new Error(`role ${row.name} has no starter in test/sandbox/roles.test.ts: add one that starts ${row.process} as a user would`);
      requireRoot(ctx);
      const subjects = await start(ctx);
      expect(subjects.length).toBeGreaterThan(0);
      // started on a terminal (upssched's daemon: by a client that detached it): tty_nr 0 is its own doing
      for (const s of subjects) if (s.terminal !== undefined) expect(s.terminal, `${s.what}: the session's terminal`).not.toBe(0);
      for (const s of subjects) await expectConfined(row, s);
      for (const s of subjects) expect(alive(s.pid), `${s.what} still serving`).toBe(true);
    }, 120_000);
  }

  it('every starter belongs to a row (a renamed row does not leave its test behind)', () => {
    expect(Object.keys(STARTERS).filter((n) => !ROLES.some((r) => r.name === n))).toEqual([]);
  });

  it('a driver with -r <jail> (row driver-file): chrooted there, and the rest of its row as without', async (ctx) => {
    requireBuild(ctx);
    const row = ROLES.find((r) => r.name === 'driver-file') as RoleRow;
    expect(row.jail.kind).toBe('optional');
    const dir = makeTestDir({ 'ups.conf': '[j]\n\tdriver = dummy-ups\n\tport = j.dev\n', 'j.dev': 'ups.status: OL\n' });
    own(() => dir.cleanup());
    // the jail holds what the driver reaches after the chroot: its state dir (nut's) and its .dev
    const jail = join(dir.root, 'jail');
    const nut = lookupUser('nut');
    if (!nut) throw new Error('no user nut');
    mkdirSync(join(jail, dir.state), { recursive: true });
    chownSync(join(jail, dir.state), nut.uid, nut.gid);
    mkdirSync(join(jail, dir.etc), { recursive: true });
    copyFileSync(join(dir.etc, 'j.dev'), join(jail, dir.etc, 'j.dev'));
    chmodSync(join(jail, dir.etc, 'j.dev'), 0o644);
    const p = await driverOnTerminal(dir, 'dummy-ups', 'j', ['-r', jail], join(jail, dir.state));
    expect(p.tty).not.toBe(0);
    await expectConfined(row, { pid: p.pid, what: 'dummy-ups -r', jail });
    expect(alive(p.pid)).toBe(true);
  }, 60_000);
});

// ---------------------------------------------------------------- death tests, per row's policy

/** What each attempt of test/sandbox/fixtures/seccomp-child.ts calls, with the argument that matters. */
const ATTEMPTS: Readonly<Record<string, { calls: string[]; arg0?: number }>> = {
  execve: { calls: ['execve'] },
  shell: { calls: ['execve'] },
  inet: { calls: ['socket'], arg0: 2 }, // AF_INET
  ptrace: { calls: ['ptrace'] },
  mount: { calls: ['mount'] },
  setuid: { calls: ['setuid'] },
  chmod: { calls: ['chmod', 'fchmodat', 'fchmodat2'] },
  kill: { calls: ['kill'], arg0: 1 }, // pid 1: never the process itself
  shadow: { calls: ['openat', 'open'] },
};

type Verdict = 'dies' | 'EPERM' | 'runs';

/** What the policy does with an attempt: an allowlist kills what it does not allow; a denylist answers EPERM. */
function verdict(policy: string, attempt: string): Verdict {
  const a = ATTEMPTS[attempt] as { calls: string[]; arg0?: number };
  const matches = (equals: ReadonlyArray<unknown> | undefined): boolean => equals === undefined || (a.arg0 !== undefined && equals.includes(a.arg0));
  if (isDenylist(policy)) {
    const d = resolveDenials(policy);
    for (const c of a.calls) {
      const rule = d.get(c);
      if (!rule) continue;
      if (rule.unlessArg === undefined && rule.ifArg === undefined) return 'EPERM';
      if (rule.unlessArg !== undefined && !(a.arg0 !== undefined && rule.unlessEquals === a.arg0)) return 'EPERM';
      if (rule.ifArg !== undefined && matches(rule.ifEquals)) return 'EPERM';
    }
    return 'runs';
  }
  const rules = resolvePolicy(policy);
  return a.calls.some((c) => { const r = rules.get(c); return r !== undefined && (r.arg === undefined || matches(r.equals)); }) ? 'runs' : 'dies';
}

describe('death tests, for the policy of every row', () => {
  let child: SeccompChild | undefined;
  beforeAll(async () => { child = await buildSeccompChild(); }, 60_000);
  afterAll(() => child?.cleanup());

  const byPolicy = new Map<string, string[]>();
  for (const row of ROLES) byPolicy.set(row.seccomp, [...(byPolicy.get(row.seccomp) ?? []), row.name]);

  for (const [policy, rows] of byPolicy) {
    describe(`policy ${policy} (rows ${rows.join(', ')})`, () => {
      it('the sandbox itself leaves the process working (control)', (ctx) => {
        requireRoot(ctx);
        expect(child?.attempt(policy, 'none')).toEqual({ signal: null, out: 'ALIVE' });
      });

      it('never allows exec in an allowlist; a denylist refuses ptrace and mount', () => {
        const v = Object.fromEntries(['execve', 'ptrace', 'mount', 'kill'].map((a) => [a, verdict(policy, a)]));
        if (isDenylist(policy)) expect(v).toMatchObject({ ptrace: 'EPERM', mount: 'EPERM', kill: 'EPERM' });
        else expect(v).toEqual({ execve: 'dies', ptrace: 'dies', mount: 'dies', kill: 'dies' });
      });

      for (const attempt of Object.keys(ATTEMPTS)) {
        const v = verdict(policy, attempt);
        it(`${attempt}: ${v === 'dies' ? 'kills the process (SIGSYS)' : v === 'EPERM' ? 'refused with EPERM' : 'allowed by the policy'}`, (ctx) => {
          requireRoot(ctx);
          const r = child?.attempt(policy, attempt) ?? { signal: null, out: '' };
          if (v === 'dies') {
            expect(r.out).not.toMatch(/ALLOWED/);
            expect(r.signal).toBe('SIGSYS');
          } else if (v === 'EPERM') {
            expect(r.signal).toBeNull();
            expect(r.out).toMatch(/^ERROR (EPERM|errno 1)$/);
          } else {
            expect(r.signal).toBeNull();
            // dropped to nut first: what the policy allows still meets the kernel's permissions
            if (attempt === 'shadow') expect(r.out).toBe('ERROR EACCES');
          }
        });
      }
    });
  }
});
