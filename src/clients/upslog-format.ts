// upslog's format strings (NUT's clients/upslog.c run_flist), rendered for every line:
// %% %t %HOST% %UPSHOST% %PID% %TIME fmt% %VAR name% %ETIME%. The compiler and its quirks are in
// src/protocol/upslog/format.ts (`hardnut rules test` reads recordings back with it).
import { strftime } from './strftime.js';
import { MAX_LOG_LINE, type FormatItem } from '../protocol/upslog/format.js';

export { compileFormat, DEFAULT_LOGFORMAT, MAX_LOG_LINE, type FormatItem } from '../protocol/upslog/format.js';

/** NUT's SMALLBUF for one %TIME% expansion: longer results are empty (strftime returns 0). */
const MAX_TIME_TEXT = 511;

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
