// Fuzz target "config": every config reader (spec §4) — ups.conf, upsd.conf, upsd.users,
// upsmon.conf, upssched.conf, nut.conf. Seeds: hardnut's samples (conf/), corpus/conf, and
// Debian's installed samples (/etc/nut, read at run time).
//
// Per reader, on mutated seeds and on generated files holding passwords:
//   - it never throws; it returns only Diagnostics: severity error|warning, this file's name, a
//     line that exists in the input (0 = whole file), a one-line printable message, sorted;
//   - no password written in the file appears in any message or hint (diagnostics.ts promise);
//   - the value it returns keeps the reader's own rules (unique names, ports 1–65535, NOTIFYMSG
//     templates with only %s and %% …);
//   - the same bytes give the same result.
// And per reader, a round trip: a generated config rendered with NUT's quoting reads back as
// exactly what was generated, with no error.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { bytes, ensure, fuzz as fuzzTarget, lineCount } from './harness.js';
import { configSeeds, type ConfKind, type Seed } from './corpus.js';
import { lineEdit, mutated, withEdits } from './mutate.js';
import { quoteValue } from '../../src/core/tokenizer.js';
import { formatDiagnostic, type ConfigResult, type Diagnostic } from '../../src/core/config/diagnostics.js';
import { parseUpsConf, UPS_NAME_PATTERN, type UpsConf } from '../../src/core/config/ups-conf.js';
import { parseUpsdConf, type UpsdConf } from '../../src/core/config/upsd-conf.js';
import { KNOWN_ACTIONS, parseUpsdUsers, type UpsdUsers } from '../../src/core/config/upsd-users.js';
import {
  NOTIFY_FLAGS, NOTIFY_TYPES, parseUpsmonConf, type NotifyFlag, type NotifyType, type UpsmonConf,
} from '../../src/core/config/upsmon-conf.js';
import { AT_ACTIONS, parseUpsschedConf, type UpsschedConf } from '../../src/core/config/upssched-conf.js';
import { NUT_MODES, parseNutConf, type NutConf } from '../../src/core/config/nut-conf.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('config', name, arb, predicate);

// ---- the readers, each with the rules its value must keep ----

interface Reader {
  kind: ConfKind;
  run(input: Uint8Array, file: string): ConfigResult<unknown>;
}

function reader<T>(kind: ConfKind, parse: (input: Uint8Array, file: string) => ConfigResult<T>, check: (v: T, input: Uint8Array, diags: Diagnostic[]) => void): Reader {
  return {
    kind,
    run(input, file) {
      const r = parse(input, file);
      check(r.value, input, r.diagnostics);
      return r;
    },
  };
}

const isPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;
const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const lower = (s: string): string => s.toLowerCase();

function inRange(line: number, input: Uint8Array): void {
  ensure(Number.isInteger(line) && line >= 1 && line <= lineCount(input), () => `line ${line} is not a line of the ${lineCount(input)}-line input`);
}

/** An independent statement of §5.8/#2450: only %s and %%, at most 1 %s (2 for ALARM and OTHER). */
function templateOk(type: NotifyType, template: string): boolean {
  if (!/^(?:[^%]|%%|%s)*$/.test(template)) return false;
  const count = (template.replace(/%%/g, '').match(/%s/g) ?? []).length;
  return count <= (type === 'ALARM' || type === 'OTHER' ? 2 : 1);
}

const unique = (xs: readonly string[]): boolean => new Set(xs).size === xs.length;

const READERS: Record<ConfKind, Reader> = {
  'ups.conf': reader('ups.conf', parseUpsConf, (v: UpsConf, input) => {
    ensure(unique(v.sections.map((s) => lower(s.name))), () => 'two sections with the same name (case-insensitive)');
    for (const s of v.sections) {
      inRange(s.line, input);
      for (const e of s.entries) inRange(e.line, input);
      ensure(s.sdorder === undefined || Number.isSafeInteger(s.sdorder), () => `sdorder ${String(s.sdorder)}`);
    }
    const g = v.global;
    ensure(isCount(g.pollinterval) && g.pollinterval >= 1, () => `pollinterval ${g.pollinterval}`);
    for (const n of [g.maxretry, g.retrydelay, g.maxstartdelay]) ensure(isCount(n), () => `global count ${n}`);
  }),
  'upsd.conf': reader('upsd.conf', parseUpsdConf, (v: UpsdConf, input) => {
    for (const l of v.listen) {
      ensure(isPort(l.port) && l.address !== '', () => `LISTEN ${JSON.stringify(l)}`);
      inRange(l.line, input);
    }
    ensure(unique(v.listen.map((l) => `${l.address} ${l.port}`)), () => 'a LISTEN address and port twice');
    for (const n of [v.maxAge, v.trackingDelay, v.maxConn]) ensure(isCount(n), () => `count ${n}`);
    ensure([0, 1, 2].includes(v.certRequest), () => `CERTREQUEST ${v.certRequest}`);
  }),
  'upsd.users': reader('upsd.users', parseUpsdUsers, (v: UpsdUsers, input) => {
    ensure(unique(v.users.map((u) => u.name)), () => 'two users with the same name'); // case-sensitive (§1.6)
    for (const u of v.users) {
      ensure(u.name !== '', () => 'a user with an empty name');
      inRange(u.line, input);
      ensure(u.upsmon === undefined || u.upsmon === 'primary' || u.upsmon === 'secondary', () => `upsmon ${String(u.upsmon)}`);
      ensure(unique(u.instcmds.map(lower)), () => `instcmds of ${u.name} repeat`);
    }
  }),
  'upsmon.conf': reader('upsmon.conf', parseUpsmonConf, (v: UpsmonConf, input) => {
    ensure(unique(v.monitors.map((m) => m.system)), () => 'a MONITOR system twice');
    for (const m of v.monitors) {
      if (m.local === true) {
        // LOCALMONITOR <ups> <power> (issue 14): a primary with no host, port, user or password
        ensure(isCount(m.powerValue) && m.role === 'primary' && m.upsName !== '' && m.system === m.upsName
          && m.host === '' && m.port === 0 && m.user === '' && m.password === '', () => `LOCALMONITOR ${JSON.stringify(m)}`);
        inRange(m.line, input);
        continue;
      }
      ensure(isPort(m.port) && isCount(m.powerValue) && (m.role === 'primary' || m.role === 'secondary')
        && m.user !== '' && m.upsName !== '' && m.host !== '', () => `MONITOR ${JSON.stringify({ ...m, password: '…' })}`);
      inRange(m.line, input);
    }
    for (const [type, template] of Object.entries(v.notifyMessages)) {
      ensure(templateOk(type as NotifyType, template as string), () => `NOTIFYMSG ${type} ${JSON.stringify(template)} was accepted`);
    }
    for (const t of NOTIFY_TYPES) {
      const flags = v.notifyFlags[t];
      ensure(unique(flags) && flags.every((f) => (NOTIFY_FLAGS as readonly string[]).includes(f)), () => `NOTIFYFLAG ${t} ${flags.join('+')}`);
    }
    for (const n of [v.pollFreq, v.pollFreqAlert, v.deadTime, v.hostSync, v.finalDelay, v.minSupplies]) ensure(isCount(n), () => `count ${n}`);
    for (const h of v.certHosts) inRange(h.line, input);
  }),
  'upssched.conf': reader('upssched.conf', parseUpsschedConf, (v: UpsschedConf, input, diags) => {
    for (const a of v.at) {
      inRange(a.line, input);
      ensure((AT_ACTIONS as readonly string[]).includes(a.action), () => `AT action ${a.action}`);
      ensure(!('seconds' in a) || isCount(a.seconds), () => `AT seconds ${JSON.stringify(a)}`);
    }
    ensure(v.pipeFn === undefined || v.pipeFn.length <= 107, () => `PIPEFN of ${String(v.pipeFn?.length)} bytes`);
    // An AT line before CMDSCRIPT, PIPEFN and LOCKFN are all set is fatal in NUT (§4.5): reported.
    if (v.at.length > 0 && (v.cmdScript === undefined || v.pipeFn === undefined || v.lockFn === undefined)) {
      ensure(diags.some((d) => d.severity === 'error'), () => 'AT lines without CMDSCRIPT/PIPEFN/LOCKFN, and no error');
    }
  }),
  'nut.conf': reader('nut.conf', parseNutConf, (v: NutConf, input) => {
    ensure((NUT_MODES as readonly string[]).includes(v.mode), () => `MODE ${v.mode}`);
    if (v.modeLine !== 0) inRange(v.modeLine, input);
    for (const e of v.entries) {
      ensure(/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.key), () => `key ${JSON.stringify(e.key)}`);
      inRange(e.line, input);
    }
  }),
};

/**
 * C0 and C1 controls: a message with one could forge log lines or drive a terminal. DEL (0x7F) is
 * allowed: the tokenizer keeps it as NUT does (§1.1), so echoed words may hold it, and it is inert.
 */
const CONTROL = /[\x00-\x1f\x80-\x9f]/;

function checkDiagnostics(diags: Diagnostic[], file: string, input: Uint8Array): void {
  const maxLine = lineCount(input);
  let lastLine = 0;
  let sawWholeFile = false;
  for (const d of diags) {
    const show = (): string => JSON.stringify(d);
    ensure(d.severity === 'error' || d.severity === 'warning', () => `severity of ${show()}`);
    ensure(d.file === file, () => `file of ${show()}`);
    ensure(Number.isInteger(d.line) && d.line >= 0 && d.line <= maxLine, () => `line of ${show()}: the input has ${maxLine} lines`);
    ensure(d.message.length > 0 && !CONTROL.test(d.message), () => `message of ${show()}`);
    ensure(d.hint === undefined || !CONTROL.test(d.hint), () => `hint of ${show()}`);
    // sorted: by line, whole-file (line 0) ones last
    if (d.line === 0) sawWholeFile = true;
    else {
      ensure(!sawWholeFile && d.line >= lastLine, () => `${show()} is out of order`);
      lastLine = d.line;
    }
    ensure(formatDiagnostic(d).startsWith(file), () => `formatDiagnostic(${show()})`);
  }
}

function checkNoSecret(diags: Diagnostic[], secrets: readonly string[]): void {
  for (const d of diags) {
    const text = formatDiagnostic(d);
    for (const s of secrets) {
      // the whole password, or a long enough start of it (printable() cuts echoed words at 61)
      for (const piece of new Set([s, s.slice(0, 10)])) {
        expect(text.includes(piece), `password ${JSON.stringify(s)} leaked: ${text}`).toBe(false);
      }
    }
  }
}

// ---- generated configs holding passwords ----

interface Generated { data: Uint8Array; secrets: string[] }

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'];
/**
 * Distinctive passwords (so any occurrence in a message is a leak): mixed case, all upper case
 * (looks like a directive keyword, the case directiveLabel() must not echo), or with the
 * characters that need quoting.
 */
const password: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 10, maxLength: 24 }).map((s) => `Pw${s}`),
  fc.string({ unit: fc.constantFrom(...UPPER), minLength: 10, maxLength: 24 }).map((s) => `PW${s}`),
  fc.tuple(fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 10, maxLength: 16 }), fc.string({ unit: fc.constantFrom(...' "#\\=!$%&*@:[]'), minLength: 1, maxLength: 4 }))
    .map(([a, b]) => `Pw${a}${b}`),
);
const q = quoteValue;
/** A password from the generator above: any occurrence of it in a message is a leak. */
const distinctive = (p: string): boolean => /^P[wW]/.test(p) && p.length >= 12;
const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

const genUpsdUsers: fc.Arbitrary<Generated> = fc.array(fc.tuple(password, fc.nat({ max: 3 }), fc.nat({ max: 3 })), { minLength: 1, maxLength: 4 })
  .map((users) => {
    let text = '# generated\n';
    users.forEach(([pw, style, role], i) => {
      text += `[user${i}]\n`;
      text += style === 0 ? `\tpassword = ${q(pw)}\n` : style === 1 ? `password=${q(pw)}\n` : style === 2 ? `  PASSWORD = ${q(pw)} extra\n` : `\tpassword = ${q(pw)}\n\tpassword = ${q(`${pw}x`)}\n`;
      text += ['\tupsmon primary\n', '\tupsmon = secondary\n', '\tactions = SET FSD\n\tinstcmds = all\n', '\tupsmon master\n'][role];
    });
    return { data: bytes(text), secrets: users.map(([pw]) => pw) };
  });

/** NOTIFYMSG templates, valid or not: %s, %%, printf conversions, flags, positions, a lone %. */
const anyTemplate = fc.string({ unit: fc.constantFrom('%', 's', '%s', '%%', 'n', 'x', 'd', 'p', '1$', '-10', '.', ' ', 'UPS'), maxLength: 8 });

const genUpsmon: fc.Arbitrary<Generated> = fc.tuple(
  fc.array(fc.tuple(password, fc.boolean(), fc.nat({ max: 2 })), { minLength: 1, maxLength: 3 }), fc.option(password, { nil: undefined }),
  fc.array(fc.tuple(pick(NOTIFY_TYPES), anyTemplate), { maxLength: 3 }),
).map(([mons, certPw, msgs]) => {
  let text = 'MINSUPPLIES 1\nSHUTDOWNCMD "/sbin/shutdown -h +0"\nPOWERDOWNFLAG /etc/killpower\n';
  mons.forEach(([pw, primary, style], i) => {
    const role = primary ? 'primary' : 'secondary';
    text += style === 2
      ? `MONITOR ups${i}@host${i} 1 ${q(pw)} ${primary ? 'master' : 'slave'}\n` // NUT 2.6's 5-word form
      : `MONITOR ups${i}@host${i}:3493 ${style} monuser${i} ${q(pw)} ${role}\n`;
  });
  if (certPw !== undefined) text += `CERTIDENT "my cert" ${q(certPw)}\n`;
  text += 'NOTIFYMSG ONBATT "UPS %s on battery"\nNOTIFYFLAG ONBATT SYSLOG+WALL\n';
  for (const [type, template] of msgs) text += `NOTIFYMSG ${type} ${q(template)}\n`;
  return { data: bytes(text), secrets: [...mons.map(([pw]) => pw), ...(certPw === undefined ? [] : [certPw])] };
});

const genUpsd: fc.Arbitrary<Generated> = password.map((pw) => ({
  data: bytes(`LISTEN 127.0.0.1 3493\nMAXAGE 15\nCERTFILE /etc/nut/upsd.pem\nCERTIDENT "upsd cert" ${q(pw)}\nMAXCONN 1024\n`),
  secrets: [pw],
}));

const genUps: fc.Arbitrary<Generated> = fc.tuple(password, password, password).map(([community, auth, priv]) => ({
  data: bytes(`pollinterval = 2\n[snmp1]\n\tdriver = snmp-ups\n\tport = 192.0.2.10\n\tcommunity = ${q(community)}\n`
    + `[snmp3]\n\tdriver = snmp-ups\n\tport = 192.0.2.11\n\tsnmp_version = v3\n\tsecLevel = authPriv\n\tsecName = nutuser\n`
    + `\tauthPassword = ${q(auth)}\n\tprivPassword = ${q(priv)}\n`),
  secrets: [community, auth, priv],
}));

const noSecrets = (seeds: Seed[]): fc.Arbitrary<Generated> => mutated(seeds).map((data) => ({ data, secrets: [] }));

const GENERATED: Partial<Record<ConfKind, fc.Arbitrary<Generated>>> = {
  'upsd.users': genUpsdUsers, 'upsmon.conf': genUpsmon, 'upsd.conf': genUpsd, 'ups.conf': genUps,
};

function inputs(kind: ConfKind): fc.Arbitrary<Generated> {
  const seeds = configSeeds(kind);
  const gen = GENERATED[kind];
  return gen === undefined ? noSecrets(seeds) : fc.oneof(noSecrets(seeds), withEdits(gen, seeds));
}

/**
 * Files with passwords, then edited the way people edit files: a long line wrapped at a space,
 * lines dropped, duplicated or moved. (Byte-level garbling can glue a password to any word —
 * `ups@host:3493"secret"` — and is left to the robustness properties above.)
 */
const withSecrets: fc.Arbitrary<Generated & { kind: ConfKind }> = fc.oneof(
  ...(Object.entries(GENERATED) as Array<[ConfKind, fc.Arbitrary<Generated>]>)
    .map(([kind, gen]) => withEdits(gen, [], 4, lineEdit).map((g) => ({ ...g, kind }))),
);

// ---- round trips: generated values → file text with NUT's quoting → reader → same values ----

const word = (min = 1, max = 16): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), minLength: min, maxLength: max });
const anyText = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const upsName = fc.tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_.-'), maxLength: 15 }))
  .map(([a, b]) => a + b);
const host = fc.oneof(word(1, 12), pick(['localhost', '127.0.0.1', '[::1]', 'ups.example.org']));
const port = fc.integer({ min: 1, max: 65535 });

function noErrors(diags: Diagnostic[]): void {
  expect(diags.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
}

const templateArb = fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'abc XYZ!.:"#\\=0'), maxLength: 8 }), fc.constant('%%')), { maxLength: 4 })
  .chain((parts) => fc.nat({ max: parts.length }).map((at) => ({ parts, at })))
  .map(({ parts, at }) => [...parts.slice(0, at), '%s', ...parts.slice(at)].join(''));

describe('config fuzz', () => {
  for (const kind of Object.keys(READERS) as ConfKind[]) {
    const r = READERS[kind];
    fuzz(`${kind}: never throws; diagnostics well-formed and on real lines; value keeps its rules`, inputs(kind), ({ data }) => {
      const file = `/etc/nut/${kind}`;
      const first = r.run(data, file);
      checkDiagnostics(first.diagnostics, file, data);
      expect(r.run(data, file)).toEqual(first);
    });
  }

  fuzz('no password in upsd.users, upsmon.conf, upsd.conf or ups.conf appears in a diagnostic, even after a line wrap', withSecrets, ({ kind, data, secrets }) => {
    checkNoSecret(READERS[kind].run(data, kind).diagnostics, secrets);
  });

  fuzz('upsd.users: users, passwords, actions, instcmds, upsmon read back exactly', fc.uniqueArray(fc.record({
    name: upsName, password: fc.oneof(password, anyText.filter((s) => s !== '')), actions: fc.subarray([...KNOWN_ACTIONS]),
    instcmds: fc.uniqueArray(word(), { maxLength: 3, selector: (s) => s.toLowerCase() }), upsmon: fc.option(pick(['primary', 'secondary'] as const), { nil: undefined }),
  }), { minLength: 1, maxLength: 4, selector: (u) => u.name }), (users) => {
    const text = users.map((u) => [
      `[${u.name}]`, `\tpassword = ${q(u.password)}`,
      ...(u.actions.length ? [`\tactions = ${u.actions.join(' ')}`] : []),
      ...u.instcmds.map((c) => `\tinstcmds = ${c}`),
      ...(u.upsmon ? [`\tupsmon ${u.upsmon}`] : []),
    ].join('\n')).join('\n\n');
    const r = parseUpsdUsers(bytes(`${text}\n`), 'upsd.users');
    noErrors(r.diagnostics);
    expect(r.value.users.map((u) => ({ name: u.name, password: u.password, actions: u.actions, instcmds: u.instcmds, upsmon: u.upsmon })))
      .toEqual(users.map((u) => ({ name: u.name, password: u.password, actions: u.actions, instcmds: u.instcmds, upsmon: u.upsmon })));
    for (const d of r.diagnostics) for (const u of users) if (distinctive(u.password)) expect(formatDiagnostic(d)).not.toContain(u.password);
  });

  fuzz('upsmon.conf: MONITOR lines, NOTIFYMSG templates and NOTIFYFLAGs read back exactly', fc.tuple(
    fc.uniqueArray(fc.record({ ups: upsName, host, port: fc.option(port, { nil: undefined }), pv: fc.nat({ max: 9 }), user: word(), password: fc.oneof(password, anyText.filter((s) => s !== '')), primary: fc.boolean() }),
      { minLength: 1, maxLength: 4, selector: (m) => `${m.ups}@${m.host}${m.port === undefined ? '' : `:${m.port}`}` }),
    fc.dictionary(pick(NOTIFY_TYPES), templateArb, { maxKeys: 5 }),
    fc.dictionary(pick(NOTIFY_TYPES), fc.uniqueArray(pick(NOTIFY_FLAGS), { minLength: 1 }), { maxKeys: 5 }),
  ), ([mons, msgs, flags]) => {
    const lines = ['MINSUPPLIES 0', 'SHUTDOWNCMD "/sbin/shutdown -h +0"', 'POWERDOWNFLAG /etc/killpower'];
    for (const m of mons) {
      lines.push(`MONITOR ${m.ups}@${m.host}${m.port === undefined ? '' : `:${m.port}`} ${m.pv} ${m.user} ${q(m.password)} ${m.primary ? 'primary' : 'secondary'}`);
    }
    for (const [t, msg] of Object.entries(msgs)) lines.push(`NOTIFYMSG ${t.toLowerCase()} ${q(msg)}`);
    for (const [t, fl] of Object.entries(flags)) lines.push(`NOTIFYFLAG ${t} ${fl.join('+')}`);
    const r = parseUpsmonConf(bytes(`${lines.join('\n')}\n`), 'upsmon.conf');
    noErrors(r.diagnostics);
    expect(r.value.monitors.map((m) => [m.upsName, m.host, m.port, m.powerValue, m.user, m.password, m.role])).toEqual(mons.map((m) => [
      m.ups, m.host.replace(/^\[(.*)\]$/, '$1'), m.port ?? 3493, m.pv, m.user, m.password, m.primary ? 'primary' : 'secondary',
    ]));
    expect(r.value.notifyMessages).toEqual(msgs);
    for (const [t, fl] of Object.entries(flags)) expect(r.value.notifyFlags[t as NotifyType]).toEqual(fl as NotifyFlag[]);
  });

  fuzz('ups.conf: sections and their key = value entries read back exactly', fc.uniqueArray(fc.record({
    name: upsName, driver: word(), port: anyText, desc: fc.option(anyText, { nil: undefined }),
    extra: fc.uniqueArray(fc.tuple(word().map((w) => `x_${w}`), fc.option(anyText, { nil: null })), { maxLength: 4, selector: (e) => e[0] }),
  }), { minLength: 1, maxLength: 4, selector: (s) => s.name.toLowerCase() }), (sections) => {
    const text = sections.map((s) => [
      `[${s.name}]`, `\tdriver = ${s.driver}`, `\tport = ${q(s.port)}`, ...(s.desc === undefined ? [] : [`\tdesc = ${q(s.desc)}`]),
      ...s.extra.map(([k, v]) => (v === null ? `\t${k}` : `\t${k} = ${q(v)}`)),
    ].join('\n')).join('\n');
    const r = parseUpsConf(bytes(`maxretry = 3\n${text}\n`), 'ups.conf');
    for (const s of sections) expect(UPS_NAME_PATTERN.test(s.name)).toBe(true);
    noErrors(r.diagnostics);
    expect(r.value.global.maxretry).toBe(3);
    expect(r.value.sections.map((s) => ({ name: s.name, driver: s.driver, port: s.port, desc: s.desc, entries: s.entries.map((e) => [e.key, e.value]) })))
      .toEqual(sections.map((s) => ({
        name: s.name, driver: s.driver, port: s.port, desc: s.desc,
        entries: [['driver', s.driver], ['port', s.port], ...(s.desc === undefined ? [] : [['desc', s.desc]]), ...s.extra],
      })));
  });

  fuzz('upsd.conf: LISTEN, numbers, CERTIDENT and CERTREQUEST read back exactly', fc.record({
    listen: fc.uniqueArray(fc.tuple(fc.oneof(host, pick(['0.0.0.0', '::', '::1'])), port), { maxLength: 4, selector: ([a, p]) => `${a} ${p}` }),
    maxAge: fc.integer({ min: 1, max: 1e9 }), maxConn: fc.integer({ min: 1, max: 1e9 }), tracking: fc.nat({ max: 1e9 }),
    cert: fc.option(fc.tuple(anyText, fc.oneof(password, anyText)), { nil: undefined }), req: fc.nat({ max: 2 }),
  }), (c) => {
    // CERTFILE: CERTIDENT or CERTREQUEST without it is NUT's NSS configuration, an error in hardnut
    const lines = [...c.listen.map(([a, p]) => `LISTEN ${a} ${p}`), `MAXAGE ${c.maxAge}`, `MAXCONN ${c.maxConn}`, `TRACKINGDELAY ${c.tracking}`,
      'CERTFILE /etc/nut/upsd.pem', `CERTREQUEST ${['NO', 'REQUEST', 'REQUIRE'][c.req]}`, ...(c.cert ? [`CERTIDENT ${q(c.cert[0])} ${q(c.cert[1])}`] : [])];
    const r = parseUpsdConf(bytes(`${lines.join('\n')}\n`), 'upsd.conf');
    noErrors(r.diagnostics);
    expect(r.value.listen.map((l) => [l.address, l.port])).toEqual(c.listen);
    expect([r.value.maxAge, r.value.maxConn, r.value.trackingDelay, r.value.certRequest]).toEqual([c.maxAge, c.maxConn, c.tracking, c.req]);
    expect(r.value.certIdent).toEqual(c.cert ? { name: c.cert[0], password: c.cert[1] } : undefined);
    if (c.cert && distinctive(c.cert[1])) for (const d of r.diagnostics) expect(formatDiagnostic(d)).not.toContain(c.cert[1]);
  });

  fuzz('upssched.conf: CMDSCRIPT, PIPEFN, LOCKFN and AT lines read back exactly', fc.record({
    script: fc.array(anyText.filter((s) => s !== ''), { minLength: 1, maxLength: 3 }).map((a) => [`/usr/local/bin/${a[0]!.replace(/[^a-z0-9]/gi, '') || 'cmd'}`, ...a.slice(1)]),
    pipe: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz/._-'), minLength: 1, maxLength: 100 }).map((s) => `/${s}`),
    at: fc.array(fc.record({
      type: pick(NOTIFY_TYPES), lowerType: fc.boolean(), ups: fc.oneof(upsName, fc.constant('*')),
      action: pick(['START-TIMER', 'START-TIMER-SHARED', 'CANCEL-TIMER', 'EXECUTE'] as const), name: word(), secs: fc.nat({ max: 1e6 }), cmd: fc.option(word(), { nil: undefined }),
    }), { maxLength: 6 }),
  }), (c) => {
    const lines = [`CMDSCRIPT ${c.script.map(q).join(' ')}`, `PIPEFN ${c.pipe}`, 'LOCKFN /run/nut/upssched.lock'];
    for (const a of c.at) {
      const t = a.lowerType ? a.type.toLowerCase() : a.type;
      const tail = a.action.startsWith('START') ? `${a.name} ${a.secs}` : a.action === 'CANCEL-TIMER' ? `${a.name}${a.cmd ? ` ${a.cmd}` : ''}` : a.name;
      lines.push(`AT ${t} ${a.ups} ${a.action} ${tail}`);
    }
    const r = parseUpsschedConf(bytes(`${lines.join('\n')}\n`), 'upssched.conf');
    noErrors(r.diagnostics);
    expect(r.value.cmdScript).toEqual(c.script);
    expect(r.value.pipeFn).toBe(c.pipe);
    expect(r.value.at.map((e) => ({ ...e, line: 0 }))).toEqual(c.at.map((a) => {
      const base = { notifyType: a.type, upsName: a.ups, line: 0 };
      if (a.action === 'START-TIMER' || a.action === 'START-TIMER-SHARED') return { ...base, action: a.action, timer: a.name, seconds: a.secs };
      if (a.action === 'CANCEL-TIMER') return a.cmd ? { ...base, action: a.action, timer: a.name, command: a.cmd } : { ...base, action: a.action, timer: a.name };
      return { ...base, action: a.action, command: a.name };
    }));
  });

  fuzz('nut.conf: MODE and KEY=value assignments (shell-quoted) read back exactly', fc.record({
    mode: pick(NUT_MODES), export: fc.boolean(),
    vars: fc.dictionary(fc.tuple(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'), word(0, 10).map((w) => w.toUpperCase())).map(([a, b]) => `X${a}${b}`),
      fc.string({ unit: fc.constantFrom(...' abcXYZ019=:;|&<>()#"\\$`-_./'), maxLength: 20 }), { maxKeys: 6 }),
  }), (c) => {
    // single quotes: everything literal, so any value without a quote round-trips (shell rules)
    const lines = [`${c.export ? 'export ' : ''}MODE=${c.mode}`, ...Object.entries(c.vars).map(([k, v]) => `${k}='${v}'`)];
    const r = parseNutConf(bytes(`${lines.join('\n')}\n`), 'nut.conf');
    noErrors(r.diagnostics);
    expect(r.value.mode).toBe(c.mode);
    expect(r.value.vars).toEqual({ MODE: c.mode, ...c.vars });
  });
});
