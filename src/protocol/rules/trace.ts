// `hardnut rules test`'s input: a dummy-ups .seq/.dev file turned into a timeline of variable
// snapshots in virtual time, and the replay of a RuleEngine over it. Pure: the tool reads the
// file, this never touches a clock.
//
// The timeline follows dummy-ups (spec §7.2): the driver first publishes ups.mfr, ups.model and
// ups.status OL, then runs lines until `TIMER n`, which moves virtual time n seconds on. The file
// is replayed once (dummy-ups loops a .seq; a test wants one pass).

import { parseText } from '../../core/tokenizer.js';
import { HardnutError } from '../../core/errors.js';
import { RuleEngine, type RuleEvent, type UpsData } from './evaluate.js';
import type { RuleSet } from './types.js';

/** Lines of a trace followed at most (a .seq is a few hundred). */
export const MAX_TRACE_LINES = 100_000;
/** Longest virtual time a trace may span (30 days, in seconds). */
export const MAX_TRACE_SECONDS = 30 * 24 * 3600;

export interface TracePoint { at: number; vars: ReadonlyMap<string, string> }
export interface Timeline { points: TracePoint[]; end: number }

/** dummy-ups's own start values (src/driver/drivers/dummy-ups.ts INITIAL). */
const INITIAL: ReadonlyArray<[string, string]> = [['ups.mfr', 'Dummy Manufacturer'], ['ups.model', 'Dummy UPS'], ['ups.status', 'OL']];

export function seqTimeline(text: string | Uint8Array, file: string): Timeline {
  const parsed = parseText(text);
  if (parsed.lines.length > MAX_TRACE_LINES) throw new HardnutError('ERR_RULES_TRACE', `${file}: more than ${String(MAX_TRACE_LINES)} lines`);
  const vars = new Map<string, string>(INITIAL);
  let alarms: string[] = [];
  const points: TracePoint[] = [];
  let at = 0;
  const snapshot = (): void => {
    const last = points[points.length - 1];
    if (last?.at === at) points.pop();
    points.push({ at, vars: new Map(vars) });
  };
  const status = (tokens: string[]): void => {
    const t = tokens.filter((x) => x !== '' && x !== 'ALARM');
    if (alarms.length > 0) t.push('ALARM');
    vars.set('ups.status', t.join(' '));
  };
  for (const { args, line } of parsed.lines) {
    const first = args[0] as string;
    if (first.startsWith('TIMER')) { // NUT matches the first five characters
      const secs = Number.parseInt(args[1] ?? '', 10);
      if (!Number.isFinite(secs) || secs < 0) throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(line)}: TIMER needs seconds`);
      snapshot();
      at += secs * 1000;
      if (at > MAX_TRACE_SECONDS * 1000) throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(line)}: the trace spans more than ${String(MAX_TRACE_SECONDS)} s`);
      continue;
    }
    if (first === 'ALARM') {
      alarms = args.length === 1 ? [] : [...alarms, args.slice(1).join(' ')];
      if (alarms.length > 0) vars.set('ups.alarm', alarms.join(' ')); else vars.delete('ups.alarm');
      status((vars.get('ups.status') ?? '').split(' '));
      continue;
    }
    const colon = first.indexOf(':');
    const name = colon >= 0 ? first.slice(0, colon) : first;
    if (name.startsWith('driver.')) continue;
    const value = args.slice(1).join(' ');
    if (name === 'ups.status') status(value.split(' '));
    else if (value === '') vars.delete(name);
    else vars.set(name, value);
  }
  snapshot();
  return { points, end: at };
}

/**
 * Replays `timeline` as the data of UPS `ups`: a step at every change of data and at every
 * deadline the engine asks for, up to the end of the trace. Returns every event, in time order.
 */
export function replay(ruleSet: RuleSet, timeline: Timeline, ups: string): RuleEvent[] {
  const engine = new RuleEngine(ruleSet, [ups]);
  const events: RuleEvent[] = [];
  const data = new Map<string, UpsData>();
  const stepTo = (limit: number, inclusive: boolean): void => {
    // deadlines before the next data point, each a step on the data of the moment
    for (;;) {
      const d = engine.nextDeadline();
      if (d === undefined || d > limit || (!inclusive && d === limit)) return;
      events.push(...engine.step(d, data));
    }
  };
  for (const p of timeline.points) {
    stepTo(p.at, false);
    data.set(ups, { vars: p.vars });
    events.push(...engine.step(p.at, data));
  }
  stepTo(timeline.end, true);
  return events;
}
