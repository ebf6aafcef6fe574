// The rule language's syntax tree (upsrules.conf, issue 16). Pure data: the parser builds it,
// the evaluator and `rules explain` read it.

export type CmpOp = '<' | '<=' | '>' | '>=' | '=' | '!=';

/** A literal a variable is compared with: numbers compare as numbers, strings as strings. */
export type Literal = { type: 'number'; n: number; text: string } | { type: 'string'; s: string };

export type Expr =
  | { kind: 'cmp'; variable: string; op: CmpOp; value: Literal }
  | { kind: 'has'; variable: string; token: string }
  | { kind: 'timer'; timer: string; test: 'running' | 'expired' }
  | { kind: 'not'; arg: Expr }
  | { kind: 'and' | 'or'; args: Expr[] };

/** The fixed set of actions; nothing else can be written, so nothing else can run. */
export type Action =
  | { kind: 'notify'; message?: string }
  | { kind: 'shutdown' }
  | { kind: 'fsd' }
  | { kind: 'instcmd'; command: string }
  | { kind: 'start'; timer: string }
  | { kind: 'cancel'; timer: string };

export interface Rule {
  name: string;
  /** Line of its RULE keyword. */
  line: number;
  /** The one UPS it watches; undefined: every UPS, one instance each. */
  ups?: string;
  when: Expr;
  /** Seconds WHEN must hold, seen true at every evaluation, before the rule fires. */
  forSeconds: number;
  /** The clear condition (hysteresis); undefined: `not WHEN`. */
  clear?: Expr;
  onFire: Action[];
  onClear: Action[];
  /** Lines of its WHEN and CLEAR (`rules check` names the line a variable is read on). */
  whenLine?: number;
  clearLine?: number;
}

export interface TimerDecl { name: string; seconds: number; line: number }

export interface RuleSet {
  file: string;
  rules: Rule[];
  timers: ReadonlyMap<string, TimerDecl>;
  /** The instant commands the file allows `instcmd` to run. */
  instcmds: ReadonlySet<string>;
}
