// `hardnut rules check|explain|test`: the rule file's tools (issue 16). All three run the parser
// and evaluator upsmon runs (src/protocol/rules); this file only reads files and prints.
// Exit 0 = fine, 1 = the rule file or trace is unusable, 2 = usage.

import { basename, join } from 'node:path';
import { confPath } from '../core/paths.js';
import { HardnutError } from '../core/errors.js';
import { readConfigFile } from '../runtime/config-files.js';
import { Logger } from '../runtime/log.js';
import { RULES_FILE, readRuleFile } from '../runtime/rules-file.js';
import { upsVariables, upsmonBeside } from './rules-ups-vars.js';
import {
  explainRules, replay, seqTimeline, actionInWords, upslogReader, upslogTimeline, looksLikeUpslog, variableFindings,
  type RuleEvent, type RuleSet, type Timeline,
} from '../protocol/rules/index.js';


const USAGE = 'usage: hardnut rules check [--offline] [FILE] refuse a bad rule file with file:line; warn of\n'
  + '                                             variables that are neither NUT names nor published\n'
  + '                                             by the UPSes of the upsmon.conf beside FILE (asked\n'
  + '                                             read-only, as nut when run as root; not --offline)\n'
  + '       hardnut rules explain FILE            print each rule in words\n'
  + '       hardnut rules test FILE TRACE [-u UPS] [--format auto|seq|upslog] [--logformat FMT]\n'
  + '                                             replay a dummy-ups .seq/.dev or an upslog recording\n'
  + '                                             in virtual time; print when each rule fires and clears\n'
  + `  FILE defaults to $NUT_CONFPATH/${RULES_FILE} (else /etc/nut/${RULES_FILE}).\n`
  + '  An upslog recording is read with FMT, the -f format upslog wrote it with (default: upslog\'s);\n'
  + '  it needs a time (%ETIME% or %TIME @Y@m@d @H@M@S% …) and a literal between fields.\n';

/** Reads and parses a rule file; prints its errors and returns undefined if it is unusable. */
export function loadRuleFile(path: string): RuleSet | undefined {
  return readRuleFile(path, (m) => process.stderr.write(`${m}\n`));
}

/**
 * Warnings (exit status unchanged) for rules naming a UPS that the upsmon.conf beside the rule
 * file neither MONITORs nor LOCALMONITORs: such a rule never runs. Silent when there is no
 * readable upsmon.conf (it holds passwords: often root-only).
 */
export function unmonitoredUpsWarnings(set: RuleSet, ruleFile: string): string[] {
  const beside = upsmonBeside(ruleFile);
  if (beside === undefined) return [];
  const systems = new Set(beside.conf.monitors.map((m) => m.system));
  return set.rules.filter((r) => r.ups !== undefined && !systems.has(r.ups))
    .map((r) => `${set.file}:${String(r.line)}: warning: rule '${r.name}' watches UPS '${r.ups ?? ''}', which ${beside.path} does not monitor: it never runs`);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? String(s) : s.toFixed(3)}s`;
}

/** One line per event, the times from the start of the trace. */
export function formatEvent(e: RuleEvent): string {
  const at = seconds(e.at).padStart(8);
  switch (e.kind) {
    case 'timer': return `${at}  timer ${e.timer} ${e.what}`;
    case 'fire': case 'clear':
      return `${at}  ${e.kind.padEnd(7)} ${e.rule} on ${e.ups}${e.actions.length > 0 ? `: ${e.actions.map(actionInWords).join('; ')}` : ''}`;
    case 'unknown': return `${at}  unknown ${e.rule} on ${e.ups}: ${e.why}`;
    case 'reset': return `${at}  reset   ${e.rule} on ${e.ups}${e.why !== undefined ? `: ${e.why}` : ''}`;
    case 'pending': return `${at}  pending ${e.rule} on ${e.ups}`;
  }
}

type TraceFormat = 'auto' | 'seq' | 'upslog';

interface TestOptions { ruleFile: string; trace: string; ups?: string; format: TraceFormat; logformat?: string }

/** `test`'s arguments: two files, -u UPS, --format, --logformat; undefined on a usage error. */
function testOptions(args: string[]): TestOptions | undefined {
  const files: string[] = [];
  let ups: string | undefined;
  let format: TraceFormat = 'auto';
  let logformat: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string | undefined => args[++i];
    if (a === '-u') ups = value();
    else if (a === '--format') {
      const f = value();
      if (f !== 'auto' && f !== 'seq' && f !== 'upslog') return undefined;
      format = f;
    } else if (a === '--logformat') logformat = value();
    else if (a.startsWith('-')) return undefined;
    else { files.push(a); continue; }
    if (args[i] === undefined) return undefined;
  }
  if (files.length !== 2) return undefined;
  return { ruleFile: files[0] as string, trace: files[1] as string, format, ...(ups !== undefined ? { ups } : {}), ...(logformat !== undefined ? { logformat } : {}) };
}

/**
 * The trace as a timeline. auto: a .seq/.dev file is dummy-ups's; anything else whose first
 * line reads as a line of the upslog format is a recording; else dummy-ups's.
 */
export function readTrace(path: string, format: TraceFormat, logformat?: string): { timeline: Timeline; format: 'seq' | 'upslog' } {
  const bytes = readConfigFile(path).bytes;
  const text = Buffer.from(bytes).toString('latin1');
  let kind: 'seq' | 'upslog';
  const reader = format === 'seq' ? undefined : upslogReader(logformat);
  if (format !== 'auto') kind = format;
  else if (/\.(seq|dev)$/.test(path)) kind = 'seq';
  else kind = reader !== undefined && looksLikeUpslog(text, reader) ? 'upslog' : 'seq';
  return kind === 'upslog'
    ? { timeline: upslogTimeline(text, path, reader), format: kind }
    : { timeline: seqTimeline(bytes, path), format: kind };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') { process.stdout.write(USAGE); return 0; }
  if (sub === 'explain' && rest.some((a) => a.startsWith('-'))) { process.stderr.write(USAGE); return 2; }
  switch (sub) {
    case 'check': {
      const offline = rest.includes('--offline');
      const files = rest.filter((a) => a !== '--offline');
      if (files.length > 1 || files.some((a) => a.startsWith('-'))) break;
      const file = files[0] ?? join(confPath(env), RULES_FILE);
      const set = loadRuleFile(file);
      if (!set) return 1;
      for (const w of unmonitoredUpsWarnings(set, file)) process.stderr.write(`${w}\n`);
      // unknown variables: against NUT's names and what each watched UPS publishes (issue 16)
      const ups = await upsVariables(file, !offline, env, new Logger('hardnut rules check'));
      for (const n of ups.notes) process.stderr.write(`${file}: note: ${n}\n`);
      for (const f of variableFindings(set, ups.all, ups.published)) process.stderr.write(`${file}:${String(f.line)}: ${f.severity}: ${f.message}\n`);
      process.stdout.write(`${file}: ${String(set.rules.length)} rules, ${String(set.timers.size)} timers: OK\n`);
      return 0;
    }
    case 'explain': {
      if (rest.length !== 1) break;
      const set = loadRuleFile(rest[0] as string);
      if (!set) return 1;
      process.stdout.write(explainRules(set));
      return 0;
    }
    case 'test': {
      const opts = testOptions(rest);
      if (opts === undefined) break;
      const set = loadRuleFile(opts.ruleFile);
      if (!set) return 1;
      try {
        const { timeline, format } = readTrace(opts.trace, opts.format, opts.logformat);
        // default UPS: the one the rules name, so a file written for one UPS replays as is
        const name = opts.ups ?? set.rules.find((r) => r.ups !== undefined)?.ups ?? basename(opts.trace).replace(/\.(seq|dev|log)$/, '');
        process.stdout.write(`replaying ${opts.trace} (${format}) as UPS ${name}, ${seconds(timeline.end)} of virtual time\n`);
        for (const e of replay(set, timeline, name)) process.stdout.write(`${formatEvent(e)}\n`);
        return 0;
      } catch (err) {
        if (err instanceof HardnutError) { process.stderr.write(`${err.message}\n`); return 1; }
        throw err;
      }
    }
    default:
      process.stderr.write(sub === undefined ? USAGE : `hardnut rules: unknown command '${sub}'\n${USAGE}`);
      return 2;
  }
  process.stderr.write(USAGE);
  return 2;
}
