// upslog's format strings (NUT's clients/upslog.c compile_format/run_flist), compiled once and
// rendered for every line: %% %t %HOST% %UPSHOST% %PID% %TIME fmt% %VAR name% %ETIME%.
// Quirks kept on purpose, because log parsers have seen them for years: escapes match by
// prefix, case-insensitively (%TIMEX @H% is %TIME%); an unknown escape prints INVALID; a '%'
// without its closing '%' prints INVALID and the rest of the string is copied as text.
import { strftime } from './strftime.js';

export const DEFAULT_LOGFORMAT = '%TIME @Y@m@d @H@M@S% %VAR battery.charge% '
  + '%VAR input.voltage% %VAR ups.load% [%VAR ups.status%] '
  + '%VAR ups.temperature% %VAR input.frequency%';

/** NUT's LARGEBUF log line buffer: a line is cut at 4095 characters. */
export const MAX_LOG_LINE = 4095;
/** NUT's SMALLBUF for one %TIME% expansion: longer results are empty (strftime returns 0). */
const MAX_TIME_TEXT = 511;

export type FormatItem =
  | { kind: 'literal'; text: string }
  | { kind: 'HOST' | 'UPSHOST' | 'PID' | 'TIME' | 'VAR' | 'ETIME'; arg: string | undefined };

/** In NUT's table order: the first whose name is a prefix of the escape wins. */
const ESCAPES = ['HOST', 'UPSHOST', 'PID', 'TIME', 'VAR', 'ETIME'] as const;

export function compileFormat(format: string): FormatItem[] {
  const items: FormatItem[] = [];
  const literal = (text: string): void => {
    const last = items[items.length - 1];
    if (last?.kind === 'literal') last.text += text; else items.push({ kind: 'literal', text });
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c !== '%') { literal(c); continue; }
    if (format[i + 1] === '%') { literal('%'); i++; continue; }
    if (format[i + 1] === 't') { literal('\t'); i++; continue; }
    const rest = format.slice(i + 1);
    const end = rest.indexOf('%');
    if (end < 0) { literal('INVALID'); continue; }
    const cmd = rest.slice(0, end);
    const sp = cmd.indexOf(' ');
    const name = sp < 0 ? cmd : cmd.slice(0, sp);
    const arg = sp < 0 ? undefined : cmd.slice(sp + 1);
    const found = ESCAPES.find((e) => name.toUpperCase().startsWith(e));
    if (found) items.push({ kind: found, arg }); else literal('INVALID');
    i += cmd.length + 1;
  }
  return items;
}

export interface RenderContext {
  hostname: string;
  /** The UPS as given on the command line (upsname@host:port). */
  upsHost: string;
  /** Empty when the spec has no UPS name (then %VAR% is INVALID). */
  upsName: string;
  pid: number;
  now: Date;
  /** The value, or undefined for NUT's "NA" (no connection, ERR reply…). */
  getVar(name: string): Promise<string | undefined>;
}

export async function renderFormat(items: readonly FormatItem[], ctx: RenderContext): Promise<string> {
  let line = '';
  for (const it of items) {
    switch (it.kind) {
      case 'literal': line += it.text; break;
      case 'HOST': line += ctx.hostname; break;
      case 'UPSHOST': line += ctx.upsHost; break;
      case 'PID': line += String(ctx.pid); break;
      case 'ETIME': line += String(Math.floor(ctx.now.getTime() / 1000)); break;
      case 'TIME': {
        const text = strftime((it.arg ?? '').replaceAll('@', '%'), ctx.now);
        line += text.length > MAX_TIME_TEXT ? '' : text;
        break;
      }
      case 'VAR': {
        const name = it.arg;
        if (name === undefined || name === '' || !name.includes('.') || ctx.upsName === '') { line += 'INVALID'; break; }
        line += (await ctx.getVar(name)) ?? 'NA';
        break;
      }
    }
    if (line.length >= MAX_LOG_LINE) return line.slice(0, MAX_LOG_LINE);
  }
  return line;
}
