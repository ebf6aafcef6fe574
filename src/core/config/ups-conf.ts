// ups.conf reader (spec §4.1): one `[name]` section per UPS, read by upsdrvctl, the drivers and upsd.
// Pure: bytes in, typed value and diagnostics out.
//
// Line shapes, in the order NUT's upsconf.c tries them:
//   [name]            a word starting with '[' and ending with ']' starts a section
//   key=value         a single word holding '=' (only possible with \= or quotes: the tokenizer
//                     splits a bare '=' into its own word)
//   flag              one word: a boolean flag (value null)
//   key = value …     three or more words, '=' second; NUT uses the third word and drops the rest
// Anything else NUT ignores silently; we warn.
// Key names are case-sensitive (drivers and upsdrvctl use strcmp); only `statepath` is matched
// case-insensitively, as upsd does.

import {
  closest, DiagnosticList, tokenizeConfig, parseInteger, parseCount,
} from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';

export interface ConfEntry { key: string; value: string | null; line: number } // value null = bare flag word

export interface UpsSection {
  name: string;
  line: number;
  entries: ConfEntry[];
  driver?: string;
  port?: string;
  desc?: string;
  sdorder?: number;
  maxstartdelay?: number;
}

export interface UpsConfGlobals {
  chroot?: string;
  driverpath?: string;
  statepath?: string;
  user?: string;
  group?: string;
  maxstartdelay: number;
  maxretry: number;
  retrydelay: number;
  nowait: boolean;
  pollinterval: number;
  synchronous?: string;
  debugMin?: number;
}

export interface UpsConf { globals: ConfEntry[]; global: UpsConfGlobals; sections: UpsSection[] }

/** upsdrvctl's and the driver core's defaults (§4.1). */
export const UPS_CONF_DEFAULTS = {
  maxstartdelay: 45,
  maxretry: 1,
  retrydelay: 5,
  pollinterval: 2,
  nowait: false,
} as const;

/**
 * Names that are safe as a UPS name: it is part of a socket path (`<driver>-<name>`), a protocol
 * word, and the `ups` of `ups@host:port`. NUT does not check; hardnut refuses the rest.
 */
export const UPS_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const GLOBAL_STRING_KEYS = ['chroot', 'driverpath', 'user', 'group'] as const;
const GLOBAL_KEYS = [
  'chroot', 'driverpath', 'statepath', 'maxstartdelay', 'maxretry', 'retrydelay', 'nowait',
  'pollinterval', 'synchronous', 'user', 'group', 'debug_min', 'LIBUSB_DEBUG',
  'reconnect_max_tries', 'reconnect_report_freq',
];
/** Keys the driver core / upsdrvctl / upsd handle themselves, for case-mistake hints. */
const CORE_SECTION_KEYS = [
  'driver', 'port', 'desc', 'sdorder', 'sdcommands', 'allow_killpower', 'nolock', 'ignorelb',
  'maxstartdelay', 'maxretry', 'retrydelay', 'pollinterval', 'synchronous', 'debug_min',
];
const SYNCHRONOUS_VALUES = ['yes', 'no', 'auto'];

export function parseUpsConf(input: Uint8Array | string, file: string): ConfigResult<UpsConf> {
  const diags = new DiagnosticList(file);
  const lines = tokenizeConfig(input, diags);
  const conf: UpsConf = {
    globals: [],
    global: { ...UPS_CONF_DEFAULTS },
    sections: [],
  };
  let current: UpsSection | null = null;
  const seen = new Map<string, UpsSection>();

  for (const { args, line } of lines) {
    const first = args[0] as string;

    if (first.startsWith('[') && first.endsWith(']') && first.length >= 2) {
      current = openSection(first.slice(1, -1), line, args.length, conf, seen, diags);
      continue;
    }
    if (first.startsWith('[')) {
      // NUT does not see a section here and files the following lines under the previous UPS.
      diags.error(line, 'malformed section header: a UPS name is one word in square brackets',
        'write [name] with no spaces inside the brackets, e.g. [myups]');
      continue;
    }

    let entry: ConfEntry;
    const eq = first.indexOf('=');
    if (eq >= 0) {
      // Compressed form 'key=value' (one word); NUT ignores any further words.
      entry = { key: first.slice(0, eq), value: first.slice(eq + 1), line };
      if (args.length > 1) {
        diags.warning(line, `extra words after '${keyLabel(entry.key)}=…' are ignored`, 'quote the value: key = "value with spaces"');
      }
    } else if (args.length === 1) {
      entry = { key: first, value: null, line };
    } else if (args.length >= 3 && args[1] === '=') {
      entry = { key: first, value: args[2] as string, line };
      if (args.length > 3) {
        diags.warning(line, `extra words ignored: '${keyLabel(first)}' takes only the first word after '='`,
          'quote the value: key = "value with spaces"');
      }
    } else {
      diags.warning(line, `line ignored: expected 'key = value' or a single flag word (found ${args.length} words)`,
        args.length === 2 ? `write ${keyLabel(first)} = value` : "put '=' between the key and the value");
      continue;
    }
    if (entry.key === '') {
      diags.warning(line, "line ignored: nothing before '='", 'write key = value');
      continue;
    }

    if (current) {
      current.entries.push(entry);
      applySectionEntry(current, entry, diags);
    } else {
      conf.globals.push(entry);
      applyGlobalEntry(conf.global, entry, diags);
    }
  }

  for (const s of conf.sections) {
    const missing = [s.driver === undefined ? 'driver' : '', s.port === undefined ? 'port' : ''].filter((x) => x);
    if (missing.length > 0) {
      const caseHint = s.entries.some((e) => missing.includes(e.key.toLowerCase()) && !missing.includes(e.key))
        ? ' (key names are case-sensitive: use lower case)'
        : '';
      diags.error(s.line, `UPS [${s.name}] has no ${missing.join(' and no ')}; NUT ignores this UPS`,
        `add ${missing.map((k) => (k === 'driver' ? 'driver = <driver name, e.g. usbhid-ups>' : 'port = <device, e.g. auto>')).join(' and ')} to the section${caseHint}`);
    }
  }

  return { value: conf, diagnostics: diags.sorted() };
}

function keyLabel(word: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,39}$/.test(word) ? word : 'key';
}

function openSection(
  name: string, line: number, nargs: number, conf: UpsConf, seen: Map<string, UpsSection>, diags: DiagnosticList,
): UpsSection {
  const section: UpsSection = { name, line, entries: [] };
  if (nargs > 1) {
    diags.warning(line, `words after the section header [${printable(name)}] are ignored`, 'put each setting on its own line');
  }
  if (name === '') {
    diags.error(line, 'empty UPS name []', 'give the UPS a name, e.g. [myups]');
  } else if (!UPS_NAME_PATTERN.test(name)) {
    diags.error(line, `UPS name [${printable(name)}] is not usable: it becomes part of a socket path and of ups@host`,
      'use only letters, digits, "_", "-" and "." (not first), e.g. [myups]');
  }
  const prior = seen.get(name.toLowerCase());
  if (prior) {
    diags.error(line, `duplicate UPS name [${printable(name)}] (first defined at line ${prior.line}); upsd rejects it`,
      'UPS names are compared case-insensitively: rename one of the sections');
    // Not listed: its entries are checked but never used.
    return section;
  }
  seen.set(name.toLowerCase(), section);
  conf.sections.push(section);
  return section;
}

/** Names are echoed in messages; keep them printable and short. */
function printable(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

function applySectionEntry(s: UpsSection, e: ConfEntry, diags: DiagnosticList): void {
  const { key, value, line } = e;
  switch (key) {
    case 'driver':
    case 'port':
    case 'desc': {
      if (value === null) {
        diags.error(line, `'${key}' needs a value`, `write ${key} = …`);
        return;
      }
      if (s[key] !== undefined) {
        diags.warning(line, `'${key}' is set twice in [${s.name}]; the last one is used`, 'remove one of them');
      }
      if (key === 'driver' && (value === '' || value.includes('/'))) {
        diags.error(line, 'driver must be a driver name, not a path', 'write driver = usbhid-ups (drivers are found in driverpath)');
      }
      s[key] = value;
      return;
    }
    case 'sdorder': {
      // upsdrvctl: negative means "not shut down by upsdrvctl shutdown".
      const n = value === null ? undefined : parseInteger(value);
      if (n === undefined) {
        diags.error(line, 'sdorder must be an integer', 'write sdorder = 0 (higher numbers shut down later; -1 = never)');
        return;
      }
      s.sdorder = n;
      return;
    }
    case 'maxstartdelay': {
      const n = value === null ? undefined : parseCount(value);
      if (n === undefined) {
        diags.error(line, 'maxstartdelay must be a whole number of seconds', 'write maxstartdelay = 45');
        return;
      }
      s.maxstartdelay = n;
      return;
    }
    default:
      checkCommonNumeric(key, value, line, diags);
      if (key !== key.toLowerCase() && CORE_SECTION_KEYS.includes(key.toLowerCase())) {
        diags.warning(line, `'${key}' is not '${key.toLowerCase()}': key names are case-sensitive, so this goes to the driver as an unknown option`,
          `write ${key.toLowerCase()}`);
      }
  }
}

/** Settings valid both globally and per UPS, validated the same way in both places. */
function checkCommonNumeric(key: string, value: string | null, line: number, diags: DiagnosticList): number | undefined {
  switch (key) {
    case 'pollinterval': {
      const n = value === null ? undefined : parseCount(value);
      if (n === undefined || n <= 0) {
        diags.error(line, 'pollinterval must be a whole number of seconds greater than 0; NUT drivers refuse to start',
          'write pollinterval = 2');
        return undefined;
      }
      return n;
    }
    case 'maxretry':
    case 'retrydelay':
    case 'maxstartdelay': {
      const n = value === null ? undefined : parseCount(value);
      if (n === undefined) {
        diags.error(line, `${key} must be a whole number (0 or more)`,
          `write ${key} = ${String(UPS_CONF_DEFAULTS[key])}`);
        return undefined;
      }
      return n;
    }
    case 'debug_min': {
      const n = value === null ? undefined : parseCount(value);
      if (n === undefined) {
        diags.error(line, 'debug_min must be a whole number (0 or more)', 'write debug_min = 1, or remove the line');
        return undefined;
      }
      return n;
    }
    case 'synchronous': {
      if (value === null || !SYNCHRONOUS_VALUES.includes(value)) {
        diags.warning(line, "synchronous is not 'yes', 'no' or 'auto'; NUT reads anything else as 'no'",
          'write synchronous = auto (lower case)');
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function applyGlobalEntry(g: UpsConfGlobals, e: ConfEntry, diags: DiagnosticList): void {
  const { key, value, line } = e;
  if (key.toLowerCase() === 'statepath') {
    if (value === null || value === '') {
      diags.error(line, 'statepath needs a directory', 'write statepath = /run/nut');
      return;
    }
    g.statepath = value;
    return;
  }
  if ((GLOBAL_STRING_KEYS as readonly string[]).includes(key)) {
    if (value === null || value === '') {
      diags.error(line, `'${key}' needs a value`, `write ${key} = …`);
      return;
    }
    g[key as (typeof GLOBAL_STRING_KEYS)[number]] = value;
    return;
  }
  switch (key) {
    case 'nowait':
      // upsdrvctl sets nowait on any line naming it, whatever the value.
      if (value !== null && !['yes', 'true', 'on', '1'].includes(value.toLowerCase())) {
        diags.warning(line, `nowait = ${value.length <= 16 ? value : '…'} still turns nowait on: NUT only looks at the key`,
          'remove the line to wait for drivers, or write nowait alone');
      }
      g.nowait = true;
      return;
    case 'pollinterval':
    case 'maxretry':
    case 'retrydelay':
    case 'maxstartdelay': {
      const n = checkCommonNumeric(key, value, line, diags);
      if (n !== undefined) g[key] = n;
      return;
    }
    case 'synchronous':
      checkCommonNumeric(key, value, line, diags);
      if (value !== null) g.synchronous = value;
      return;
    case 'LIBUSB_DEBUG': {
      if (value === null || parseCount(value) === undefined) {
        diags.error(line, 'LIBUSB_DEBUG must be a whole number (0 or more)', 'write LIBUSB_DEBUG = 0, or remove the line');
      }
      return;
    }
    case 'reconnect_max_tries':
    case 'reconnect_report_freq':
      return;
    default:
      break;
  }
  if (key.toLowerCase() === 'debug_min') {
    const n = checkCommonNumeric('debug_min', value, line, diags);
    if (n !== undefined) g.debugMin = n;
    return;
  }
  const lower = GLOBAL_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
  if (lower) {
    diags.warning(line, `'${key}' is not '${lower}': key names are case-sensitive; NUT ignores this line`, `write ${lower}`);
    return;
  }
  if (['driver', 'port', 'desc'].includes(key)) {
    diags.error(line, `'${key}' appears before any [ups] section; NUT ignores it`,
      'start the UPS with a section header, e.g. [myups], on a line above it');
    return;
  }
  // echoed only as a near miss of a global setting: an unknown word may be a wrapped secret value
  diags.warning(line, `${closest(key, GLOBAL_KEYS) !== undefined ? `'${keyLabel(key)}'` : 'this key'} is not a global setting; NUT ignores it here`,
    'move it below a [ups] section header if it is a driver option');
}
