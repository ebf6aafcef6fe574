// upsrules.conf in the real upsmon (issue 16): hardnut dummy-ups replays a temperature trace →
// hardnut upsd → `hardnut upsmon` (as root: the rules evaluated in the jailed child, the rule
// frame checked and acted on by the dispatcher against its own copy of the file) → NOTIFYCMD.
// A temperature rule with a duration and a clear condition notifies once on the rise and once on
// the fall, not on every poll; a rule on a variable the UPS does not have fires nothing and says
// why once; a rule file upsmon cannot honour stops upsmon from starting.
import { afterEach, describe, expect, it } from 'vitest';
import { PRIMARY_LOGIN, replayStack, startHardnutUpsmon, type MonitorSpec } from '../interop/upsmon-stack.js';
import { waitFor, writeFiles, type Proc } from '../support/stack.js';
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

  it('a rule file with an error, or an action upsmon does not perform yet, stops upsmon with file:line', async () => {
    const { d, port } = await replayStack(SEQ, (undo) => cleanups.push(undo));
    const cases: Array<[string, string]> = [
      ['RULE r\n WHEN ups.temperature > 40\n DO fsd\n', `${d.etc}/upsrules.conf:1: rule 'r': upsmon does not perform 'fsd' yet`],
      ['RULE r\n WHEN ups.temperature > 40\n DO reboot\n', `${d.etc}/upsrules.conf:3: DO: unknown action 'reboot'`],
    ];
    for (const [i, [text, said]] of cases.entries()) {
      writeFiles(d, { 'upsrules.conf': text });
      const upsmon = track(startHardnutUpsmon(d, `bad${String(i)}`, spec(port)));
      const code = await new Promise<number | null>((resolve) => upsmon.child.once('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
      expect(upsmon.output()).toContain(said);
    }
    expect(d.events().filter((e) => e.type === 'RULE')).toEqual([]);
  });
});
