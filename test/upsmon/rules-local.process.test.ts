// upsrules.conf over a LOCALMONITOR UPS (issue 16): hardnut's dummy-ups replays a trace into its
// socket, `hardnut upsmon` (as root, split: the rules run in the jailed child) reads that socket
// with no upsd anywhere, and the rules see every variable the driver publishes, not only
// ups.status. A temperature rule and a charge rule each fire once and clear once; a variable the
// driver lacks, and a driver that is gone, leave the rules unable to decide, never clearing them.
// The same with Debian's dummy-ups (NUT's own driver) on the socket.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExecutable, hasRefNut, isRoot, refNut, requirePeer, requireRoot, type SkipContext } from '../support/peers.js';
import { HARDNUT, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, writeFiles, type Proc } from '../support/stack.js';
import { hardnutEnv, makeUpsmonDir, recorder, type UpsmonDir } from '../interop/upsmon-stack.js';
import { parseRules, replay, seqTimeline, type RuleSet } from '../../src/protocol/rules/index.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

// cool and charged while upsmon starts (10 s: room for a slow start); hot and at 40 % from 10 s;
// charged again at 27 s (41 → 37 is between the temperature marks: no clear); cool at 31 s
const SEQ = 'ups.temperature: 30\nbattery.charge: 100\nTIMER 10\nups.temperature: 45\nbattery.charge: 40\nTIMER 15\n'
  + 'ups.temperature: 38\nTIMER 2\nups.temperature: 41\nbattery.charge: 90\nTIMER 2\nups.temperature: 37\nTIMER 2\n'
  + 'ups.temperature: 30\nTIMER 300\n';
const RULES = 'RULE hot\n WHEN ups.temperature > 40\n FOR 2\n CLEAR ups.temperature < 35\n DO notify "too hot"\n ONCLEAR notify "cool again"\n'
  + 'RULE low\n WHEN battery.charge < 50\n DO notify "low charge"\n ONCLEAR notify "charged"\n'
  + 'RULE runtime\n WHEN battery.runtime < 60\n DO notify "never"\n';

function requireStack(ctx: SkipContext): void {
  requireRoot(ctx, 'root: the monitor is jailed as nobody and the driver drops to nut (CI runs as root)');
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

function startLocalUpsmon(d: UpsmonDir, tag: string): Proc {
  const r = recorder(d, tag);
  const file = join(d.etc, `upsmon-${tag}.conf`);
  writeFileSync(file, ['LOCALMONITOR u 1', 'MINSUPPLIES 1', `NOTIFYCMD ${r.notify}`, `SHUTDOWNCMD ${r.shutdown}`,
    'NOTIFYFLAG COMMBAD SYSLOG+EXEC', 'POLLFREQ 1', 'POLLFREQALERT 1', 'DEADTIME 15', ''].join('\n'));
  if (isRoot()) { chownSync(file, 0, 0); chmodSync(file, 0o600); }
  return track(startProcess(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', file], hardnutEnv(d, tag)));
}

async function rulesOverLocal(kind: 'hardnut' | 'debian'): Promise<void> {
  const d = makeUpsmonDir({ 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.seq\n', 'u.seq': SEQ });
  cleanups.push(() => d.cleanup());
  writeFiles(d, { 'upsrules.conf': RULES });
  const driver = track(kind === 'hardnut' ? startHardnutDriver(d, 'dummy-ups', 'u') : startProcess(refNut.dummyUps, ['-a', 'u', '-F', ...userArgs()], d.env));
  await waitForSocket(join(d.state, 'dummy-ups-u'));
  const upsmon = startLocalUpsmon(d, 'lr');
  const rules = (): string[] => d.events().filter((e) => e.type === 'RULE').map((e) => e.msg);
  await waitFor('both rules fired and cleared', () => rules().length >= 4, 60_000, 100).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; RULE events ${JSON.stringify(rules())}; upsmon said:\n${upsmon.output()}`);
  });
  expect(rules()).toEqual(['rule low fired: low charge', 'rule hot fired: too hot', 'rule low cleared: charged', 'rule hot cleared: cool again']);
  // the same trace in `hardnut rules test`'s evaluator: the live intervals agree within a poll
  // (1 s) plus the driver's pollinterval (1 s) at each end
  const replayed = replay(parseRules(RULES, 'r').ruleSet as RuleSet, seqTimeline(SEQ, 'u.seq'), 'u')
    .filter((e) => e.kind === 'fire' || e.kind === 'clear').map((e) => `${e.kind} ${e.rule} ${String(e.at)}`);
  expect(replayed).toEqual(['fire low 10000', 'fire hot 12000', 'clear low 27000', 'clear hot 31000']);
  const t = d.events().filter((e) => e.type === 'RULE').map((e) => e.t - (d.events().find((x) => x.type === 'RULE')?.t ?? 0));
  for (const [i, at] of [10_000, 12_000, 27_000, 31_000].entries()) expect(Math.abs((t[i] as number) - (at - 10_000)), `event ${String(i)}`).toBeLessThan(4000);
  const runtime = upsmon.output().split('\n').filter((l) => l.includes('rule runtime cannot decide'));
  expect(runtime).toHaveLength(1);
  expect(runtime[0]).toContain('battery.runtime is not known');
  // the driver goes: every rule is unknown (logged once), none clears or fires
  await driver.stop();
  await waitFor('the rules say they cannot decide', () => /rule hot cannot decide on u: .*not connected/i.test(upsmon.output()), 30_000, 100).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; upsmon said:\n${upsmon.output()}`);
  });
  expect(rules()).toHaveLength(4);
}

describe('upsrules.conf over a LOCALMONITOR UPS (no upsd)', { timeout: 120_000 }, () => {
  it('a temperature rule and a charge rule fire and clear once each on the driver socket\'s variables; a gone driver is unknown', async (ctx) => {
    requireStack(ctx);
    await rulesOverLocal('hardnut');
  });

  it("the same on Debian's dummy-ups (a real NUT driver)", async (ctx) => {
    requireStack(ctx);
    requirePeer(ctx, hasRefNut(), "Debian's NUT (apt-get install nut-server)");
    await rulesOverLocal('debian');
  });
});
