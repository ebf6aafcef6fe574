// Fuzz target "upslog-trace": `hardnut rules test`'s reader of upslog recordings
// (src/protocol/rules/upslog-trace.ts, issue 16). Oracles, apart from the reader's code:
// - lines written by hardnut's own upslog renderer (the default format, %ETIME%, and a -N style
//   prefix) with random values (numbers, status words with spaces, NA) at random increasing times
//   read back as what was written: the same values, NA unknown, times as the local clock showed
//   them (the renderer writes local time, the reader takes it as UTC: only differences count);
// - any bytes (mutated recordings): the reader returns a timeline or an ERR_RULES_TRACE error
//   naming file:line inside the file; an accepted timeline starts at 0 and never goes back;
// - lines around upslog's 4095-character limit: refused exactly past it;
// - any format string: upslogReader returns or refuses with ERR_RULES_TRACE, nothing else.
import { describe } from 'vitest';
import fc from 'fast-check';
import { ensure, fuzz as fuzzTarget, fuzzAsync as fuzzTargetAsync, latin1, lineCount } from './harness.js';
import { mutated } from './mutate.js';
import { HardnutError } from '../../src/core/errors.js';
import { upslogReader, upslogTimeline, type UpslogReader } from '../../src/protocol/rules/index.js';
import { compileFormat, DEFAULT_LOGFORMAT, renderFormat } from '../../src/clients/upslog-format.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('upslog-trace', name, arb, predicate);

/** upslog's documented line limit (NUT's LARGEBUF - 1). */
const DOC_LINE = 4095;

const VARS = ['battery.charge', 'input.voltage', 'ups.load', 'ups.status', 'ups.temperature', 'input.frequency'];
const FORMATS = [DEFAULT_LOGFORMAT, '%ETIME% %VAR ups.status%;%VAR battery.charge%', `%UPSHOST%%t${DEFAULT_LOGFORMAT}`, '%TIME @F @T% t=%VAR ups.temperature%'];

const value = (name: string): fc.Arbitrary<string | undefined> => (name === 'ups.status'
  ? fc.option(fc.subarray(['OL', 'OB', 'LB', 'CHRG', 'DISCHRG'], { minLength: 1 }).map((w) => w.join(' ')), { nil: undefined })
  : fc.option(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.double({ min: -50, max: 300, noNaN: true }).map((n) => n.toFixed(1))), { nil: undefined }));

const recording = fc.tuple(
  fc.constantFrom(...FORMATS),
  fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2037, 0, 1) }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 120_000 }), fc.tuple(...VARS.map(value))), { minLength: 1, maxLength: 20 }),
);

/** What the renderer wrote, and what each line must read back as. */
async function render(format: string, start: number, rows: Array<[number, Array<string | undefined>]>): Promise<{ text: string; want: Array<{ t: number; vars: Map<string, string> }> }> {
  const items = compileFormat(format);
  const lines: string[] = [];
  const want: Array<{ t: number; vars: Map<string, string> }> = [];
  let ms = start;
  for (const [dt, vals] of rows) {
    ms += dt;
    const now = new Date(ms);
    const named = new Map(VARS.map((v, i) => [v, vals[i]]));
    lines.push(await renderFormat(items, { hostname: 'h', upsHost: 'u@localhost', upsName: 'u', pid: 1, now, getVar: async (n) => Promise.resolve(named.get(n)) }));
    const inFormat = new Map<string, string>();
    for (const it of items) if (it.kind === 'VAR' && it.arg !== undefined && named.get(it.arg) !== undefined) inFormat.set(it.arg, named.get(it.arg) as string);
    // the wall clock as the line shows it, to the second
    const t = format.includes('%ETIME%') ? Math.floor(ms / 1000) * 1000
      : Date.UTC(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds());
    want.push({ t, vars: inFormat });
  }
  return { text: `${lines.join('\n')}\n`, want };
}

function readChecked(text: string, reader: UpslogReader = upslogReader()): ReturnType<typeof upslogTimeline> | undefined {
  const lines = lineCount(latin1(text));
  try {
    const tl = upslogTimeline(text, 'rec.log', reader);
    ensure(tl.points[0]?.at === 0, () => 'the first point is not at 0');
    for (let i = 1; i < tl.points.length; i++) ensure((tl.points[i]?.at ?? 0) > (tl.points[i - 1]?.at ?? 0), () => 'time does not move on');
    ensure(tl.end === tl.points[tl.points.length - 1]?.at, () => 'end is not the last point');
    for (const l of text.split('\n')) ensure(l.replace(/\r$/, '').length <= DOC_LINE || l.trim() === '', () => `accepted a line of ${String(l.length)} characters`);
    return tl;
  } catch (e) {
    if (!(e instanceof HardnutError) || e.code !== 'ERR_RULES_TRACE') throw e;
    const m = /^rec\.log(?::(\d+))?: /.exec(e.message);
    ensure(m !== null, () => `an error not naming the file: ${e.message.slice(0, 200)}`);
    const n = m?.[1];
    if (n !== undefined) ensure(Number(n) >= 1 && Number(n) <= lines, () => `an error at line ${n} of ${String(lines)}`);
    return undefined;
  }
}

const SEED = '20261206 170000 100 230.0 20 [OL] 25.0 50.0\n20261206 170030 NA NA NA [NA] NA NA\n'
  + '20261206 170100 80 0.0 21 [OB DISCHRG] 26.5 0.0\n20261206 170130 40 0.0 22 [OB DISCHRG LB] 27.0 0.0\n';

describe('upslog-trace', () => {
  fuzzTargetAsync('upslog-trace', 'what hardnut\'s upslog writes reads back as written', recording, async ([format, start, rows]) => {
    const { text, want } = await render(format, start, rows);
    // a DST change turns the local clock back: such a recording is documented as not exact
    if (want.some((w, i) => i > 0 && w.t < (want[i - 1]?.t ?? 0))) return;
    const tl = readChecked(text, upslogReader(format));
    ensure(tl !== undefined, () => `refused its own recording:\n${text.slice(0, 500)}`);
    const t0 = want[0]?.t ?? 0;
    // lines in the same second: the later one stands
    const kept = want.filter((w, i) => want[i + 1]?.t !== w.t);
    ensure(tl?.points.length === kept.length, () => `${String(tl?.points.length)} points for ${String(kept.length)} seconds`);
    for (const [i, w] of kept.entries()) {
      const p = tl?.points[i];
      ensure(p?.at === w.t - t0, () => `line ${String(i + 1)}: at ${String(p?.at)}, written ${String(w.t - t0)}`);
      ensure(JSON.stringify([...(p?.vars ?? [])].sort()) === JSON.stringify([...w.vars].sort()),
        () => `line ${String(i + 1)}: read ${JSON.stringify([...(p?.vars ?? [])])}, written ${JSON.stringify([...w.vars])}`);
    }
  });

  fuzz('mutated recordings: a timeline from 0 on, or ERR_RULES_TRACE at file:line inside the file',
    mutated([{ name: 'default', data: latin1(SEED) }]), (b) => { readChecked(String.fromCharCode(...b)); });

  fuzz('lines at upslog\'s 4095-character limit: refused exactly past it', fc.integer({ min: DOC_LINE - 3, max: DOC_LINE + 3 }), (len) => {
    const head = '20261206 170000 100 230.0 20 [OL] 25.0 ';
    const line = head + '5'.repeat(Math.max(1, len - head.length));
    const tl = readChecked(`${line}\n`);
    ensure((tl !== undefined) === (line.length <= DOC_LINE), () => `a ${String(line.length)}-character line: accepted ${String(tl !== undefined)}`);
  });

  fuzz('any format string: read back or refused with ERR_RULES_TRACE', fc.string({ maxLength: 200 }).map((s) => s.replaceAll('#', '%')), (f) => {
    try { upslogReader(f); } catch (e) {
      if (!(e instanceof HardnutError) || e.code !== 'ERR_RULES_TRACE') throw e;
    }
  });
});
