// The device-script language of scripted-ups as data: what the parser (parse.ts) produces and the
// engine (engine.ts) runs. Every limit is a named constant here; README "Device scripts" is the
// language reference.

/** A script file larger than this is not a device script. */
export const MAX_SCRIPT_BYTES = 64 * 1024;
export const MAX_SCRIPT_LINES = 2000;
export const MAX_LINE_LENGTH = 512;
/** Words on one line (quoted strings count as one). */
export const MAX_WORDS = 64;
export const MAX_BLOCKS = 64;
export const MAX_STEPS_PER_BLOCK = 64;
export const MAX_VARIABLES = 64;
/** Elements (literal runs and fields) of one expect pattern. */
export const MAX_PATTERN_ELEMENTS = 64;
export const MAX_CAPTURES = 32;
export const MAX_MAP_ENTRIES = 32;
export const MAX_SEND_BYTES = 256;
export const MAX_TERMINATOR_BYTES = 4;
export const MAX_FIXED_FIELD = 256;
/** A reply (one frame) longer than this fails the step: a device cannot grow the buffer. */
export const MAX_REPLY_BYTES = 1024;
export const MIN_TIMEOUT_MS = 10;
export const MAX_TIMEOUT_MS = 10_000;
export const MAX_BUDGET_MS = 60_000;
export const MAX_DELAY_MS = 5_000;
export const DEFAULT_TIMEOUT_MS = 1000;
export const DEFAULT_BUDGET_MS = 5000;
export const MAX_NAME_LENGTH = 64;
export const MAX_VALUE_LENGTH = 255;
/** Conditions joined by `and` in one `when`. */
export const MAX_CONDITIONS = 4;
/** Template ops on one field ({$x div 6 pad 2}). */
export const MAX_TEMPLATE_OPS = 4;

/**
 * The only tokens `status` may produce: NUT's ups.status words (NUT docs, new-drivers.txt). A
 * script names them literally; device data only decides whether each applies.
 */
export const STATUS_TOKENS: ReadonlySet<string> = new Set([
  'OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'TEST', 'ALARM',
]);

/** Standard serial speeds a script may ask for. */
export const BAUD_RATES: readonly number[] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

/** Pattern field classes; each consumes a maximal run of its characters, or a fixed count. */
export type FieldClass = 'num' | 'int' | 'hex' | 'word' | 'bit' | 'rest' | { fixed: number };

export type PatternElement =
  | { kind: 'lit'; text: string }
  | { kind: 'field'; name: string | null; cls: FieldClass };

export interface Pattern { source: string; elements: PatternElement[] }

/** Where a value comes from: a capture of this block, a published variable, the command's parameter or SET's value. */
export type Source =
  | { kind: 'capture'; name: string }
  | { kind: 'var'; name: string }
  | { kind: 'param' }
  | { kind: 'value' }
  | { kind: 'literal'; text: string };

export type Conversion =
  /** radix 16 when it reads a {…:hex} capture directly. */
  | { kind: 'bit'; n: number; radix: 10 | 16 }
  | { kind: 'hex' }
  | { kind: 'trim' }
  | { kind: 'map'; entries: Map<string, string> }
  | { kind: 'scale'; by: number }
  | { kind: 'offset'; by: number }
  /** 100 × (x − lo) / (hi − lo), clamped to 0…100 (a charge from a voltage). */
  | { kind: 'percent'; lo: Operand; hi: Operand }
  | { kind: 'decimals'; n: number };

export type Operand = { kind: 'number'; n: number } | { kind: 'var'; name: string };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Condition =
  /** `against`: the other side is a value ({capture} or $variable) times `scale`, compared as numbers. */
  | { kind: 'compare'; source: Source; op: CompareOp; operand: string; against?: { source: Source; scale: number } }
  | { kind: 'bit'; source: Source; n: number; set: boolean; radix: 10 | 16 }
  /** COND and COND …: all must hold (at most MAX_CONDITIONS). */
  | { kind: 'all'; of: Condition[] };

/** The fixed list of checksums (src/protocol/script/checksum.ts); hex: upper-case digits, raw: bytes. */
export const CHECKSUMS = ['sum8', 'xor8', 'crc16-xmodem'] as const;
export type ChecksumName = (typeof CHECKSUMS)[number];
export interface Checksum { name: ChecksumName; enc: 'hex' | 'raw' }

export type TemplateOp = { op: 'div' | 'mul' | 'pad'; n: number };
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'field'; source: Source; ops: TemplateOp[] }
  /** The checksum of everything before it in the same send. */
  | { kind: 'checksum'; sum: Checksum };

export type Step =
  | { kind: 'send'; line: number; parts: TemplatePart[]; when?: Condition }
  /** check: the reply ends with this checksum of the rest, verified and cut off before matching. */
  | { kind: 'expect'; line: number; pattern: Pattern; orSilence: boolean; check?: Checksum }
  | { kind: 'delay'; line: number; ms: number }
  | { kind: 'set'; line: number; name: string; source: Source; conversions: Conversion[]; when?: Condition }
  | { kind: 'status'; line: number; token: string; when?: Condition }
  | { kind: 'alarm'; line: number; text: string; when?: Condition }
  /** Fails the block (a reply that makes no sense to the driver, as nutdrv_qx's preprocess errors). */
  | { kind: 'fail'; line: number; text: string; when?: Condition };

/** A parameter rule for an instant command or a device variable. */
export type ValueRule =
  | { kind: 'any' }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'values'; values: string[] };

export interface Block {
  kind: 'init' | 'poll' | 'shutdown' | 'instcmd' | 'setvar';
  /** Command or variable name (instcmd, setvar). */
  name: string;
  line: number;
  steps: Step[];
  rule: ValueRule;
  /** instcmd: the parameter used when none is given. */
  dfl?: string;
}

/** A variable the driver keeps itself (NUT's server-side ups.delay.*): SET changes it, no device I/O. */
export interface KeptVariable {
  name: string;
  line: number;
  dfl: string;
  range?: { min: number; max: number };
  /** Rounding steps, first matching: round down to a multiple of `step` when the value is below `below`. */
  rounding: Array<{ step: number; below?: number }>;
  /** The ups.conf option that sets it at start-up and for -k, as in NUT's drivers (ondelay, offdelay). */
  option?: KeptOption;
}

/** ups.conf options a kept variable may take its value from: NUT's names, offered by scripted-ups. */
export const KEPT_OPTIONS = ['ondelay', 'offdelay'] as const;
export type KeptOption = (typeof KEPT_OPTIONS)[number];

export type Parity = 'none' | 'even' | 'odd';

export interface Transport {
  kind: 'serial' | 'tcp';
  baud: number;
  /** termios PARENB/PARODD on the port; with dataBits CS7/CS8 (7E1 devices). */
  parity: Parity;
  dataBits: 7 | 8;
  dtr: boolean;
  rts: boolean;
  framing: { kind: 'terminator'; text: string } | { kind: 'length'; n: number };
  timeoutMs: number;
  budgetMs: number;
}

export interface Script {
  /** Published as driver.version.data. */
  name: string;
  transport: Transport;
  init: Block | undefined;
  poll: Block;
  shutdown: Block | undefined;
  instcmds: Map<string, Block>;
  setvars: Map<string, Block>;
  variables: Map<string, KeptVariable>;
}
