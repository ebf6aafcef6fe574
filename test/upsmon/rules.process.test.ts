// upsrules.conf in the real upsmon (issue 16): hardnut dummy-ups replays a temperature trace →
// hardnut upsd → `hardnut upsmon` (as root: the rules evaluated in the jailed child, the rule
// frame checked and acted on by the dispatcher against its own copy of the file) → NOTIFYCMD.
// A temperature rule with a duration and a clear condition notifies once on the rise and once on
// the fall, not on every poll; a rule on a variable the UPS does not have fires nothing and says
// why once; a rule file upsmon cannot honour stops upsmon from starting.
import { afterEach, describe, expect, it } from 'vitest';
import {
  PRIMARY_LOGIN, SECONDARY_LOGIN, makeUpsmonDir, replayStack, startDriver, startHardnutUpsmon, startUpsd, upsdFiles, waitForUpsd,
  type MonitorSpec, type UpsmonDir,
} from '../interop/upsmon-stack.js';
import { chmodSync, copyFileSync, linkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runHardnut, waitFor, writeFiles, type Proc } from '../support/stack.js';
import { parseRules, replay, seqTimeline, type RuleSet } from '../../src/protocol/rules/index.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

// 30 while upsmon starts; hot (45) for 15 s (room for a slow start); between the marks (38, 41, 37); cool (30)
const SEQ = 'ups.temperature: 30\nTIMER 5\nups.temperature: 45\nTIMER 15\nups.temperature: 38\nTIMER 2\n'
  + 'ups.temperature: 41\nTIMER 2\nups.temperature: 37\nTIMER 2\nups.temperature: 30\nTIMER 300\n';
const RULES = 'RULE hot\n WHEN ups.temperature > 40\n FOR 2\n CLEAR ups.temperature < 35\n DO notify "too hot"\n ONCLEAR notify "cool again"\n'
  + 'RULE nocharge\n WHEN battery.charge < 50\n DO notify "never"\n';

function spec(port: number): MonitorSpec {
  return { system: `u@127.0.0.1:${String(port)}`, role: 'primary', login: PRIMARY_LOGIN, extra: ['POLLFREQ 1', 'POLLFREQALERT 1', 'DEADTIME 15'] };
}

// each test replays an outage of up to ~40 s (the temperature trace: fire at 7 s, clear at 26 s)
describe('upsrules.conf in upsmon', { timeout: 120_000 }, () => {
  it('a temperature rule notifies once on the rise and once on the fall; unknown data fires nothing', async () => {
    const { d, port } = await replayStack(SEQ, (undo) => cleanups.push(undo));
    writeFiles(d, { 'upsrules.conf': RULES });
    const upsmon = track(startHardnutUpsmon(d, 'r', spec(port)));
    const rules = (): string[] => d.events().filter((e) => e.type === 'RULE').map((e) => `${e.ups}|${e.msg}`);
    await waitFor('the rule fired and cleared', () => rules().length >= 2, 60_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; RULE events ${JSON.stringify(rules())}; upsmon said:\n${upsmon.output()}`);
    });
    expect(rules()).toEqual(['|rule hot fired: too hot', '|rule hot cleared: cool again']);
    const ev = d.events().filter((e) => e.type === 'RULE');
    // `hardnut rules test`'s evaluator on the same trace: fire at 7 s, clear at 26 s. Live, each is
    // seen up to a poll (1 s) plus dummy-ups' pollinterval (1 s) late: the interval agrees within that
    const replayed = replay(parseRules(RULES, 'r').ruleSet as RuleSet, seqTimeline(SEQ, 'u.seq'), 'u@127.0.0.1')
      .filter((e) => e.kind === 'fire' || e.kind === 'clear').map((e) => e.at);
    expect(replayed).toEqual([7000, 26_000]);
    const live = (ev[1]?.t ?? 0) - (ev[0]?.t ?? 0);
    expect(Math.abs(live - (26_000 - 7000))).toBeLessThan(5000);
    const why = upsmon.output().split('\n').filter((l) => l.includes('rule nocharge cannot decide'));
    expect(why).toHaveLength(1);
    expect(why[0]).toContain('battery.charge is not known');
  });

  it('a charge rule (under 50 % on battery for 3 s) shuts the host down before LB', async () => {
    // on battery at 5 s, 45 % from 8 s, and never LB
    const seq = 'ups.status: OL\nbattery.charge: 100\nTIMER 5\nups.status: OB DISCHRG\nbattery.charge: 80\nTIMER 3\n'
      + 'battery.charge: 45\nTIMER 300\n';
    const { d, port } = await replayStack(seq, (undo) => cleanups.push(undo));
    writeFiles(d, { 'upsrules.conf': 'RULE half-charge\n WHEN ups.status has OB and battery.charge < 50\n FOR 3\n DO shutdown\n' });
    const m = spec(port);
    const upsmon = track(startHardnutUpsmon(d, 'c', { ...m, extra: [...(m.extra ?? []), 'FINALDELAY 0'] }));
    // both: the SHUTDOWN notice runs in the notifier process, beside the dispatcher's SHUTDOWNCMD
    await waitFor('SHUTDOWNCMD ran, FSD and SHUTDOWN were notified', () => ['SHUTDOWNCMD', 'SHUTDOWN', 'FSD'].every((t) => d.events().some((e) => e.type === t)), 60_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; events ${JSON.stringify(d.events().map((x) => x.type))}; upsmon said:\n${upsmon.output()}`);
    });
    const types = d.events().map((e) => e.type);
    expect(types).not.toContain('LOWBATT');
    // ONBATT seconds before; then, with FINALDELAY 0, FSD, SHUTDOWN (each its own NOTIFYCMD in the
    // notifier) and SHUTDOWNCMD start together, as NUT's do: the order the monitor decided in is its log's
    expect(types.indexOf('ONBATT')).toBeLessThan(types.indexOf('FSD'));
    const order = [...upsmon.output().matchAll(/rule half-charge shuts this host down|forced shutdown in progress|Auto logout and shutdown proceeding/g)].map((m) => m[0]);
    expect(order.slice(0, 3)).toEqual(['rule half-charge shuts this host down', 'forced shutdown in progress', 'Auto logout and shutdown proceeding']);
  });

  it('a rule file with an error, or an action upsmon cannot perform, stops upsmon with file:line', async () => {
    const { d, port } = await replayStack(SEQ, (undo) => cleanups.push(undo));
    const cases: Array<[string, string]> = [
      ['RULE r\n WHEN ups.temperature > 40\n DO fsd\n', `${d.etc}/upsrules.conf:1: rule 'r': fsd needs the UPS it acts on (a UPS line in the rule)`],
      [`RULE r\n UPS u@127.0.0.1:${String(port)}\n WHEN ups.temperature > 40\n DO fsd\n`, `${d.etc}/upsrules.conf:1: rule 'r': fsd on u@127.0.0.1:${String(port)}, for which this host is not primary`],
      ['INSTCMD load.off\nRULE r\n UPS u\n WHEN ups.temperature > 40\n DO instcmd load.off\n', `${d.etc}/upsrules.conf:2: rule 'r': instcmd on u, a LOCALMONITOR: hardnut acts on a UPS only through upsd`],
      ['RULE r\n WHEN ups.temperature > 40\n DO reboot\n', `${d.etc}/upsrules.conf:3: DO: unknown action 'reboot'`],
    ];
    for (const [i, [text, said]] of cases.entries()) {
      writeFiles(d, { 'upsrules.conf': text });
      // the fsd on a UPS this host monitors as secondary; the instcmd on a LOCALMONITOR
      const m = i === 1 ? { ...spec(port), role: 'secondary' as const, login: SECONDARY_LOGIN } : i === 2 ? { ...spec(port), extra: [...(spec(port).extra ?? []), 'LOCALMONITOR u 0'] } : spec(port);
      const upsmon = track(startHardnutUpsmon(d, `bad${String(i)}`, m));
      const code = await new Promise<number | null>((resolve) => upsmon.child.once('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
      expect(upsmon.output()).toContain(said);
    }
    expect(d.events().filter((e) => e.type === 'RULE')).toEqual([]);
  });
});

// fsd and instcmd (issue 16 item 1): the monitor sends the rule's name, the dispatcher passes it
// on, the root supervisor admits it against its own copy and starts the confined rule-action
// child, which logs in to upsd with the MONITOR line's credentials and sends FSD / INSTCMD.
describe('rule actions on the UPS, through upsd', { timeout: 120_000 }, () => {
  /** The temperature trace (or `data`, a .dev file) behind hardnut upsd, with this upsd.users; the driver's output kept. */
  async function stack(users?: string, data: { file: string; text: string } = { file: 'u.seq', text: SEQ }): Promise<{ d: UpsmonDir; port: number; driver: Proc; upsd: Proc; system: string }> {
    const port = await freePort();
    const files = upsdFiles(port);
    const d = makeUpsmonDir({ 'ups.conf': `pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = ${data.file}\n`, [data.file]: data.text, ...files, ...(users !== undefined ? { 'upsd.users': users } : {}) });
    cleanups.push(() => d.cleanup());
    const driver = track(await startDriver('hardnut', d, 'u'));
    const upsd = track(startUpsd('hardnut', d));
    await waitForUpsd(port, ['u'], d.env);
    return { d, port, driver, upsd, system: `u@127.0.0.1:${String(port)}` };
  }

  it('a rule with fsd sets FSD on its UPS (upsc shows it), and upsmon then shuts down as for FSD', async () => {
    const { d, port, upsd, system } = await stack();
    writeFiles(d, { 'upsrules.conf': `RULE hot\n UPS ${system}\n WHEN ups.temperature > 40\n FOR 2\n DO fsd\n` });
    const m = spec(port);
    const upsmon = track(startHardnutUpsmon(d, 'f', { ...m, extra: [...(m.extra ?? []), 'FINALDELAY 0', 'HOSTSYNC 1'] }));
    await waitFor('SHUTDOWNCMD after the rule set FSD, and the FSD notice', () => ['SHUTDOWNCMD', 'FSD'].every((t) => d.events().some((e) => e.type === t)) || undefined, 60_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; events ${JSON.stringify(d.events().map((x) => x.type))}; upsmon said:\n${upsmon.output()}`);
    });
    const status = await runHardnut(['upsc', `u@127.0.0.1:${String(port)}`, 'ups.status'], d.env);
    expect(status.stdout.trim().split(' ')).toContain('FSD');
    // upsd set it for the MONITOR line's user; upsmon saw FSD as NUT's primary does, and shut down once
    expect(upsd.output()).toMatch(/Client monprimary@127\.0\.0\.1 set FSD on UPS \[u\]/);
    expect(upsmon.output()).toContain(`rule hot fired: FSD on ${system}`);
    expect(upsmon.output()).toContain(`rule hot (fired): FSD on UPS [${system}] accepted by upsd`);
    await waitFor('upsmon to exit after the shutdown', () => upsmon.child.exitCode !== null || undefined, 30_000);
    expect(upsmon.child.exitCode).toBe(0);
    const types = d.events().map((e) => e.type);
    expect(types.filter((t) => t === 'SHUTDOWNCMD')).toHaveLength(1);
    // FSD's NOTIFYCMD and SHUTDOWNCMD start together (FINALDELAY 0): their order in the record is
    // a race; the order upsmon acted in is its log's
    expect(types).toContain('FSD');
    const order = [...upsmon.output().matchAll(/FSD on UPS \[[^\]]+\] accepted by upsd|Auto logout and shutdown proceeding/g)].map((x) => x[0]);
    expect(order).toEqual([`FSD on UPS [${system}] accepted by upsd`, 'Auto logout and shutdown proceeding']);
    expect(upsmon.output()).not.toContain(PRIMARY_LOGIN[1]);
  });

  it('a rule with instcmd runs the command on fire (seen in the driver), and another on clear', async () => {
    const users = '[monprimary]\n\tpassword = primarypass\n\tupsmon primary\n\tinstcmds = load.off\n';
    const { d, port, driver, system } = await stack(users);
    writeFiles(d, { 'upsrules.conf': `INSTCMD load.off\nRULE hot\n UPS ${system}\n WHEN ups.temperature > 40\n FOR 2\n CLEAR ups.temperature < 35\n DO instcmd load.off\n ONCLEAR instcmd load.off\n` });
    const upsmon = track(startHardnutUpsmon(d, 'i', spec(port)));
    // dummy-ups lists load.off and answers every command with "unknown command" in its log, as NUT's does
    const sent = (): number => [...driver.output().matchAll(/instcmd: unknown command \[load\.off\]/g)].length;
    await waitFor('load.off in the driver twice (fire, clear)', () => sent() >= 2 || undefined, 60_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; driver said:\n${driver.output()}\nupsmon said:\n${upsmon.output()}`);
    });
    expect(upsmon.output()).toContain(`rule hot (fired): instant command load.off on UPS [${system}] accepted by upsd`);
    expect(upsmon.output()).toContain(`rule hot (cleared): instant command load.off on UPS [${system}] accepted by upsd`);
    expect(sent()).toBe(2);
    expect(upsmon.child.exitCode).toBeNull();
  });

  // Node's spawn fails without an 'exit' (EAGAIN, EMFILE; here its binary is gone): the job must
  // end at once, logged, or it would hold the one-at-a-time queue for good (rule-action-queue.ts)
  it('a rule action whose child cannot be started is logged, and the next rule action still runs', async () => {
    const users = '[monprimary]\n\tpassword = primarypass\n\tupsmon primary\n\tinstcmds = load.off\n';
    const dev = (temperature: number): string => `ups.status: OL\nups.temperature: ${String(temperature)}\n`;
    const { d, port, driver, system } = await stack(users, { file: 'u.dev', text: dev(30) });
    writeFiles(d, { 'upsrules.conf': `INSTCMD load.off\nRULE hot\n UPS ${system}\n WHEN ups.temperature > 40\n CLEAR ups.temperature < 35\n DO instcmd load.off\n ONCLEAR instcmd load.off\n`
      + 'RULE probe\n WHEN battery.charge < 50\n DO notify "never"\n' });
    // upsmon runs as a link to node that this test removes, then puts back
    const node = join(d.root, 'bin', 'node');
    const putNode = (): void => { try { linkSync(process.execPath, node); } catch { copyFileSync(process.execPath, node); chmodSync(node, 0o755); } };
    putNode();
    const upsmon = track(startHardnutUpsmon(d, 'n', spec(port), [], {}, node));
    const said = (re: RegExp) => (): true | undefined => re.test(upsmon.output()) || undefined;
    const orSay = (e: unknown): never => { throw new Error(`${(e as Error).message}; driver said:\n${driver.output()}\nupsmon said:\n${upsmon.output()}`); };
    // the monitor has evaluated the rules: every process upsmon keeps has been started
    await waitFor('the rules evaluated once', said(/rule probe cannot decide/), 60_000, 100).catch(orSay);
    rmSync(node);
    writeFiles(d, { 'u.dev': dev(45) });
    await waitFor('the fired action not done', said(/rule hot fired: INSTCMD load\.off on \S+: not done \(the rule-action child did not start\)/), 60_000, 100).catch(orSay);
    putNode();
    writeFiles(d, { 'u.dev': dev(30) });
    await waitFor('the cleared action accepted', said(/rule hot \(cleared\): instant command load\.off on UPS \[\S+\] accepted by upsd/), 60_000, 100).catch(orSay);
    expect(upsmon.output()).toMatch(/cannot start the rule-action child: spawn \S+ ENOENT/);
    // the driver got the cleared action's command only
    expect([...driver.output().matchAll(/instcmd: unknown command \[load\.off\]/g)]).toHaveLength(1);
    expect(upsmon.child.exitCode).toBeNull();
  });

  it("an instcmd the MONITOR user may not run: upsd's ACL refuses it, the failure is logged, monitoring goes on", async () => {
    const { d, port, driver, system } = await stack();
    writeFiles(d, { 'upsrules.conf': `INSTCMD load.off\nRULE hot\n UPS ${system}\n WHEN ups.temperature > 40\n FOR 2\n CLEAR ups.temperature < 35\n DO instcmd load.off\n DO notify "hot"\n ONCLEAR notify "cool"\n` });
    const upsmon = track(startHardnutUpsmon(d, 'a', spec(port)));
    await waitFor('the refusal, then the clear notice', () => d.events().some((e) => e.type === 'RULE' && e.msg.includes('cool')) || undefined, 60_000, 100).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; upsmon said:\n${upsmon.output()}`);
    });
    expect(upsmon.output()).toContain(`rule hot (fired): instant command load.off on UPS [${system}] refused by upsd as user monprimary: ERR ACCESS-DENIED`);
    expect(upsmon.output()).toMatch(/rule hot fired: INSTCMD load\.off on .*: not done \(rule-action child exit 1/);
    expect(driver.output()).not.toContain('instcmd:');
    // nothing crashed: the same pair still runs, the rule's notices both went out
    expect(upsmon.output()).not.toMatch(/restarting|bad frame|ended \(/);
    expect(d.events().filter((e) => e.type === 'RULE').map((e) => e.msg)).toEqual(['rule hot fired: hot', 'rule hot cleared: cool']);
    expect(upsmon.child.exitCode).toBeNull();
  });
});
