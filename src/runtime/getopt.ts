// POSIX getopt, as NUT's tools use it: clustered flags (-DDD), values attached or separate
// (-aups1, -a ups1), stop at the first non-option or at "--".
import { UsageError } from '../core/errors.js';

export interface Option { flag: string; value?: string }
export interface ParsedArgs { options: Option[]; operands: string[] }

/** `spec` is getopt's optstring: a letter, followed by ':' when it takes a value. */
export function getopt(argv: readonly string[], spec: string): ParsedArgs {
  const takesValue = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i] as string;
    if (ch === ':' || ch === '+') continue;
    takesValue.set(ch, spec[i + 1] === ':');
  }
  const options: Option[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j] as string;
      const needs = takesValue.get(flag);
      // glibc's wording: NUT's tools print it, prefixed with the program name
      if (needs === undefined) throw new UsageError(`invalid option -- '${flag}'`);
      if (!needs) { options.push({ flag }); continue; }
      let value = arg.slice(j + 1);
      if (value === '') {
        const next = argv[++i];
        if (next === undefined) throw new UsageError(`option requires an argument -- '${flag}'`);
        value = next;
      }
      options.push({ flag, value });
      break;
    }
  }
  return { options, operands: argv.slice(i) };
}
