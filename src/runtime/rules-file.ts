// Reading upsrules.conf (issue 16) for the tools and for upsmon's processes: the size bound, then
// the sans-I/O parser. Each problem goes to `report` as `file:line: message`.

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { confPath, type Env } from '../core/paths.js';
import { MAX_RULE_FILE_BYTES, parseRules, type RuleSet } from '../protocol/rules/index.js';
import { readConfigFile } from './config-read.js';

export const RULES_FILE = 'upsrules.conf';

/** The rule file upsmon reads: $NUT_CONFPATH/upsrules.conf. */
export function rulesPath(env: Env): string {
  return join(confPath(env), RULES_FILE);
}

/** Reads and parses a rule file; undefined (after reporting why) if it is unusable. */
export function readRuleFile(path: string, report: (message: string) => void): RuleSet | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readConfigFile(path).bytes;
  } catch (err) {
    if (err instanceof ConfigError) { report(err.message); return undefined; }
    throw err;
  }
  if (bytes.length > MAX_RULE_FILE_BYTES) {
    report(`${path}: larger than ${String(MAX_RULE_FILE_BYTES)} bytes: refused`);
    return undefined;
  }
  // latin1: one char per byte, so the parser sees (and refuses) every non-ASCII byte with its line
  const { ruleSet, errors } = parseRules(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'), path);
  for (const e of errors) report(e.message);
  return ruleSet;
}

/**
 * upsmon's rules: none when the file does not exist; `{ failed: true }` when it exists but is
 * unusable — upsmon then does not start (fail closed: a rule the user counts on must not be
 * silently skipped). `problems`: what the caller's configuration makes impossible (upsmon: an
 * fsd or instcmd on a UPS it cannot act on, upsmon/shared/rule-targets.ts), each as file:line.
 */
export function loadUpsmonRules(env: Env, report: (message: string) => void, problems?: (ruleSet: RuleSet) => readonly Error[]): { ruleSet?: RuleSet; failed?: true } {
  const path = rulesPath(env);
  if (!existsSync(path)) return {};
  const ruleSet = readRuleFile(path, report);
  if (ruleSet === undefined) return { failed: true };
  const found = problems?.(ruleSet) ?? [];
  for (const e of found) report(e.message);
  return found.length > 0 ? { failed: true } : { ruleSet };
}
