// What the config readers report, and the small helpers they share (spec §4, §4.7).
//
// NUT logs a bad config line and skips it ("Parse error: <file>:<line>: …", "invalid directive …")
// and carries on. hardnut's readers never throw: they return a typed value plus diagnostics, each
// naming file:line and how to fix it. The policy for severity:
//   error   — NUT refuses the config (fatal), or silently does something the user cannot have
//             meant (a UPS that is never monitored, a number read as 0, a line lost to a parse
//             error). `hardnut config check` exits non-zero; daemons refuse to start.
//   warning — NUT ignores the line or the setting is obsolete/ineffective; nothing breaks.
// Line 0 means the whole file.
//
// Diagnostics never contain secrets (upsd.users and MONITOR passwords, CERTIDENT passwords,
// SNMP communities in ups.conf): messages name keys and line numbers, never values of that kind.

import { parseText, UNBALANCED_HASH_MESSAGE } from '../tokenizer.js';
import type { ParsedLine } from '../tokenizer.js';
import { ConfigError } from '../errors.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  file: string;
  /** 1-based line of the offending logical line; 0 = the file as a whole. */
  line: number;
  message: string;
  /** How to fix it. */
  hint?: string;
}

export interface ConfigResult<T> {
  value: T;
  diagnostics: Diagnostic[];
}

/**
 * `<file>:<line>: error: <message>` and, when there is a hint, a second line `  hint: <hint>`.
 * Line 0 renders as `<file>: error: …`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  const head = `${where}: ${d.severity}: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

/** The first error as a throwable ConfigError (message `file:line: message (hint)`), if any. */
export function firstError(result: { diagnostics: readonly Diagnostic[] }): ConfigError | undefined {
  const d = result.diagnostics.find((x) => x.severity === 'error');
  if (!d) return undefined;
  return new ConfigError(d.file, d.line, d.hint ? `${d.message} (${d.hint})` : d.message);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** Collects diagnostics for one file; readers call error()/warning() as they go. */
export class DiagnosticList {
  readonly file: string;
  private readonly items: Diagnostic[] = [];

  constructor(file: string) {
    this.file = file;
  }

  error(line: number, message: string, hint?: string): void {
    this.add('error', line, message, hint);
  }

  warning(line: number, message: string, hint?: string): void {
    this.add('warning', line, message, hint);
  }

  /**
   * Diagnostics in line order (stable); whole-file ones (line 0) last, since they are usually
   * conclusions drawn after reading everything.
   */
  sorted(): Diagnostic[] {
    const key = (d: Diagnostic): number => (d.line > 0 ? d.line : Number.MAX_SAFE_INTEGER);
    return this.items
      .map((d, i) => ({ d, i }))
      .sort((a, b) => key(a.d) - key(b.d) || a.i - b.i)
      .map((x) => x.d);
  }

  private add(severity: Severity, line: number, message: string, hint: string | undefined): void {
    const d: Diagnostic = { severity, file: this.file, line, message };
    if (hint !== undefined) d.hint = hint;
    this.items.push(d);
  }
}

/**
 * Runs NUT's tokenizer (§1) over a file and turns its complaints into diagnostics. A parse error
 * loses the line in NUT (§4.7), so it is an error here; a runaway quote is a warning (NUT reads on).
 */
export function tokenizeConfig(input: Uint8Array | string, diags: DiagnosticList): ParsedLine[] {
  const parsed = parseText(input);
  for (const e of parsed.errors) {
    if (e.message === UNBALANCED_HASH_MESSAGE) {
      diags.error(e.line, `parse error: ${e.message}; NUT skips this line`,
        'write \\# for a literal "#" inside quotes');
    } else {
      diags.error(e.line, `parse error: ${e.message}; NUT skips this line`, 'fix the quoting on this line');
    }
  }
  for (const w of parsed.warnings) {
    diags.warning(w.line, w.message,
      'close the quote on the same line; an unclosed quote swallows the following lines into one word');
  }
  return parsed.lines;
}

/** Strict config numbers: the one copy is core/c-number.ts. */
export { parseCount, parseInteger } from '../c-number.js';

/**
 * NUT's parse_boolean (upsd.conf, §4.2): true/on/yes/1 and false/off/no/0, case-insensitive.
 */
export function parseBoolean(word: string): boolean | undefined {
  const w = word.toLowerCase();
  if (w === 'true' || w === 'on' || w === 'yes' || w === '1') return true;
  if (w === 'false' || w === 'off' || w === 'no' || w === '0') return false;
  return undefined;
}

/**
 * A word that may be echoed in a message as "the directive you wrote": it looks like a keyword
 * and is not one of the file's secrets. Anything else is described, never quoted.
 */
export function echoable(word: string, secrets: ReadonlySet<string>): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/.test(word) && !secrets.has(word);
}

/**
 * How to name an unknown directive in a message: the word itself only when it is a near miss of
 * a real one (a typo worth pointing at) and no known secret; otherwise undefined, and the message
 * describes the line instead. An unknown word is often the rest of a line that wrapped — a
 * password, a community string — so "looks like a directive" is not enough (found by fuzzing:
 * an all-caps password on a wrapped MONITOR line was echoed).
 */
export function directiveLabel(word: string, directives: readonly string[], secrets: ReadonlySet<string>): string | undefined {
  if (!echoable(word, secrets)) return undefined;
  return closest(word, directives) !== undefined ? word : undefined;
}

/** Levenshtein distance ≤ 2, for "did you mean …" hints on mistyped keywords. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toUpperCase();
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = distance(w, c.toUpperCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}
