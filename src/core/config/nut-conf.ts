// nut.conf reader (spec §4.6). Pure: bytes in, typed value and diagnostics out.
// Unlike every other NUT file this one is sourced by /bin/sh (init scripts, systemd wrappers), so
// it is shell syntax: KEY=value, no spaces around '=', quotes as in sh. We read the subset that is
// a plain assignment and refuse what the shell would run as a command.

import { DiagnosticList, parseBoolean, parseCount, closest } from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';

export const NUT_MODES = ['none', 'standalone', 'netserver', 'netclient'] as const;
export type NutMode = (typeof NUT_MODES)[number];

export interface NutConfEntry { key: string; value: string; line: number }

export interface NutConf {
  /** Default none: the init scripts start nothing. */
  mode: NutMode;
  /** Line of the MODE assignment, 0 when it is absent. */
  modeLine: number;
  /** Every assignment in file order (known or not). */
  entries: NutConfEntry[];
  /** Last value of each key. */
  vars: Record<string, string>;
  allowNoDevice?: boolean;
  allowNotAllListeners?: boolean;
  upsdOptions?: string;
  upsmonOptions?: string;
  /** A sleep(1) duration, e.g. 15 or 2m. */
  poweroffWait?: string;
  poweroffQuiet?: boolean;
  debugLevel?: number;
}

export const NUT_CONF_KEYS = [
  'MODE', 'ALLOW_NO_DEVICE', 'ALLOW_NOT_ALL_LISTENERS', 'UPSD_OPTIONS', 'UPSMON_OPTIONS',
  'POWEROFF_WAIT', 'POWEROFF_QUIET', 'NUT_DEBUG_LEVEL', 'NUT_DEBUG_PID', 'NUT_DEBUG_PROCNAME',
  'NUT_DEBUG_SYSLOG', 'NUT_IGNORE_CHECKPROCNAME', 'NUT_QUIET_INIT_UPSNOTIFY',
] as const;

type ShellValue = { value: string; expands: boolean } | { error: string; hint: string };

/** One shell word starting at `text` (the part after '='), then only a comment may follow. */
function shellWord(text: string): ShellValue {
  let out = '';
  let expands = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') break;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote', hint: "close the quote on the same line: KEY='value'" };
      out += text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '"') { closed = true; i++; break; }
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          out += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '$' || d === '`') expands = true;
        out += d;
        i++;
      }
      if (!closed) return { error: 'unterminated double quote', hint: 'close the quote on the same line: KEY="value"' };
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= text.length) return { error: 'a backslash at the end of the line continues it in the shell', hint: 'keep each assignment on one line' };
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '$' || c === '`') expands = true;
    if (';|&<>()'.includes(c)) {
      return { error: `unquoted shell metacharacter '${c}' in the value`, hint: 'quote the value: KEY="value"' };
    }
    out += c;
    i++;
  }
  const rest = text.slice(i).trimStart();
  if (rest !== '' && !rest.startsWith('#')) {
    return { error: 'the value has unquoted spaces: the shell would run the rest of the line as a command', hint: 'quote the value: KEY="value with spaces"' };
  }
  return { value: out, expands };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function parseNutConf(input: Uint8Array | string, file: string): ConfigResult<NutConf> {
  const diags = new DiagnosticList(file);
  const text = typeof input === 'string' ? input : decoder.decode(input);
  const conf: NutConf = { mode: 'none', modeLine: 0, entries: [], vars: {} };
  const firstLine = new Map<string, number>();
  let warnedCr = false;
  /** A MODE line was seen, even a broken one (then its error says enough). */
  let modeMentioned = false;

  const physical = text.split('\n');
  for (let idx = 0; idx < physical.length; idx++) {
    const line = idx + 1;
    let raw = physical[idx] as string;
    if (raw.endsWith('\r')) {
      raw = raw.slice(0, -1);
      if (!warnedCr) {
        warnedCr = true;
        diags.warning(line, 'Windows (CRLF) line endings: the shell keeps the CR in every value', 'convert the file to Unix line endings (dos2unix)');
      }
    }
    let s = raw.trimStart();
    if (s === '' || s.startsWith('#')) continue;
    if (s.startsWith('export ')) s = s.slice(7).trimStart();

    if (/^MODE\b/.test(s)) modeMentioned = true;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)([ \t]*)=([ \t]*)(.*)$/.exec(s);
    if (!m) {
      const named = /^([A-Za-z_][A-Za-z0-9_]*)\b/.exec(s)?.[1];
      diags.error(line, 'not a KEY=value assignment: the shell would run this line as a command',
        named && (NUT_CONF_KEYS as readonly string[]).includes(named) ? `write ${named}=value` : 'write KEY=value, or start the line with # to comment it out');
      continue;
    }
    const key = m[1] as string;
    if ((m[2] as string) !== '' || (m[3] as string) !== '') {
      diags.error(line, `spaces around '=' in ${key}: in shell syntax this is a command, not an assignment`,
        `write ${key}=value with no spaces around '='`);
      continue;
    }
    const word = shellWord(m[4] as string);
    if ('error' in word) {
      diags.error(line, `${key}: ${word.error}`, word.hint);
      continue;
    }
    if (word.expands) {
      diags.warning(line, `${key}: $ or \` in the value is expanded by the shell but taken literally by hardnut`,
        "write the value out in full, or put it in single quotes if the $ is meant literally");
    }
    const value = word.value;
    const prior = firstLine.get(key);
    if (prior !== undefined) {
      diags.warning(line, `${key} is set again (first at line ${String(prior)}); the last value wins`, 'remove one of them');
    } else {
      firstLine.set(key, line);
    }
    conf.entries.push({ key, value, line });
    conf.vars[key] = value;
    apply(key, value, line);
  }

  if (!modeMentioned) {
    diags.warning(0, 'MODE is not set: it defaults to none and the init scripts start nothing',
      `add MODE=standalone (UPS attached here, local use), netserver (also serves others), or netclient (monitors a remote upsd)`);
  }
  return { value: conf, diagnostics: diags.sorted() };

  function apply(key: string, value: string, line: number): void {
    switch (key) {
      case 'MODE': {
        const mode = NUT_MODES.find((x) => x === value);
        if (!mode) {
          diags.error(line, 'MODE must be none, standalone, netserver or netclient',
            `write MODE=${NUT_MODES.find((x) => x === value.toLowerCase()) ?? 'standalone'} (lower case)`);
          return;
        }
        conf.mode = mode;
        conf.modeLine = line;
        return;
      }
      case 'ALLOW_NO_DEVICE':
      case 'ALLOW_NOT_ALL_LISTENERS': {
        const b = /^\d/.test(value) ? Number.parseInt(value, 10) !== 0 : parseBoolean(value);
        if (b === undefined) {
          diags.warning(line, `${key} is not a boolean`, `write ${key}=true (or false)`);
          return;
        }
        if (key === 'ALLOW_NO_DEVICE') conf.allowNoDevice = b;
        else conf.allowNotAllListeners = b;
        return;
      }
      case 'UPSD_OPTIONS': conf.upsdOptions = value; return;
      case 'UPSMON_OPTIONS': conf.upsmonOptions = value; return;
      case 'POWEROFF_WAIT':
        if (!/^\d+(\.\d+)?[smhd]?$/.test(value)) {
          diags.warning(line, 'POWEROFF_WAIT is not a sleep duration', 'write POWEROFF_WAIT=15m (a number, optionally followed by s, m, h or d)');
          return;
        }
        conf.poweroffWait = value;
        return;
      case 'POWEROFF_QUIET':
        if (value !== 'true' && value !== 'false') {
          diags.warning(line, 'POWEROFF_QUIET is not true or false', 'write POWEROFF_QUIET=true');
          return;
        }
        conf.poweroffQuiet = value === 'true';
        return;
      case 'NUT_DEBUG_LEVEL': {
        const n = parseCount(value);
        if (n === undefined) {
          diags.warning(line, 'NUT_DEBUG_LEVEL is not a whole number (0 or more)', 'write NUT_DEBUG_LEVEL=1');
          return;
        }
        conf.debugLevel = n;
        return;
      }
      default:
        if ((NUT_CONF_KEYS as readonly string[]).includes(key)) return;
        {
          const guess = closest(key, NUT_CONF_KEYS);
          diags.warning(line, `${key} is not a nut.conf setting; NUT's scripts ignore it`,
            guess ? `did you mean ${guess}?` : `settings are ${NUT_CONF_KEYS.join(', ')}`);
        }
    }
  }
}
