// Every bound of the rule language (upsrules.conf, issue 16), in one place. The parser refuses a
// file that exceeds any of them with file:line, so the evaluator's work per step is bounded by
// MAX_RULES × MAX_TERMS_PER_RULE whatever the file says.

/** Largest rule file read at all (the reader refuses a larger one before reading it). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;
/** Longest line, in bytes; a longer one is refused before any of it is tokenized. */
export const MAX_LINE_BYTES = 1024;
/** Rules per file. */
export const MAX_RULES = 256;
/** Terms (comparisons, `has` tests, timer tests) in one rule, WHEN and CLEAR together. */
export const MAX_TERMS_PER_RULE = 64;
/** Nesting depth of parentheses and `not` in one expression. */
export const MAX_DEPTH = 16;
/** Actions per rule (DO and ONCLEAR lines together). */
export const MAX_ACTIONS_PER_RULE = 8;
/** TIMER declarations per file. */
export const MAX_TIMERS = 64;
/** INSTCMD declarations per file. */
export const MAX_INSTCMDS = 64;
/** Characters in a quoted string (a value to compare with, or a notify message). */
export const MAX_STRING_CHARS = 256;
/** Characters in a name: rule, timer, UPS, variable, instant command. */
export const MAX_NAME_CHARS = 64;
/** Longest FOR duration or TIMER length, in seconds (one week). */
export const MAX_DURATION_S = 7 * 24 * 3600;
/** Longest number literal, in characters (no 1000-digit number reaches Number()). */
export const MAX_NUMBER_CHARS = 32;
