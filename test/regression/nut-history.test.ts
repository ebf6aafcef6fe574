// NUT's history of hostile input (spec §9), replayed against the parsers hardnut has today: each
// case is named after the incident it guards against and runs in every `npm test`. upsd, the
// client library, upsmon and upssched add their own cases when they land (test/fuzz/README.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, parseText, splitLine, type TokenizerSink } from '../../src/core/tokenizer.js';
import { SockDecoder, parseClientMessage, parseDriverMessage, type ClientMessage, type DriverMessage } from '../../src/protocol/sock/index.js';
import { UPSD_CONF_DEFAULTS, parseUpsdConf } from '../../src/core/config/upsd-conf.js';
import { checkNotifyTemplate, parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { parseUpsConf } from '../../src/core/config/ups-conf.js';
import { DriverState } from '../../src/driver/dstate.js';
import { STAT_HANDLED, StateServer } from '../../src/driver/state-server.js';
import { setDummyVar } from '../../src/driver/drivers/dummy-ups.js';
import { QuietLogger } from '../support/quiet-logger.js';

/** §1.3 as the spec states it. */
const MAX_ARGS = 32;
const MAX_ARG_LEN = 512;

const enc = new TextEncoder();

interface Collected { lines: string[][]; errors: string[] }

/** Stream mode; with `upsd` true a parse error drops the rest of the chunk, as upsd does (§1.4). */
function tokenize(chunks: Array<Uint8Array | string>, upsd = false): Collected {
  const out: Collected = { lines: [], errors: [] };
  const sink: TokenizerSink = {
    line(args) { if (args.length > 0) out.lines.push(args); },
    error(message) { out.errors.push(message); return !upsd; },
  };
  const t = new Tokenizer();
  for (const c of chunks) t.feed(typeof c === 'string' ? enc.encode(c) : c, sink);
  return out;
}


/** A driver on a real Unix socket: ups.mfr, ups.status; SET goes through dummy-ups' setDummyVar. */
async function driver(path: string): Promise<{ state: DriverState; server: StateServer; log: QuietLogger }> {
  const state = new DriverState();
  state.setInfo('ups.mfr', 'Original');
  state.setInfo('ups.status', 'OL');
  state.dataOk();
  const log = new QuietLogger();
  const server = new StateServer(path, state, {
    instcmd: () => STAT_HANDLED,
    setvar: (name, value) => { setDummyVar(state, name, value); return STAT_HANDLED; },
  }, log);
  await server.listen();
  return { state, server, log };
}

/** Sends `data`, reads until `until` matches or the server closes; resolves with what came back. */
function exchange(path: string, data: Uint8Array | string, until: RegExp, ms = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    let text = '';
    const done = (closed: boolean): void => { clearTimeout(timer); s.destroy(); resolve({ text, closed }); };
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no ${String(until)} in ${JSON.stringify(text.slice(0, 200))}`)); }, ms);
    s.on('connect', () => s.write(data));
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); if (until.test(text)) done(false); });
    s.on('close', () => done(true));
    s.on('error', () => done(true));
  });
}

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hn-rg-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('CVE-2012-2944: non-printable and high bytes in long lines (upsd heap overflow in parseconf)', () => {
  // One 256 KiB line of every byte value but LF, in words of up to 3000 bytes.
  const hostile = new Uint8Array(256 * 1024);
  for (let i = 0; i < hostile.length; i++) hostile[i] = (i * 7 + (i >> 8)) & 0xff;
  for (let i = 0; i < hostile.length; i++) if (hostile[i] === 0x0a) hostile[i] = 0x0b;
  for (let i = 2999; i < hostile.length; i += 3000) hostile[i] = 0x20;

  it('tokenizer: only 0x20–0x7F is stored, ≤32 words of ≤512 chars per line, in any split', () => {
    for (const chunking of [hostile.length, 4096, 1]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < hostile.length; i += chunking) chunks.push(hostile.subarray(i, i + chunking));
      const out = tokenize([...chunks, '\n"#\nend\n']);
      expect(out.lines.at(-1)).toEqual(['end']);
      for (const args of out.lines) {
        expect(args.length).toBeLessThanOrEqual(MAX_ARGS);
        for (const a of args) {
          expect(a.length).toBeLessThanOrEqual(MAX_ARG_LEN);
          expect(a).toMatch(/^[\x20-\x7f]*$/);
        }
      }
    }
  });

  it('driver socket decoder: a value with control and high bytes arrives without them', () => {
    const line = enc.encode('SETINFO ups.mfr "');
    const value = Uint8Array.from([0x41, 0x01, 0x0d, 0x42, 0x80, 0xff, 0xc3, 0xa9, 0x43, 0x09, 0x44]);
    const r = new SockDecoder<DriverMessage>(parseDriverMessage).push(Uint8Array.from([...line, ...value, 0x22, 0x0a]));
    expect(r.messages).toEqual([{ type: 'SETINFO', name: 'ups.mfr', value: 'ABCD' }]);
  });

  it('driver socket decoder: a long line of them overflows the line limit instead of growing a buffer', () => {
    const dec = new SockDecoder<ClientMessage>(parseClientMessage);
    let overflow = false;
    for (let i = 0; i < 64 && !overflow; i++) overflow = dec.push(hostile.subarray(0, 2999)).overflow;
    expect(overflow).toBe(true);
    expect(dec.push(enc.encode('\nPING\n')).messages).toEqual([]); // latched: nothing more is parsed
  });

  it('real driver socket: the hostile client is cut off, the driver keeps serving and stores only printable bytes', async () => {
    const path = join(dir, 'dummy-ups-cve');
    const { state, server, log } = await driver(path);
    try {
      const r = await exchange(path, hostile, /PONG\n/);
      expect(r.closed).toBe(true);
      expect((await exchange(path, 'PING\n', /PONG\n/)).text).toBe('PONG\n');
      const set = Uint8Array.from([...enc.encode('SET ups.mfr "'), 0x4e, 0x01, 0x55, 0xff, 0x54, 0x22, 0x0a, ...enc.encode('PING\n')]);
      await exchange(path, set, /PONG\n/);
      expect(state.getInfo('ups.mfr')).toBe('NUT');
      expect(log.errors).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('MAXCONN from a huge RLIMIT_NOFILE (NUT sized its tables from the limit: an 8 GiB allocation)', () => {
  it('upsd.conf without MAXCONN gives a fixed 1024, not a number derived from RLIMIT_NOFILE', () => {
    expect(UPSD_CONF_DEFAULTS.maxConn).toBe(1024);
    expect(parseUpsdConf('', 'upsd.conf').value.maxConn).toBe(1024);
    expect(parseUpsdConf('LISTEN 127.0.0.1 3493\n', 'upsd.conf').value.maxConn).toBe(1024);
  });

  it('MAXCONN as large as that limit (1073741816) is read as a number, without error (upsd must not size tables by it)', () => {
    const r = parseUpsdConf('MAXCONN 1073741816\n', 'upsd.conf');
    expect(r.value.maxConn).toBe(1073741816);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('format specifiers in NOTIFYMSG (NUT #2450: user templates used as printf formats)', () => {
  const bad: Array<[string, string]> = [
    ['ONBATT', 'UPS %s wrote %n'], ['ONBATT', 'UPS %x'], ['ONLINE', '%s%s'], ['LOWBATT', '%1$s'],
    ['FSD', 'UPS %-10s'], ['COMMBAD', 'lone percent %'], ['ALARM', '%s %s %s'], ['OTHER', '%d'], ['SHUTDOWN', '%p %s'],
  ];
  const good: Array<[string, string]> = [
    ['ONBATT', 'UPS %s on battery'], ['ONLINE', '100%% back: %s'], ['ALARM', 'UPS %s alarm: %s'], ['OTHER', '%s: %s'],
    ['NOCOMM', 'no %s'], ['REPLBATT', 'literal %%s and %%n'], ['FSD', 'no placeholder at all'],
  ];

  it.each(bad)('NOTIFYMSG %s "%s" is refused with an error and not used', (type, template) => {
    const r = parseUpsmonConf(`NOTIFYMSG ${type} "${template}"\n`, 'upsmon.conf');
    expect(r.value.notifyMessages).toEqual({});
    const e = r.diagnostics.find((d) => d.severity === 'error' && d.line === 1);
    expect(e?.message).toMatch(new RegExp(`^NOTIFYMSG ${type}: `));
  });

  it.each(good)('NOTIFYMSG %s "%s" is accepted as written', (type, template) => {
    const r = parseUpsmonConf(`NOTIFYMSG ${type} "${template}"\n`, 'upsmon.conf');
    expect(r.value.notifyMessages).toEqual({ [type]: template });
    expect(checkNotifyTemplate(type as 'ONBATT', template)).toBeUndefined();
  });
});

describe('`#` inside quotes mid-pipeline (§1.4: upsd drops the rest of the read() chunk)', () => {
  it('network mode, one read: the error line and everything after it in the chunk are lost', () => {
    const out = tokenize(['LIST UPS\nGET VAR ups "a#b"\nLIST VAR ups\nVER\n'], true);
    expect(out.lines).toEqual([['LIST', 'UPS']]);
    expect(out.errors).toEqual(['Unbalanced word due to unescaped # in quotes']);
  });

  it('network mode, the same bytes in two reads: the second read parses normally', () => {
    const out = tokenize(['LIST UPS\nGET VAR ups "a#b"\n', 'LIST VAR ups\nVER\n'], true);
    expect(out.lines).toEqual([['LIST', 'UPS'], ['LIST', 'VAR', 'ups'], ['VER']]);
  });

  it('driver socket (hardnut difference): parsing resumes after the error, whatever the split', () => {
    const r = new SockDecoder<ClientMessage>(parseClientMessage).push(enc.encode('SET ups.mfr "a#b"\nPING\n'));
    expect(r.errors).toHaveLength(1);
    expect(r.messages).toEqual([{ type: 'PING' }]);
  });

  it('file mode: the rest of the physical line is read as a fresh line', () => {
    const r = parseText('x "a#b"\nnext line\n');
    expect(r.errors.map((e) => e.line)).toEqual([1]);
    expect(r.lines.map((l) => l.args)).toEqual([['b"'], ['next', 'line']]);
  });
});

describe('33+ arguments on one line (§1.3: 32 kept, the line still accepted)', () => {
  const words = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i}`);

  it.each([33, 40, 1000])('%i words: the first 32 are kept', (n) => {
    expect(splitLine(words(n).join(' '))).toEqual(words(MAX_ARGS));
    expect(tokenize([`${words(n).join(' ')}\nnext\n`]).lines).toEqual([words(MAX_ARGS), ['next']]);
  });

  it('driver socket: SETFLAGS with 40 flag words keeps 30 of them (32 words minus verb and name)', () => {
    const r = new SockDecoder<DriverMessage>(parseDriverMessage).push(enc.encode(`SETFLAGS ups.mfr ${Array(40).fill('RW').join(' ')}\n`));
    expect(r.messages).toEqual([{ type: 'SETFLAGS', name: 'ups.mfr', flags: Array(30).fill('RW') }]);
  });

  it('config: SHUTDOWNCMD with 40 words keeps 31 of them', () => {
    const r = parseUpsmonConf(`SHUTDOWNCMD ${words(40).join(' ')}\n`, 'upsmon.conf');
    expect(r.value.shutdownCmd).toEqual(words(31));
  });
});

describe('words over 512 characters (§1.3: the first 512 kept)', () => {
  it.each([513, 1000, 100_000])('a %i-character word, bare, quoted or escaped, keeps 512 characters', (n) => {
    const w = 'x'.repeat(n);
    for (const text of [w, `"${w}"`, w.replace(/x/g, '\\x')]) {
      expect(splitLine(`a ${text} b`)).toEqual(['a', 'x'.repeat(MAX_ARG_LEN), 'b']);
    }
  });

  it('ups.conf: a 600-character desc is cut to 512', () => {
    const r = parseUpsConf(`[ups]\n\tdriver = dummy-ups\n\tport = a.dev\n\tdesc = "${'d'.repeat(600)}"\n`, 'ups.conf');
    expect(r.value.sections[0]?.desc).toBe('d'.repeat(MAX_ARG_LEN));
  });

  it('real driver socket: SET with a 5000-character value stores 255 (NUT ST_MAX_VALUE_LEN), names over 512 are refused', async () => {
    const path = join(dir, 'dummy-ups-long');
    const { state, server, log } = await driver(path);
    try {
      await exchange(path, `SET ups.mfr "${'v'.repeat(5000)}"\nSET ${'n'.repeat(600)} x\nPING\n`, /PONG\n/);
      expect(state.getInfo('ups.mfr')).toBe('v'.repeat(255));
      // the 600-char name arrives cut to 512, a valid name: stored under the 512-char name
      expect(state.tree.vars().every((v) => v.name.length <= MAX_ARG_LEN)).toBe(true);
      expect((await exchange(path, 'DUMPALL\n', /DUMPDONE\n/)).text).toMatch(/DUMPDONE\n$/);
      expect(log.errors).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
