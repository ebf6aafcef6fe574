// `hardnut rules test`'s second input (issue 16): a recording made by upslog (hardnut's, or
// NUT's) turned into the timeline trace.ts replays. Sans-I/O: text and the LOGFORMAT it was
// written with in, a timeline or a file:line error out.
//
// upslog writes one line per interval from a format (NUT's clients/upslog.c; ours:
// src/clients/upslog-format.ts; both use src/protocol/upslog/format.ts, so the escapes mean the same). A
// line is read back by the same format: literals must match, each escape takes the text up to
// the next literal. So a format needs a time (%ETIME%, or %TIME …% using only the conversions in
// TIME_CONVERSIONS, with a full date and time) and a literal between any two escapes. upslog's
// default format (DEFAULT_LOGFORMAT, also NUT's) qualifies. %TIME% is read as UTC: only the
// differences between lines count, so a recording is exact unless it spans a DST change (record
// with TZ=UTC, or %ETIME%, then). A value `NA` (upslog could not read it) is unknown.
//
// Each line is a snapshot: a variable the format does not name is unknown to the rules.

import { HardnutError } from '../../core/errors.js';
import { compileFormat, DEFAULT_LOGFORMAT, MAX_LOG_LINE, type FormatItem } from '../upslog/format.js';
import { MAX_TRACE_LINES, MAX_TRACE_SECONDS, type Timeline, type TracePoint } from './trace.js';

/** Longest line read: upslog cuts its lines at this length, so a longer one is not upslog's. */
export const MAX_UPSLOG_LINE_CHARS = MAX_LOG_LINE;
/** Longest LOGFORMAT accepted (NUT's upslog keeps it in a LARGEBUF). */
export const MAX_LOGFORMAT_CHARS = 4096;
/** Escapes in one LOGFORMAT (each is one field of every line). */
export const MAX_LOGFORMAT_ITEMS = 128;
/** Digits of one time number read at most (12: epoch seconds past the year 30000; exact in a double). */
export const MAX_TIME_DIGITS = 12;
/** strftime conversions %TIME% may use in a recording read back (anything else cannot be parsed). */
export const TIME_CONVERSIONS = 'YmdHMSsTFz%';

/** A value upslog writes when it has none. */
const NO_VALUE = new Set(['NA', 'INVALID']);

type TimeField = { c: string } | { lit: string };

/** A LOGFORMAT compiled for reading: what each field of a line is. */
export interface UpslogReader {
  items: FormatItem[];
  /** The %TIME% conversions, expanded (%T → %H:%M:%S, %F → %Y-%m-%d); undefined with %ETIME%. */
  time?: TimeField[];
}

export interface UpslogTimeline extends Timeline {
  /** The first line's time, ms since the epoch (%TIME% read as UTC). */
  startMs: number;
}

function formatError(why: string): HardnutError {
  return new HardnutError('ERR_RULES_TRACE', `the upslog format cannot be read back: ${why}`);
}

function timeFields(arg: string): TimeField[] {
  const f = arg.replaceAll('@', '%').replaceAll('%T', '%H:%M:%S').replaceAll('%F', '%Y-%m-%d');
  const out: TimeField[] = [];
  for (let i = 0; i < f.length; i++) {
    const ch = f[i] as string;
    if (ch !== '%') { out.push({ lit: ch }); continue; }
    const c = f[i + 1] ?? '';
    i++;
    if (c === '' || !TIME_CONVERSIONS.includes(c)) throw formatError(`%TIME% conversion '@${c}' (only @${[...TIME_CONVERSIONS].join(' @')}; or use %ETIME%)`);
    out.push(c === '%' ? { lit: '%' } : { c });
  }
  const has = (c: string): boolean => out.some((x) => 'c' in x && x.c === c);
  if (!has('s') && !['Y', 'm', 'd', 'H', 'M', 'S'].every(has)) throw formatError('%TIME% needs @s, or all of @Y @m @d @H @M @S');
  return out;
}

/** Compiles a LOGFORMAT for reading, or says why a line of it could not be read back. */
export function upslogReader(format: string = DEFAULT_LOGFORMAT): UpslogReader {
  if (format.length > MAX_LOGFORMAT_CHARS) throw formatError(`longer than ${String(MAX_LOGFORMAT_CHARS)} characters`);
  const items = compileFormat(format);
  if (items.length > MAX_LOGFORMAT_ITEMS) throw formatError(`more than ${String(MAX_LOGFORMAT_ITEMS)} fields`);
  let time: TimeField[] | undefined;
  let timed = false;
  for (const [i, it] of items.entries()) {
    if (it.kind === 'literal') continue;
    const next = items[i + 1];
    if (next !== undefined && next.kind !== 'literal') throw formatError('two escapes with nothing between them');
    if (it.kind === 'TIME' || it.kind === 'ETIME') {
      if (timed) throw formatError('more than one time');
      timed = true;
      if (it.kind === 'TIME') time = timeFields(it.arg ?? '');
    }
  }
  if (!timed) throw formatError('no %TIME …% or %ETIME%');
  if (!items.some((it) => it.kind === 'VAR')) throw formatError('no %VAR name%');
  return time === undefined ? { items } : { items, time };
}

/** Reads `n` decimal digits (or, with `n` 0, a run of at most MAX_TIME_DIGITS) at `pos`. */
function digits(s: string, pos: number, n: number): { v: number; end: number } | undefined {
  let end = pos;
  while (end < s.length && (n === 0 ? end - pos <= MAX_TIME_DIGITS : end - pos < n) && s.charCodeAt(end) >= 0x30 && s.charCodeAt(end) <= 0x39) end++;
  if (end === pos || (n > 0 && end - pos !== n) || end - pos > MAX_TIME_DIGITS) return undefined;
  return { v: Number(s.slice(pos, end)), end };
}

/**
 * A %TIME% field read in place from `pos` (its text may hold the format's own separators, as
 * the default's space does): ms since the epoch (as UTC) and where it ends, or undefined.
 */
function parseTime(text: string, pos: number, fields: readonly TimeField[]): { ms: number; end: number } | undefined {
  const v: Record<string, number> = {};
  let offsetMin = 0;
  for (const f of fields) {
    if ('lit' in f) {
      if (text[pos] !== f.lit) return undefined;
      pos++;
      continue;
    }
    if (f.c === 'z') {
      const sign = text[pos];
      const d = digits(text, pos + 1, 4);
      if ((sign !== '+' && sign !== '-') || d === undefined) return undefined;
      offsetMin = (sign === '-' ? -1 : 1) * (Math.floor(d.v / 100) * 60 + (d.v % 100));
      pos = d.end;
      continue;
    }
    const d = digits(text, pos, f.c === 's' ? 0 : f.c === 'Y' ? 4 : 2); // @Y@m@d has no separators: widths, not runs
    if (d === undefined) return undefined;
    v[f.c] = d.v;
    pos = d.end;
  }
  if (v.s !== undefined) return { ms: v.s * 1000, end: pos };
  const [Y, m, d, H, M, S] = [v.Y ?? 0, v.m ?? 0, v.d ?? 0, v.H ?? 0, v.M ?? 0, v.S ?? 0];
  if (m < 1 || m > 12 || d < 1 || d > 31 || H > 23 || M > 59 || S > 60) return undefined;
  return { ms: Date.UTC(Y, m - 1, d, H, M, S) - offsetMin * 60_000, end: pos };
}

function etime(text: string, pos: number): { ms: number; end: number } | undefined {
  const d = digits(text, pos, 0);
  return d === undefined ? undefined : { ms: d.v * 1000, end: d.end };
}

/** One line split by the format: its time and its variables (NA left out), or why not. */
export function readUpslogLine(line: string, reader: UpslogReader): { at: number; vars: Map<string, string> } | string {
  const vars = new Map<string, string>();
  let at: number | undefined;
  let pos = 0;
  for (const [i, it] of reader.items.entries()) {
    if (it.kind === 'literal') {
      if (!line.startsWith(it.text, pos)) return `${JSON.stringify(it.text)} expected at column ${String(pos + 1)}`;
      pos += it.text.length;
      continue;
    }
    if (it.kind === 'TIME' || it.kind === 'ETIME') {
      const t = it.kind === 'TIME' ? parseTime(line, pos, reader.time ?? []) : etime(line, pos);
      if (t === undefined) return `no time matching ${it.kind === 'TIME' ? `%TIME ${it.arg ?? ''}%` : '%ETIME%'} at column ${String(pos + 1)}`;
      at = t.ms;
      pos = t.end;
      continue;
    }
    const next = reader.items[i + 1];
    const end = next?.kind === 'literal' ? line.indexOf(next.text, pos) : line.length;
    if (end < 0) return `${JSON.stringify(next?.kind === 'literal' ? next.text : '')} expected after column ${String(pos + 1)}`;
    const field = line.slice(pos, end);
    pos = end;
    if (it.kind === 'VAR' && it.arg !== undefined && !NO_VALUE.has(field)) vars.set(it.arg, field);
  }
  if (pos !== line.length) return `text after the last field at column ${String(pos + 1)}`;
  if (at === undefined) return 'no time';
  return { at, vars };
}

/** Whether `text`'s first line reads as a line of `reader`'s format (for `--format auto`). */
export function looksLikeUpslog(text: string, reader: UpslogReader): boolean {
  const nl = text.indexOf('\n');
  const raw = nl < 0 ? text : text.slice(0, nl);
  const first = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  return first.length <= MAX_UPSLOG_LINE_CHARS && typeof readUpslogLine(first, reader) !== 'string';
}

/**
 * The timeline of an upslog recording: virtual time 0 at its first line, one snapshot per line.
 * Blank lines are skipped; any other line that does not match is refused with file:line.
 */
export function upslogTimeline(text: string, file: string, reader: UpslogReader = upslogReader()): UpslogTimeline {
  const points: TracePoint[] = [];
  let start: number | undefined;
  let last = 0;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    lineNo++;
    if (lineNo > MAX_TRACE_LINES) throw new HardnutError('ERR_RULES_TRACE', `${file}: more than ${String(MAX_TRACE_LINES)} lines`);
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const from = pos;
    pos = end + 1;
    // refused by its length alone, before any of it is read
    const cr = end > from && text.charCodeAt(end - 1) === 0x0d ? 1 : 0;
    if (end - from - cr > MAX_UPSLOG_LINE_CHARS) throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(lineNo)}: line longer than ${String(MAX_UPSLOG_LINE_CHARS)} characters`);
    const line = text.slice(from, end - cr);
    if (line.trim() === '') continue;
    const r = readUpslogLine(line, reader);
    if (typeof r === 'string') throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(lineNo)}: not a line of the upslog format: ${r}`);
    start ??= r.at;
    const at = r.at - start;
    if (at < last) throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(lineNo)}: the time goes back ${String((last - at) / 1000)} s`);
    if (at > MAX_TRACE_SECONDS * 1000) throw new HardnutError('ERR_RULES_TRACE', `${file}:${String(lineNo)}: the recording spans more than ${String(MAX_TRACE_SECONDS)} s`);
    last = at;
    const prev = points[points.length - 1];
    if (prev?.at === at) points.pop(); // two lines in one second: the later one stands
    points.push({ at, vars: r.vars });
  }
  if (start === undefined) throw new HardnutError('ERR_RULES_TRACE', `${file}: no upslog lines`);
  return { points, end: last, startMs: start };
}
