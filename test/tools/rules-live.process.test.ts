// `hardnut rules check` and `hardnut rules test` against live UPSes (issue 16), as root the way
// CI runs: hardnut's dummy-ups replaying a trace, hardnut's upsd in front of it.
// - check asks each UPS of the upsmon.conf beside the rule file what it publishes (DUMPALL on a
//   LOCALMONITOR's driver socket, LIST VAR on a MONITOR's upsd): a driver's own name is then
//   known, a typo is a warning on its line, a standard name the UPS lacks is a note; with the
//   driver gone the check falls back to NUT's names and says so. Started as root it drops to nut
//   before connecting: a socket only root could reach is out of its reach (the attack, run).
// - hardnut's upslog records the replay while a real upsmon runs the rules; `rules test` on
//   that recording gives the firing and clearing times the live run gave, within the poll
//   interval plus upslog's interval and its one-second time stamps.
// - NUT's own upslog (Debian's), default format: its recording is read as written.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExecutable, isRoot, requirePeer, requireRoot, type SkipContext } from '../support/peers.js';
import { HARDNUT, runHardnut, startProcess, waitFor, writeFiles, type Proc } from '../support/stack.js';
import { PRIMARY_LOGIN, replayStack, startHardnutUpsmon } from '../interop/upsmon-stack.js';
import { upslogTimeline } from '../../src/protocol/rules/index.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

function requireStack(ctx: SkipContext): void {
  requireRoot(ctx, 'root: the stack drops to the nut user, and the check must drop root itself (CI runs as root)');
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

/** NUT's own upslog (Debian's nut-client). */
const DEBIAN_UPSLOG = '/bin/upslog';

/** POLLFREQ of the live upsmon and upslog's interval, in seconds. */
const POLL_S = 1;
const UPSLOG_S = 1;

describe('rules check against live UPSes', { timeout: 120_000 }, () => {
  it("a driver's own variable is known from the UPS, a typo is a warning at file:line, a standard name the UPS lacks a note", async (ctx) => {
    requireStack(ctx);
    const { d, port } = await replayStack('ups.temperature: 30\ndummy.custom: 5\nTIMER 600\n', (undo) => cleanups.push(undo));
    const remote = `u@127.0.0.1:${String(port)}`;
    const rules = [
      'RULE a', ' UPS u', ' WHEN dummy.custom > 1 or ups.temprature > 3', ' DO notify',
      'RULE b', ` UPS ${remote}`, ' WHEN dummy.custom > 1 and battery.runtime < 5', ' DO notify', '',
    ].join('\n');
    writeFiles(d, { 'upsrules.conf': rules, 'upsmon.conf': `LOCALMONITOR u 1\nMONITOR ${remote} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary\nMINSUPPLIES 1\n` });
    // upsmon.conf holds a password: root-only, read before the check gives up root
    if (isRoot()) { chownSync(join(d.etc, 'upsmon.conf'), 0, 0); chmodSync(join(d.etc, 'upsmon.conf'), 0o600); }
    const file = join(d.etc, 'upsrules.conf');
    const r = await runHardnut(['rules', 'check'], d.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `${file}:3: warning: rule 'a' reads 'ups.temprature', which is neither one of NUT's standard variable names nor published by UPS u: the rule would never decide`,
      `${file}:7: note: rule 'b': UPS ${remote} does not publish 'battery.runtime' now: the rule is unknown there until it does`,
    ]);
    // root gave up its ids before connecting: with the state directory made root's alone, the
    // driver socket that root could reach is out of the check's reach
    const st = statSync(d.state);
    chownSync(d.state, 0, 0);
    chmodSync(d.state, 0o700);
    try {
      const shut = await runHardnut(['rules', 'check'], d.env);
      expect(shut.stderr).toMatch(new RegExp(`${file}: note: UPS u: its variables could not be read \\(.*(EACCES|permission denied)`, 'i'));
    } finally {
      chownSync(d.state, st.uid, st.gid);
      chmodSync(d.state, st.mode & 0o7777);
    }
    // the driver gone (upsd then has no data either): NUT's names only, and the user is told
    await cleanups[1]?.(); // the driver: replayStack gave the cleanup dir first, then the driver
    const gone = await runHardnut(['rules', 'check'], d.env);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toContain(`${file}: note: UPS u: its variables could not be read`);
    expect(gone.stderr).toContain(`${file}:3: warning: rule 'a' reads 'dummy.custom', which is neither one of NUT's standard variable names`);
  });
});

describe('rules test on a live upslog recording', { timeout: 150_000 }, () => {
  it('gives the firing and clearing times the live upsmon gave', async (ctx) => {
    requireStack(ctx);
    // cool while upslog and upsmon start (12 s); hot for 15 s; between the marks; cool
    const seq = 'ups.temperature: 30\nTIMER 12\nups.temperature: 45\nTIMER 15\nups.temperature: 38\nTIMER 3\n'
      + 'ups.temperature: 41\nTIMER 3\nups.temperature: 30\nTIMER 600\n';
    const ruleText = 'RULE hot\n WHEN ups.temperature > 40\n FOR 2\n CLEAR ups.temperature < 35\n DO notify "too hot"\n ONCLEAR notify "cool again"\n';
    const { d, port } = await replayStack(seq, (undo) => cleanups.push(undo));
    writeFiles(d, { 'upsrules.conf': ruleText });
    const system = `u@127.0.0.1:${String(port)}`;
    // upslog's default format; TZ=UTC so that the recording's clock is the epoch's
    const log = join(d.state, 'u.log');
    writeFileSync(log, '');
    if (isRoot()) chmodSync(log, 0o666);
    const upslog = track(startProcess(process.execPath, [HARDNUT, 'upslog', '-s', system, '-l', log, '-i', String(UPSLOG_S), '-F'], { ...d.env, TZ: 'UTC' }));
    const upsmon = track(startHardnutUpsmon(d, 'live', { system, role: 'primary', login: PRIMARY_LOGIN, extra: [`POLLFREQ ${String(POLL_S)}`, `POLLFREQALERT ${String(POLL_S)}`, 'DEADTIME 15'] }));
    const live = (): number[] => d.events().filter((e) => e.type === 'RULE').map((e) => e.t);
    await waitFor('the rule fired and cleared live', () => live().length >= 2, 90_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; upsmon said:\n${upsmon.output()}\nupslog said:\n${upslog.output()}`);
    });
    const recordedUntil = (): number => {
      try { const tl = upslogTimeline(readFileSync(log, 'latin1'), log); return tl.startMs + tl.end; } catch { return 0; } // a line half written
    };
    await waitFor('upslog recorded past the clear', () => recordedUntil() > (live()[1] ?? 0) + 2000, 20_000, 200);
    await upslog.stop();
    const rec = readFileSync(log, 'latin1');
    const start = upslogTimeline(rec, log).startMs;
    const r = await runHardnut(['rules', 'test', join(d.etc, 'upsrules.conf'), log, '-u', system], d.env);
    expect(r.code, r.stderr).toBe(0);
    const replayed = [...r.stdout.matchAll(/^\s*([\d.]+)s\s+(fire|clear)\s+hot on /gm)].map((m) => start + Number(m[1]) * 1000);
    expect(replayed, r.stdout).toHaveLength(2);
    // each side sees the change up to one of its intervals late; the recording's stamps are cut
    // to the second; 1 s more for NOTIFYCMD's start on a loaded machine
    const margin = (POLL_S + UPSLOG_S + 1 + 1) * 1000;
    for (const [i, t] of live().slice(0, 2).entries()) {
      expect(Math.abs(t - (replayed[i] as number)), `${i === 0 ? 'fire' : 'clear'}: live ${String(t)}, replayed ${String(replayed[i])}\n${r.stdout}`).toBeLessThan(margin);
    }
  });
});

describe("rules test on NUT's own upslog", { timeout: 90_000 }, () => {
  it("Debian's upslog, default format: read as written, and the rule fires on the first hot line", async (ctx) => {
    requireStack(ctx);
    requirePeer(ctx, hasExecutable(DEBIAN_UPSLOG), "Debian's upslog (apt-get install nut-client)");
    const { d, port } = await replayStack('ups.temperature: 30\nbattery.charge: 100\nTIMER 4\nups.temperature: 45\nTIMER 600\n', (undo) => cleanups.push(undo));
    writeFiles(d, { 'upsrules.conf': 'RULE hot\n WHEN ups.temperature > 40\n DO notify\n' });
    // to stdout: NUT's upslog stays in the foreground then
    const upslog = track(startProcess(DEBIAN_UPSLOG, ['-s', `u@127.0.0.1:${String(port)}`, '-l', '-', '-i', '1'], { ...d.env, TZ: 'UTC' }));
    const lines = (): string[] => upslog.output().split('\n').filter((l) => /^\d{8} \d{6} /.test(l));
    await waitFor('upslog recorded the hot UPS twice', () => lines().filter((l) => / 45 /.test(l)).length >= 2, 30_000, 200).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; upslog said:\n${upslog.output()}`);
    });
    await upslog.stop();
    const rec = join(d.root, 'nut-upslog.log');
    writeFileSync(rec, `${lines().join('\n')}\n`);
    const tl = upslogTimeline(readFileSync(rec, 'latin1'), rec);
    expect(tl.points[0]?.vars.get('battery.charge')).toBe('100');
    expect(tl.points[0]?.vars.get('ups.status')).toBe('OL');
    const hotAt = tl.points.find((p) => p.vars.get('ups.temperature') === '45')?.at;
    const r = await runHardnut(['rules', 'test', join(d.etc, 'upsrules.conf'), rec, '-u', 'u'], d.env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`(upslog) as UPS u`);
    expect([...r.stdout.matchAll(/^\s*([\d.]+)s\s+fire\s+hot on u/gm)].map((m) => Number(m[1]) * 1000)).toEqual([hotAt]);
  });
});

