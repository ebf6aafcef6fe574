// `hardnut rules check|explain|test` as a user runs them: the built executable, real files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHardnut } from '../support/stack.js';

let dir: string;
const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p; };

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hardnut-rules-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const RULES = [
  'TIMER grace 120',
  'RULE hot',
  '  UPS dummy',
  '  WHEN ups.temperature > 40',
  '  FOR 30',
  '  CLEAR ups.temperature < 35',
  '  DO notify "UPS too hot"',
  '  ONCLEAR notify "UPS cooled down"',
  'RULE low-on-battery',
  '  WHEN battery.charge < 50 and ups.status has OB',
  '  FOR 30',
  '  DO shutdown',
  'RULE ob-grace',
  '  WHEN ups.status has OB',
  '  DO start grace',
  '  ONCLEAR cancel grace',
  '',
].join('\n');

// A dummy-ups .seq: heat at 10 s, hovering between the marks, cool at 75 s; on battery at 75 s,
// charge under 50 at 90 s.
const SEQ = [
  'ups.temperature: 30', 'battery.charge: 100', 'TIMER 10',
  'ups.temperature: 42', 'TIMER 5',
  'ups.temperature: 43', 'TIMER 40',
  'ups.temperature: 38', 'TIMER 20',
  'ups.temperature: 34', 'ups.status: OB DISCHRG', 'battery.charge: 60', 'TIMER 15',
  'battery.charge: 45', 'TIMER 60',
  '',
].join('\n');

/** What `rules test` prints for RULES on SEQ's story, after its first line. */
const REPLAYED = [
  '10s pending hot on dummy',
  '40s fire hot on dummy: notify "UPS too hot"',
  '75s clear hot on dummy: notify "UPS cooled down"',
  '75s fire ob-grace on dummy: start timer grace (if not running)',
  '75s timer grace started',
  '90s pending low-on-battery on dummy',
  '120s fire low-on-battery on dummy: shut this host down (upsmon\'s shutdown, after FINALDELAY)',
  '',
];

describe('hardnut rules', () => {
  it('test replays a .seq in virtual time and prints when each rule fires and clears', async () => {
    const r = await runHardnut(['rules', 'test', file('r.conf', RULES), file('t.seq', SEQ)], process.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      `replaying ${join(dir, 't.seq')} (seq) as UPS dummy, 150s of virtual time`,
      ...REPLAYED,
    ]);
  });

  it('check accepts a good file and refuses a 1 MB line and an unknown action with file:line, exit 1', async () => {
    const good = await runHardnut(['rules', 'check', file('good.conf', RULES)], process.env);
    expect([good.code, good.stdout]).toEqual([0, `${join(dir, 'good.conf')}: 3 rules, 1 timers: OK\n`]);
    const bad = file('bad.conf', `RULE r\n WHEN a.b > 1\n#${'x'.repeat(1_000_000)}\n DO reboot\n`);
    const r = await runHardnut(['rules', 'check', bad], process.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${bad}:3: line longer than 1024 bytes (1000001)\n`
      + `${bad}:4: DO: unknown action 'reboot' (one of: notify, shutdown, fsd, instcmd, start, cancel)\n`);
  });

  it('the shipped sample conf/upsrules.conf passes check', async () => {
    const sample = new URL('../../conf/upsrules.conf', import.meta.url).pathname;
    // --offline: the sample upsmon.conf beside it names a UPS on localhost, not asked here
    const r = await runHardnut(['rules', 'check', '--offline', sample], process.env);
    expect([r.code, r.stderr, r.stdout]).toEqual([0, '', `${sample}: 5 rules, 1 timers: OK\n`]);
  });

  it("README's example rule file passes check", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Rules (upsrules.conf)'));
    const example = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
    const r = await runHardnut(['rules', 'check', file('readme.conf', example)], process.env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(': 4 rules, 1 timers: OK');
  });

  it('check reads $NUT_CONFPATH/upsrules.conf by default; a missing file is an error', async () => {
    file('upsrules.conf', RULES);
    const r = await runHardnut(['rules', 'check'], { ...process.env, NUT_CONFPATH: dir });
    expect([r.code, r.stdout]).toEqual([0, `${join(dir, 'upsrules.conf')}: 3 rules, 1 timers: OK\n`]);
    expect(r.stderr).toBe('');
    // with an upsmon.conf beside it: a rule for a UPS it does not monitor is flagged, exit still 0
    file('upsmon.conf', 'MONITOR other@localhost 1 mon pass primary\n');
    const w = await runHardnut(['rules', 'check', '--offline'], { ...process.env, NUT_CONFPATH: dir });
    expect([w.code, w.stderr]).toEqual([0, `${join(dir, 'upsrules.conf')}:2: warning: rule 'hot' watches UPS 'dummy', which ${join(dir, 'upsmon.conf')} does not monitor: it never runs\n`]);
    file('upsmon.conf', 'MONITOR dummy 1 mon pass primary\n');
    expect((await runHardnut(['rules', 'check', '--offline'], { ...process.env, NUT_CONFPATH: dir })).stderr).toBe('');
    const missing = await runHardnut(['rules', 'check'], { ...process.env, NUT_CONFPATH: join(dir, 'nowhere') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('upsrules.conf: cannot open: no such file');
  });

  it('test replays an upslog recording (found by its lines, or --format upslog with --logformat) as the .seq gives it', async () => {
    // the same story as SEQ, recorded every 5 s by upslog with its default format
    const rows: Array<[number, string, string, string]> = [
      [0, '100', 'OL', '30'], [10, '100', 'OL', '42'], [15, '100', 'OL', '43'], [55, '100', 'OL', '38'],
      [75, '60', 'OB DISCHRG', '34'], [90, '45', 'OB DISCHRG', '34'], [150, '45', 'OB DISCHRG', '34'],
    ];
    const at = (s: number): string => { const d = new Date(Date.UTC(2026, 11, 6, 10, 0, s)); return `20261206 ${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}`; };
    const rec = file('dummy.log', rows.map(([s, c, st, t]) => `${at(s)} ${c} 230.0 20 [${st}] ${t} 50.0\n`).join(''));
    const r = await runHardnut(['rules', 'test', file('r.conf', RULES), rec], process.env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      `replaying ${rec} (upslog) as UPS dummy, 150s of virtual time`,
      ...REPLAYED,
    ]);
    const etime = file('e.txt', '1700000000|42\n1700000040|30\n');
    const e = await runHardnut(['rules', 'test', file('h.conf', 'RULE hot\n WHEN ups.temperature > 40\n DO notify\n'), etime, '--format', 'upslog', '--logformat', '%ETIME%|%VAR ups.temperature%', '-u', 'x'], process.env);
    expect([e.code, e.stderr]).toEqual([0, '']);
    expect(e.stdout.split('\n').slice(1).map((l) => l.trim().replace(/\s+/g, ' '))).toEqual(['0s fire hot on x: notify', '40s clear hot on x', '']);
    const bad = await runHardnut(['rules', 'test', file('h2.conf', 'RULE hot\n WHEN ups.temperature > 40\n DO notify\n'), rec, '--format', 'upslog', '--logformat', '%ETIME%|%VAR ups.temperature%'], process.env);
    expect([bad.code, bad.stderr]).toEqual([1, `${rec}:1: not a line of the upslog format: "|" expected at column 9\n`]);
    expect((await runHardnut(['rules', 'test', 'a', 'b', '--format', 'csv'], process.env)).code).toBe(2);
  });

  it('check warns of a variable no UPS has, with file:line; exit still 0', async () => {
    const r = await runHardnut(['rules', 'check', '--offline', file('typo.conf', 'RULE hot\n WHEN ups.temprature > 40\n DO notify\n')], process.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${join(dir, 'typo.conf')}:2: warning: rule 'hot' reads 'ups.temprature', which is neither one of NUT's standard variable names: the rule would never decide\n`);
  });

  it('explain prints each rule in words; a bad command line exits 2', async () => {
    const r = await runHardnut(['rules', 'explain', file('e.conf', RULES)], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rule hot (line 2), on dummy:\n  fires when ups.temperature is above 40, held for 30 s\n'
      + '  then: notify "UPS too hot"\n  clears when ups.temperature is below 35\n  then: notify "UPS cooled down"\n');
    expect((await runHardnut(['rules', 'frobnicate'], process.env)).code).toBe(2);
    expect((await runHardnut(['rules', 'test', 'only-one'], process.env)).code).toBe(2);
  });
});
