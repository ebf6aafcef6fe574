// upslog's format strings (NUT's clients/upslog.c compile_format), compiled: shared by upslog,
// which renders them (src/clients/upslog-format.ts), and `hardnut rules test`, which reads
// recordings back with them (src/protocol/rules/upslog-trace.ts). Pure.
// Quirks kept on purpose, because log parsers have seen them for years: escapes match by
// prefix, case-insensitively (%TIMEX @H% is %TIME%); an unknown escape prints INVALID; a '%'
// without its closing '%' prints INVALID and the rest of the string is copied as text.

export const DEFAULT_LOGFORMAT = '%TIME @Y@m@d @H@M@S% %VAR battery.charge% '
  + '%VAR input.voltage% %VAR ups.load% [%VAR ups.status%] '
  + '%VAR ups.temperature% %VAR input.frequency%';

/** NUT's LARGEBUF log line buffer: a line is cut at 4095 characters. */
export const MAX_LOG_LINE = 4095;

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
