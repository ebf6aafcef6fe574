// `hardnut rules test` on an upslog recording (issue 16): the lines upslog writes with its
// default format (NUT's and hardnut's), with %ETIME%, or with a -N prefix, read back as a
// timeline; a line that is not upslog's is refused with file:line; a format that cannot be read
// back is refused with the reason; the replay fires where the recording says it should.
import { describe, it, expect } from 'vitest';
import { HardnutError } from '../../../src/core/errors.js';
import {
  parseRules, replay, upslogReader, upslogTimeline, looksLikeUpslog, MAX_UPSLOG_LINE_CHARS, type RuleSet,
} from '../../../src/protocol/rules/index.js';

// upslog's default format: time, battery.charge, input.voltage, ups.load, [ups.status], ups.temperature, input.frequency
const DEFAULT_REC = [
  '20261206 235950 100 230.0 20 [OL] 30.0 50.0',
  '20261206 235955 100 230.0 20 [OL] 45.0 50.0',
  '20261207 000000 90 0.0 21 [OB DISCHRG] 45.5 0.0',
  '20261207 000005 NA NA NA [NA] NA NA',
  '20261207 000010 40 0.0 22 [OB DISCHRG LB] 33.0 0.0',
  '',
].join('\n');

function err(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof HardnutError) return e.message; throw e; }
  throw new Error('not refused');
}

describe('upslog recordings as traces', () => {
  it('reads upslog\'s default format: times from the first line (across midnight), values, NA as unknown', () => {
    const tl = upslogTimeline(DEFAULT_REC, 'rec.log');
    expect(tl.points.map((p) => p.at)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(tl.end).toBe(20_000);
    expect(tl.startMs).toBe(Date.UTC(2026, 11, 6, 23, 59, 50));
    expect(Object.fromEntries(tl.points[2]?.vars ?? [])).toEqual({
      'battery.charge': '90', 'input.voltage': '0.0', 'ups.load': '21', 'ups.status': 'OB DISCHRG', 'ups.temperature': '45.5', 'input.frequency': '0.0',
    });
    expect(tl.points[3]?.vars.size).toBe(0);
  });

  it('reads %ETIME%, %TIME @F @T%, a -N prefix and CRLF', () => {
    const e = upslogTimeline('1700000000 OL;100\n1700000030 OB;80\n', 'e.log', upslogReader('%ETIME% %VAR ups.status%;%VAR battery.charge%'));
    expect(e.points.map((p) => [p.at, p.vars.get('ups.status'), p.vars.get('battery.charge')])).toEqual([[0, 'OL', '100'], [30_000, 'OB', '80']]);
    expect(e.startMs).toBe(1_700_000_000_000);
    const f = upslogTimeline('2026-12-06 10:00:00 t=30\r\n2026-12-06 10:01:00 t=41\r\n', 'f.log', upslogReader('%TIME @F @T% t=%VAR ups.temperature%'));
    expect(f.points.map((p) => [p.at, p.vars.get('ups.temperature')])).toEqual([[0, '30'], [60_000, '41']]);
    const n = upslogTimeline('myups@localhost\t20261206 100000 100 230.0 20 [OL] 30.0 50.0\n', 'n.log', upslogReader('%UPSHOST%%t%TIME @Y@m@d @H@M@S% %VAR battery.charge% %VAR input.voltage% %VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% %VAR input.frequency%'));
    expect(n.points[0]?.vars.get('ups.status')).toBe('OL');
  });

  it('refuses what is not a recording with file:line, and formats it cannot read back with the reason', () => {
    expect(err(() => upslogTimeline('20261206 100000 100 230.0 20 [OL] 30.0 50.0\nups.temperature: 40\n', 'x.log'))).toMatch(/^x\.log:2: not a line of the upslog format: /);
    expect(err(() => upslogTimeline('20261206 100010 1 2 3 [OL] 4 5\n20261206 100000 1 2 3 [OL] 4 5\n', 'b.log'))).toBe('b.log:2: the time goes back 10 s');
    expect(err(() => upslogTimeline(`20261206 100000 1 2 3 [OL] 4 ${'5'.repeat(MAX_UPSLOG_LINE_CHARS)}\n`, 'l.log'))).toBe(`l.log:1: line longer than ${String(MAX_UPSLOG_LINE_CHARS)} characters`);
    expect(err(() => upslogTimeline('\n\n', 'empty.log'))).toBe('empty.log: no upslog lines');
    expect(err(() => upslogReader('%VAR ups.status%'))).toContain('no %TIME …% or %ETIME%');
    expect(err(() => upslogReader('%TIME @H:@M% %VAR ups.status%'))).toContain('needs @s, or all of @Y @m @d @H @M @S');
    expect(err(() => upslogReader('%TIME @b @d @Y @H@M@S% %VAR ups.status%'))).toContain("conversion '@b'");
    expect(err(() => upslogReader('%ETIME% %VAR ups.status%%VAR ups.load%'))).toContain('two escapes with nothing between them');
  });

  it('auto-detection: an upslog line is seen as one, a .seq line is not', () => {
    const r = upslogReader();
    expect(looksLikeUpslog(DEFAULT_REC, r)).toBe(true);
    expect(looksLikeUpslog('ups.temperature: 30\nTIMER 5\n', r)).toBe(false);
  });

  it('replays a recording: the rule fires and clears at the recorded times', () => {
    const set = parseRules('RULE hot\n WHEN ups.temperature > 40\n FOR 5\n CLEAR ups.temperature < 35\n DO notify\n'
      + 'RULE low\n WHEN ups.status has OB and battery.charge < 50\n DO shutdown\n', 'r').ruleSet as RuleSet;
    const ev = replay(set, upslogTimeline(DEFAULT_REC, 'rec.log'), 'u').map((e) => `${String(e.at / 1000)} ${e.kind}${'rule' in e ? ` ${e.rule}` : ''}`);
    // hot from 5 s, held 5 s: fires at 10 s; NA at 15 s is unknown (no clear); 33 °C at 20 s clears
    expect(ev.filter((e) => !e.includes('unknown'))).toEqual(['5 pending hot', '10 fire hot', '20 clear hot', '20 fire low']);
    expect(ev).toContain('15 unknown hot');
  });
});
