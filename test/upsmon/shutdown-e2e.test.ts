// The whole shutdown path, as installed, as root (issues 4 and 5): an outage replayed by
// hardnut's dummy-ups → hardnut's upsd → `hardnut upsmon` started as root, primary (supervisor →
// jailed network child → dispatcher as nut + nutshutdown). The dispatcher signs the intent with
// the key the install step made and hands it to
//   helper  the real setuid helper (`make -C helpers install`: root:nutshutdown 4750), chosen by
//           upsmon itself because it is installed and no shutdown socket is;
//   socket  a listener standing in for hardnut-shutdown.socket (root:nutshutdown 0660), which
//           checks the signed intent with the public key and then, like hardnut-shutdown@.service,
//           feeds it to the same helper as root.
// The helper's action is a stand-in systemctl that records the time and its uid: never a real
// shutdown. It must happen exactly once, FINALDELAY after OB LB and FSD, as root; POWERDOWNFLAG
// must be written before it. And upsmon refuses to start when its dispatcher could not use the
// helper or the socket. The group nutshutdown is created if absent and removed again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { join } from 'node:path';
import type Nacl from 'tweetnacl';
import { INTENT_PREFIX, INTENT_WINDOW_S } from '../../src/sandbox/shutdown-intent.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { SHUTDOWN_GROUP } from '../../src/upsmon/start.js';
import { canBuildHelpers, hasDaemonUser, HELPER_BUILD, isRoot, requirePeer, requireRoot } from '../support/peers.js';
import { freePort, runHardnut, waitFor, type Proc } from '../support/stack.js';
import { ensureGroup, installHelper, runAs, type InstalledHelper } from '../helpers/support.js';
import { ACCOUNTS_LOCK_WAIT_MS, holdAccountsLock } from '../support/accounts-lock.js';
import {
  PRIMARY_LOGIN, makeUpsmonDir, replayStack, sequence, startDriver, startHardnutUpsmon, startUpsd, statusField, timeOf, upsdFiles,
  upsmonChildren, waitForUpsd, watchStatus, type UpsmonDir,
} from '../interop/upsmon-stack.js';

import { generateFlagKey, publicKeyOf, verifyFlag } from '../../src/killpower/flag.js';
import { readBootId, readBootTime } from '../../src/killpower/files.js';

const nacl = createRequire(import.meta.url)('tweetnacl') as typeof Nacl;
const FINALDELAY_S = 2;
const POLLFREQALERT_S = 1;
const TIMINGS = ['POLLFREQ 1', `POLLFREQALERT ${POLLFREQALERT_S}`, `FINALDELAY ${FINALDELAY_S}`, 'HOSTSYNC 5', 'DEADTIME 15'];
/** OL while upsmon starts; OB; OB LB (then nothing changes: the shutdown must come once). */
const SEQ = 'battery.charge: 100\nups.status: OL\nTIMER 6\nbattery.charge: 40\nups.status: OB DISCHRG\nTIMER 3\nbattery.charge: 5\nups.status: OB DISCHRG LB\nTIMER 300\n';

let group: ReturnType<typeof ensureGroup> | undefined;
let helper: InstalledHelper | undefined;
let release: (() => void) | undefined;
beforeAll(() => {
  if (!isRoot() || !hasDaemonUser() || !canBuildHelpers()) return;
  release = holdAccountsLock(); // the group this file may create, while no other test changes accounts
  group = ensureGroup(SHUTDOWN_GROUP);
  helper = installHelper(SHUTDOWN_GROUP);
}, 60_000 + ACCOUNTS_LOCK_WAIT_MS);
afterAll(() => {
  helper?.cleanup();
  group?.remove();
  release?.();
});

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

const nutAccount = (): { uid: number; gid: number } => {
  const nut = lookupUser('nut');
  if (!nut) throw new Error('no user nut (apt-get install nut-server creates it)');
  return { uid: nut.uid, gid: nut.gid };
};

/** The stand-in for hardnut-shutdown.socket + hardnut-shutdown@.service. */
interface SocketStandIn { path: string; intents: string[]; verdicts: string[]; close(): Promise<void> }
async function shutdownSocket(dir: string, h: InstalledHelper): Promise<SocketStandIn> {
  const publicKey = readFileSync(h.key).subarray(32);
  const sockDir = join(dir, 'run-hardnut');
  mkdirSync(sockDir, { mode: 0o755 });
  const path = join(sockDir, 'shutdown.sock');
  const intents: string[] = [];
  const verdicts: string[] = [];
  const server = net.createServer((conn) => {
    let data = '';
    conn.setEncoding('latin1');
    conn.on('data', (d: string) => { data += d; });
    conn.on('end', () => {
      intents.push(data);
      const m = /^(hardnut-intent 1 poweroff (\d+) [0-9a-f]{32}) ([0-9a-f]{128})\n$/.exec(data);
      const ok = m !== null && m[1]!.startsWith(INTENT_PREFIX)
        && nacl.sign.detached.verify(Buffer.from(m[1]!, 'latin1'), Buffer.from(m[3]!, 'hex'), publicKey)
        && Math.abs(Date.now() / 1000 - Number(m[2])) <= INTENT_WINDOW_S;
      verdicts.push(ok ? 'signed' : 'refused');
      if (!ok) { conn.destroy(); return; }
      // hardnut-shutdown@.service: the helper, as root, reads the intent from the connection
      const child = spawn(h.bin, ['poweroff'], { env: {}, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      child.on('exit', (code) => { verdicts.push(`helper exit ${String(code)}: ${err.trim()}`); conn.end(); });
      child.stdin.end(data);
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  // what systemd's SocketUser/SocketGroup/SocketMode make of it
  chownSync(path, 0, group!.gid);
  chmodSync(path, 0o660);
  return { path, intents, verdicts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface OutageResult { d: UpsmonDir; p: Proc; lbAt: number; fsdAt: number; groups: number[]; noNewPrivs: string; flag: string }

/** The outage, with upsmon as root; returns once upsmon has exited after its shutdown. */
/** The HARDNUT_SHUTDOWN_* variables unset: upsmon.conf alone chooses the shutdown (issue 20 item 7). */
const NO_SHUTDOWN_ENV: NodeJS.ProcessEnv = {
  HARDNUT_SHUTDOWN_METHOD: undefined, HARDNUT_SHUTDOWN_HELPER: undefined, HARDNUT_SHUTDOWN_SOCKET: undefined, HARDNUT_INTENT_KEY: undefined, HARDNUT_INITCTL: undefined,
};

/** The outage, with upsmon as root, its shutdown chosen by `shutdown` (upsmon.conf lines, no environment); returns once upsmon has exited after its shutdown. */
async function outage(tag: string, shutdown: string[], env: NodeJS.ProcessEnv = {}): Promise<OutageResult> {
  const { d, port } = await replayStack(SEQ, (undo) => cleanups.push(undo));
  const watch = await watchStatus(port, ['u']);
  cleanups.push(() => watch.stop());
  const flag = join(d.rec, 'killpower');
  const p = track(startHardnutUpsmon(d, tag, { system: `u@127.0.0.1:${port}`, role: 'primary', login: PRIMARY_LOGIN, extra: [...TIMINGS, `POWERDOWNFLAG ${flag}`], shutdown }, ['-D'], { ...env, ...NO_SHUTDOWN_ENV }));
  // nothing in upsmon's environment chose the shutdown
  expect(readFileSync(`/proc/${String(p.child.pid)}/environ`, 'latin1').split('\0').filter((v) => /^HARDNUT_(SHUTDOWN_|INTENT_KEY|INITCTL)/.test(v))).toEqual([]);
  // the dispatcher as it runs, once it has dropped root and loaded its filter (the last start-up
  // step), before anything happens
  const { dispatch } = await upsmonChildren(p.child.pid!);
  const st = await waitFor('the dispatcher running as nut under its filter', () => {
    const status = readFileSync(`/proc/${dispatch}/status`, 'latin1');
    return statusField(status, 'Uid').split(/\s+/)[0] === String(nutAccount().uid) && statusField(status, 'Seccomp') === '2' ? status : undefined;
  }, 15_000);
  const groups = statusField(st, 'Groups').split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
  const noNewPrivs = statusField(st, 'NoNewPrivs');
  const exit = await new Promise<number | null | 'running'>((r) => {
    const t = setTimeout(() => r('running'), 40_000);
    p.child.once('exit', (c) => { clearTimeout(t); r(c); });
  });
  expect(exit, `upsmon ended after its shutdown\n${p.output()}`).toBe(0);
  const lbAt = watch.firstSeen('u', 'LB');
  const fsdAt = watch.firstSeen('u', 'FSD');
  expect(lbAt).toBeDefined();
  expect(fsdAt).toBeDefined();
  return { d, p, lbAt: lbAt!, fsdAt: fsdAt!, groups, noNewPrivs, flag };
}

/** Exactly one action, as root, FINALDELAY after OB LB and FSD; the flag first; the dispatcher as nut + nutshutdown. */
function checkShutdown(tag: string, r: OutageResult, h: InstalledHelper, since: number): void {
  const acts = h.actions().filter((a) => a.t >= since);
  expect(acts, `one action\n${r.p.output()}`).toHaveLength(1);
  const act = acts[0]!;
  expect(act.uid).toBe(0);
  const sinceLb = act.t - r.lbAt;
  const sinceFsd = act.t - r.fsdAt;
  process.stdout.write(`upsmon ${tag}: OB LB → shutdown action ${sinceLb} ms, FSD → action ${sinceFsd} ms (FINALDELAY ${FINALDELAY_S} s)\n`);
  // upsmon sees LB within one POLLFREQALERT, sets FSD, notifies SHUTDOWN, waits FINALDELAY, acts
  // (the status watcher polls every 100 ms, and under load later still, so it may see LB and
  // FSD late: 500 ms of slack; without FINALDELAY the action would follow FSD within ~100 ms)
  expect(sinceFsd).toBeGreaterThanOrEqual(FINALDELAY_S * 1000 - 500);
  expect(sinceLb).toBeGreaterThanOrEqual(FINALDELAY_S * 1000 - 500);
  expect(sinceLb).toBeLessThanOrEqual((FINALDELAY_S + POLLFREQALERT_S) * 1000 + 1500);
  // LOWBATT, FSD and SHUTDOWN come from one poll cycle (alphabetical: see sequence())
  expect(sequence(r.d.events(), tag)).toEqual(['ONBATT', 'FSD', 'LOWBATT', 'SHUTDOWN']);
  // SHUTDOWNCMD is never run as root's shell line: the recorder never saw it
  expect(timeOf(r.d.events(), tag, 'SHUTDOWNCMD')).toBeUndefined();
  // POWERDOWNFLAG (NUT's magic), written by the supervisor before the hand-over
  expect(readFileSync(r.flag, 'latin1')).toBe('upsmon-shutdown-file');
  expect(statSync(r.flag).mtimeMs).toBeLessThanOrEqual(act.t + 5);
  // the dispatcher: nut's own group plus nutshutdown, nothing else
  expect(r.groups).toEqual([nutAccount().gid, group!.gid].sort((a, b) => a - b));
}

describe('upsmon as root hands the shutdown over, end to end', () => {
  it('to the setuid helper installed root:nutshutdown 4750; once, on time, as root; only the group may run it', async (ctx) => {
    requireRoot(ctx); requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    const h = helper!;
    const st = statSync(h.bin);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, group!.gid, 0o4750]);
    const since = Date.now();
    // the signed killpower flag (issue 15): the dispatcher arms it while root, writes it as nut
    const kp = mkdtempSync('/run/hardnut-e2e-killpower-');
    cleanups.push(() => rmSync(kp, { recursive: true, force: true }));
    const kpKey = generateFlagKey();
    writeFileSync(join(kp, 'killpower.key'), kpKey, { mode: 0o600 });
    // the hardened deployment's documented form: SHUTDOWNCMD names the helper (the last SHUTDOWNCMD counts)
    const r = await outage('sh', [`SHUTDOWNCMD "${h.bin} poweroff"`, `INTENTKEY ${h.key}`], {
      HARDNUT_KILLPOWER_KEY: join(kp, 'killpower.key'),
      HARDNUT_KILLPOWER_DIR: join(kp, 'flag-dir'),
    });
    expect(r.p.output()).toMatch(new RegExp(`shutdown: helper ${h.bin} \\(SHUTDOWNCMD names hardnut's helper, .*upsmon-sh\\.conf:\\d+\\)`));
    expect(r.p.output()).not.toMatch(/in the environment overrides/);
    checkShutdown('sh', r, h, since);
    const flag = join(kp, 'flag-dir', 'flag');
    expect([statSync(flag).uid, statSync(flag).mode & 0o777]).toEqual([0, 0o644]);
    const verdict = verifyFlag(readFileSync(flag), { publicKey: publicKeyOf(kpKey), bootId: readBootId(), bootTime: readBootTime(), known: new Set(['u']) });
    expect(verdict.ok, verdict.ok ? '' : verdict.reason).toBe(true);
    if (verdict.ok) expect(verdict.flag.ups).toEqual(['u']);
    // the setuid helper cannot run under no_new_privs: the dispatcher's filter is loaded without it
    expect(r.noNewPrivs).toBe('0');

    // the group check: nut without nutshutdown cannot execute it; with it, it may (and still
    // needs the key: an intent signed with another key is refused)
    const nut = nutAccount();
    const outsider = runAs({ ...nut, groups: [nut.gid] }, h.bin, ['check'], '');
    expect(outsider.error).toBe('EACCES');
    const member = runAs({ ...nut, groups: [nut.gid, group!.gid] }, h.bin, ['check'], 'hardnut-intent 1 check 1 00 00\n');
    expect(member.error).toBeNull();
    expect(member.stderr).toContain('upsshutdown: refused');
    expect(h.actions().filter((a) => a.t >= since)).toHaveLength(1);
  }, 90_000);

  // least privilege: the group opens the helper and the socket only (src/upsmon/start.ts)
  it('with SHUTDOWNCMD run by the dispatcher, it does not join nutshutdown, though the group exists', async (ctx) => {
    requireRoot(ctx); requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    expect(group).toBeDefined();
    const r = await outage('cmd', ['SHUTDOWNMETHOD command', 'SHUTDOWNCMD "/bin/true"']);
    expect(r.p.output()).toMatch(/shutdown: .*SHUTDOWNMETHOD command/);
    expect(r.groups).toEqual([nutAccount().gid]);
  }, 90_000);

  it('to the shutdown socket (root:nutshutdown 0660): one signed intent, verified, acted on once, on time', async (ctx) => {
    requireRoot(ctx); requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    const h = helper!;
    const sock = await shutdownSocket(h.root, h);
    cleanups.push(() => sock.close());
    const since = Date.now();
    const r = await outage('ss', ['SHUTDOWNMETHOD socket', `SHUTDOWNSOCKET ${sock.path}`, `INTENTKEY ${h.key}`]);
    expect(r.p.output()).toMatch(new RegExp(`shutdown: socket ${sock.path} \\(SHUTDOWNMETHOD socket, .*upsmon-ss\\.conf:\\d+\\)`));
    expect(r.p.output()).toMatch(/SHUTDOWNCMD is not used: the shutdown goes to .*shutdown\.sock/);
    expect(sock.intents).toHaveLength(1);
    expect(sock.verdicts[0]).toBe('signed');
    // the stand-in records the helper's exit when it sees it, which may be after upsmon's own exit
    await waitFor("the helper's exit, seen by the socket stand-in", () => sock.verdicts[1], 10_000);
    expect(sock.verdicts[1]).toMatch(/^helper exit 0: upsshutdown: poweroff requested by uid 0, method systemctl/);
    checkShutdown('ss', r, h, since);
    // no setuid program in this path: the dispatcher keeps no_new_privs
    expect(r.noNewPrivs).toBe('1');
    // a user outside nutshutdown cannot even connect
    const nut = nutAccount();
    const code = `require('node:net').connect(${JSON.stringify(sock.path)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const outsider = runAs({ ...nut, groups: [nut.gid] }, process.execPath, ['-e', code], '');
    expect(outsider.stdout.trim()).toBe('EACCES');
    const member = runAs({ ...nut, groups: [nut.gid, group!.gid] }, process.execPath, ['-e', code], '');
    expect(member.stdout.trim()).toBe('CONNECTED');
  }, 90_000);
});

describe('upsmon as root refuses to start when its dispatcher could not hand the shutdown over', () => {
  it('a helper that is not setuid root, not executable by nut + nutshutdown, or in a directory others can change; a socket nut cannot connect to; a missing key: each named at its upsmon.conf line', async (ctx) => {
    requireRoot(ctx); requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    const h = helper!;
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const file = join(d.etc, 'upsmon.conf');
    // line 1 MONITOR, line 2 SHUTDOWNCMD, then the shutdown directives from line 3 on
    const start = (lines: string[], env: NodeJS.ProcessEnv = {}) => {
      writeFileSync(file, ['MONITOR u@127.0.0.1:1 1 a b primary', 'SHUTDOWNCMD /bin/true', ...lines, ''].join('\n'), { mode: 0o600 });
      return runHardnut(['upsmon', '-F'], { ...d.env, ...NO_SHUTDOWN_ENV, HARDNUT_UPSMON_JAIL: join(d.root, 'jail'), ...env });
    };
    const copy = (name: string, gid: number, mode: number, dir = h.root): string => {
      const path = join(dir, name);
      copyFileSync(h.bin, path);
      chownSync(path, 0, gid);
      chmodSync(path, mode);
      return path;
    };
    const helperCase = (path: string, key = h.key): string[] => ['SHUTDOWNMETHOD helper', `SHUTDOWNHELPER ${path}`, `INTENTKEY ${key}`];
    // a directory anyone may write (not sticky): whoever can, could swap the helper for their own program
    const open = join(d.root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const cases: Array<[string, string[], RegExp]> = [
      ['not setuid', helperCase(copy('plain', group!.gid, 0o750)), /:4: no way to shut this host down: .*plain .*is not setuid root/],
      ['another group', helperCase(copy('othergroup', 0, 0o4750)), /:4: no way to shut this host down: .*othergroup .*cannot be executed by upsmon's dispatcher/],
      ['root only', helperCase(copy('rootonly', group!.gid, 0o4700)), /:4: .*rootonly .*cannot be executed/],
      ['group-writable', helperCase(copy('gw', group!.gid, 0o4770)), /:4: .*gw .*is writable by group or others/],
      ['in a directory others can write', [`SHUTDOWNCMD "${copy('upsshutdown', group!.gid, 0o4750, open)} poweroff"`, `INTENTKEY ${h.key}`],
        new RegExp(`:3: no way to shut this host down: ${open}/upsshutdown is in a directory another user can change \\(${open} is writable by group or others \\(mode 777\\)\\)`)],
      ['no key', helperCase(h.bin, join(d.root, 'no.key')), /:5: no way to shut this host down: the intent key: .*no\.key: cannot open \(ENOENT\)/],
    ];
    const closed = join(d.root, 'closed.sock');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(closed, r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    chmodSync(closed, 0o600);
    cases.push(['a root-only socket', ['SHUTDOWNMETHOD socket', `SHUTDOWNSOCKET ${closed}`, `INTENTKEY ${h.key}`], /:4: .*closed\.sock .*cannot be connected to by upsmon's dispatcher/]);
    for (const [what, lines, message] of cases) {
      const r = await start(lines);
      expect(r.code, `${what}: ${r.stderr}`).toBe(1);
      expect(r.stderr, what).toContain(`upsmon: ${file}:`);
      expect(r.stderr, what).toMatch(message);
    }
    // the environment still overrides the file, says so, and a problem then names the variable
    const over = await start(helperCase(h.bin), { HARDNUT_INTENT_KEY: join(d.root, 'env.key') });
    expect(over.code, over.stderr).toBe(1);
    expect(over.stderr).toContain(`HARDNUT_INTENT_KEY=${join(d.root, 'env.key')} in the environment overrides INTENTKEY ${h.key} (${file}:5); put INTENTKEY in ${file} instead`);
    expect(over.stderr).toMatch(/no way to shut this host down: the intent key: .*env\.key: cannot open \(ENOENT\) \(HARDNUT_INTENT_KEY in the environment\)/);
    // (the helper installed by make install passes them: the first test above)
  }, 60_000);
});
