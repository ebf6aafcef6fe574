// The rule language (upsrules.conf, issue 16): limits, parser, evaluator, explanation and trace
// replay. No I/O here.

export * from './limits.js';
export type { Action, CmpOp, Expr, Literal, Rule, RuleSet, TimerDecl } from './types.js';
export { parseRules, parseDecimal, MAX_ERRORS, type ParseResult } from './parse.js';
export { RuleEngine, hasToken, type RuleEvent, type UpsData } from './evaluate.js';
export { explainRules, exprInWords, actionInWords, ruleInWords, variablesOf } from './explain.js';
export { seqTimeline, replay, MAX_TRACE_LINES, MAX_TRACE_SECONDS, type Timeline, type TracePoint } from './trace.js';
export {
  upslogReader, upslogTimeline, readUpslogLine, looksLikeUpslog, MAX_UPSLOG_LINE_CHARS, MAX_LOGFORMAT_CHARS,
  MAX_LOGFORMAT_ITEMS, TIME_CONVERSIONS, type UpslogReader, type UpslogTimeline,
} from './upslog-trace.js';
export { isNutName, nutNameCount } from './nut-names.js';
export { variableFindings, type VariableFinding } from './check-vars.js';
