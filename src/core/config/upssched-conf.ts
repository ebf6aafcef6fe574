// upssched.conf reader (spec §4.5). Pure: bytes in, typed value and diagnostics out.
// NUT reads this file on every notification and acts on each AT line as it goes, so CMDSCRIPT,
// PIPEFN and LOCKFN must come before the first AT (fatal otherwise).

import {
  DiagnosticList, tokenizeConfig, parseCount, directiveLabel, closest,
} from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';
import { NOTIFY_TYPES, notifyTypeOf } from './upsmon-conf.js';
import { commandLine } from './command-line.js';

interface AtBase {
  /** Upper-cased when it is a known type (matching is case-insensitive), else as written. */
  notifyType: string;
  /** Exact, case-sensitive, or `*` for every UPS. */
  upsName: string;
  line: number;
}
export type AtEntry = AtBase & (
  | { action: 'START-TIMER' | 'START-TIMER-SHARED'; timer: string; seconds: number }
  | { action: 'CANCEL-TIMER'; timer: string; command?: string }
  | { action: 'CANCEL-TIMER-MATCHED'; timer: string }
  | { action: 'EXECUTE'; command: string }
);

export interface UpsschedConf {
  /** Program and leading arguments; the timer or command name is appended when it runs. */
  cmdScript?: string[];
  pipeFn?: string;
  lockFn?: string;
  debugMin?: number;
  at: AtEntry[];
}

export const AT_ACTIONS = ['START-TIMER', 'START-TIMER-SHARED', 'CANCEL-TIMER', 'CANCEL-TIMER-MATCHED', 'EXECUTE'] as const;
const DIRECTIVES = ['CMDSCRIPT', 'PIPEFN', 'LOCKFN', 'DEBUG_MIN', 'AT'];
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH = 107;

export function parseUpsschedConf(input: Uint8Array | string, file: string): ConfigResult<UpsschedConf> {
  const diags = new DiagnosticList(file);
  const lines = tokenizeConfig(input, diags);
  const conf: UpsschedConf = { at: [] };
  const reportedMissing = new Set<string>();

  for (const { args, line } of lines) {
    const key = args[0] as string;
    const n = args.length;
    const arg1 = args[1];

    if (key.toUpperCase() === 'DEBUG_MIN') {
      const v = arg1 === undefined ? undefined : parseCount(arg1);
      if (v === undefined) diags.warning(line, 'DEBUG_MIN is not a whole number (0 or more); NUT ignores it', 'write DEBUG_MIN 1');
      else conf.debugMin = v;
      continue;
    }

    switch (key) {
      case 'CMDSCRIPT':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, '/usr/local/bin/upssched-cmd'); break; }
        if (args.length === 2) {
          // NUT's form, one word: a shell line (src/core/config/command-line.ts says how it runs)
          const c = commandLine(arg1);
          if (c.ok) conf.cmdScript = c.argv;
          else diags.error(line, `CMDSCRIPT: ${c.message}`, c.hint);
          break;
        }
        if (arg1.includes(' ')) {
          diags.warning(line, 'the CMDSCRIPT program name contains a space; with arguments as further words it is run directly, not through a shell',
            'give the program and each argument as separate words: CMDSCRIPT /path/prog "arg 1" arg2');
        }
        conf.cmdScript = args.slice(1);
        break;
      case 'PIPEFN':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, '/run/nut/upssched/upssched.pipe'); break; }
        // The tokenizer keeps only ASCII (§1.1), so characters are bytes.
        if (arg1.length > MAX_SOCKET_PATH) {
          diags.error(line, `PIPEFN is longer than ${String(MAX_SOCKET_PATH)} bytes, too long for a Unix socket path`,
            'choose a shorter path, e.g. /run/nut/upssched/upssched.pipe');
          break;
        }
        conf.pipeFn = arg1;
        extra(line, key, n, 2);
        break;
      case 'LOCKFN':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, '/run/nut/upssched/upssched.lock'); break; }
        conf.lockFn = arg1;
        extra(line, key, n, 2);
        break;
      case 'AT':
        at(args, line);
        break;
      default: {
        const name = directiveLabel(key, DIRECTIVES, new Set());
        const label = name ? ` ${name}` : '';
        const guess = name ? closest(name, DIRECTIVES) : undefined;
        diags.warning(line, `invalid directive${label}; NUT ignores it`,
          guess ? `did you mean ${guess}? (directive names are case-sensitive)` : `directives are ${DIRECTIVES.join(', ')}`);
      }
    }
  }
  return { value: conf, diagnostics: diags.sorted() };

  function at(args: string[], line: number): void {
    const n = args.length;
    if (n < 5) {
      diags.warning(line, `invalid directive: AT needs at least 5 words, found ${String(n)}; NUT ignores it`,
        'write AT <notify type> <ups name or *> START-TIMER <timer> <seconds>');
      return;
    }
    // NUT checks these when it reaches the AT line, and exits (§4.5).
    for (const [dir, has] of [['CMDSCRIPT', conf.cmdScript !== undefined], ['PIPEFN', conf.pipeFn !== undefined], ['LOCKFN', conf.lockFn !== undefined]] as const) {
      if (!has && !reportedMissing.has(dir)) {
        reportedMissing.add(dir);
        diags.error(line, `${dir} must be set before any AT line; upssched exits here`, `move the ${dir} line above the first AT line`);
      }
    }
    const [, typeWord, upsName, action, a1, a2] = args as [string, string, string, string, string, string | undefined];
    const type = notifyTypeOf(typeWord);
    if (!type) {
      const guess = closest(typeWord, NOTIFY_TYPES);
      diags.warning(line, `AT: ${/^[A-Za-z_]{1,32}$/.test(typeWord) ? `'${typeWord}'` : 'the second word'} is not a notify type, so this line never fires`,
        guess ? `did you mean ${guess}?` : `types are ${NOTIFY_TYPES.join(' ')}`);
    }
    const base: AtBase = { notifyType: type ?? typeWord, upsName, line };
    const used = (k: number): void => {
      if (n > k) diags.warning(line, `extra words after AT … ${action} are ignored`, 'quote arguments that contain spaces');
    };
    switch (action) {
      case 'START-TIMER':
      case 'START-TIMER-SHARED': {
        const seconds = a2 === undefined ? undefined : parseCount(a2);
        if (seconds === undefined) {
          diags.error(line, `AT … ${action} needs a timer name and a whole number of seconds`,
            `write AT ${type ?? 'ONBATT'} ${upsName} ${action} <timer name> 30`);
          return;
        }
        used(6);
        conf.at.push({ ...base, action, timer: a1, seconds });
        return;
      }
      case 'CANCEL-TIMER':
        used(6);
        conf.at.push(a2 === undefined ? { ...base, action, timer: a1 } : { ...base, action, timer: a1, command: a2 });
        return;
      case 'CANCEL-TIMER-MATCHED':
        diags.warning(line, "CANCEL-TIMER-MATCHED is documented by NUT but NUT 2.8's upssched client rejects it ('Invalid command')",
          'hardnut honours it; use CANCEL-TIMER if this file is also used with NUT');
        used(5);
        conf.at.push({ ...base, action, timer: a1 });
        return;
      case 'EXECUTE':
        if (a1 === '') {
          diags.error(line, 'AT … EXECUTE has an empty command', `write AT ${type ?? 'ONBATT'} ${upsName} EXECUTE <command name>`);
          return;
        }
        used(5);
        conf.at.push({ ...base, action, command: a1 });
        return;
      default: {
        const guess = closest(action, AT_ACTIONS);
        diags.warning(line, `AT: ${/^[A-Za-z_-]{1,32}$/.test(action) ? `'${action}'` : 'the fourth word'} is not an AT command; NUT logs "Invalid command" when it fires`,
          guess ? `did you mean ${guess}? (upper case)` : `commands are ${AT_ACTIONS.join(', ')}`);
      }
    }
  }

  function needsValue(line: number, key: string, example: string): void {
    diags.warning(line, `invalid directive: ${key} needs a value; NUT ignores it`, `write ${key} ${example}`);
  }
  function extra(line: number, key: string, n: number, used: number): void {
    if (n > used) diags.warning(line, `extra words after ${key} are ignored`, 'quote values that contain spaces');
  }
}
