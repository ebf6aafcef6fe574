// Fuzz target: the exporter's HTTP request-head parser (src/protocol/http). Judged by RFC 9112's
// grammar and the limits as the exporter documents them (8192-byte head, 2048-byte request line,
// 64 fields), written here as numbers, never read from the parser's constants: whatever the bytes
// and however they are split, the outcome is the same, only GET/HEAD of a clean origin-form path
// come out as requests, valid heads parse to exactly what was sent, and every limit holds to the byte.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { ensure, fuzz as fuzzTarget, latin1, splitAt } from './harness.js';
import { RequestParser, type ParseOutcome } from '../../src/protocol/http/request.js';
import { parseBasicAuth } from '../../src/protocol/http/basic.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('http-request', name, arb, predicate);

const SPEC_HEAD = 8192;
const SPEC_LINE = 2048;
const SPEC_FIELDS = 64;
const STATUSES = [400, 405, 414, 431, 501, 505];

function parse(chunks: Uint8Array[]): ParseOutcome {
  const p = new RequestParser();
  for (const c of chunks) { const o = p.feed(c); if (o) return o; }
  return p.end();
}

const pathChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@'.split(''));
const segment = fc.string({ unit: pathChar, minLength: 1, maxLength: 12 }).filter((x) => x !== '.' && x !== '..');
const path = fc.array(segment, { maxLength: 5 }).map((a) => `/${a.join('/')}`);
const hname = fc.string({ unit: fc.constantFrom(...'abcdefXYZ-0123'.split('')), minLength: 1, maxLength: 12 })
  .filter((n) => !['host', 'content-length', 'transfer-encoding'].includes(n.toLowerCase()));
const hvalue = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const valid = fc.record({
  method: fc.constantFrom('GET', 'HEAD'), path, query: fc.option(fc.string({ unit: pathChar, maxLength: 20 }), { nil: undefined }),
  headers: fc.uniqueArray(fc.tuple(hname, hvalue), { maxLength: 10, selector: ([n]) => n.toLowerCase() }),
});
type Valid = typeof valid extends fc.Arbitrary<infer T> ? T : never;
const render = (v: Valid): string => `${v.method} ${v.path}${v.query !== undefined ? `?${v.query}` : ''} HTTP/1.1\r\nHost: h\r\n${v.headers.map(([n, x]) => `${n}: ${x}\r\n`).join('')}\r\n`;

const grammar = fc.array(fc.constantFrom('GET', 'HEAD', 'POST', ' ', '/', '..', '%2e', '?', 'HTTP/1.1', 'HTTP/2.0', '\r\n', '\n', '\r', ':', 'Host: x', 'Content-Length: 0', 'X: y', '\t', '\0', '\x7f', '\xff'), { maxLength: 60 }).map((a) => a.join(''));
const anyHead = fc.oneof(grammar, fc.string({ unit: 'binary', maxLength: 400 }), valid.map(render));
const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 8 });

describe('HTTP request head parser', () => {
  fuzz('any bytes, any split: the outcome of the whole, never a throw, only known statuses', fc.tuple(anyHead, cuts), ([text, c]) => {
    const data = latin1(text);
    const whole = parse([data]);
    const split = parse(splitAt(data, c));
    expect(split).toEqual(whole);
    if (whole.kind === 'error') ensure(STATUSES.includes(whole.status), () => `status ${String(whole.status)}`);
  });

  fuzz('a request out is a GET or HEAD of a clean origin-form path, from a head of printable ASCII', anyHead, (text) => {
    const o = parse([latin1(text)]);
    if (o.kind !== 'request') return;
    expect(['GET', 'HEAD']).toContain(o.method);
    expect(o.path).toMatch(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/);
    expect(o.path.split('/').filter((x) => x === '..' || x === '.' || /%2e/i.test(x))).toEqual([]);
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    expect(/[\0-\x08\n\x0b-\x1f\x7f-\xff]/.test(head.replace(/\r\n/g, ''))).toBe(false);
  });

  fuzz('a valid head parses to exactly what was sent', valid, (v) => {
    const o = parse([latin1(render(v))]);
    expect(o.kind).toBe('request');
    if (o.kind !== 'request') return;
    expect([o.method, o.path, o.target]).toEqual([v.method, v.path, `${v.path}${v.query !== undefined ? `?${v.query}` : ''}`]);
    for (const [n, x] of v.headers) expect(o.headers.get(n.toLowerCase())).toBe(x);
  });

  fuzz('the head limit holds to the byte: at most 8192 bytes with the final CRLFs, else 431', fc.integer({ min: SPEC_HEAD - 40, max: SPEC_HEAD + 40 }), (total) => {
    const start = 'GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ';
    const text = `${start}${'p'.repeat(total - start.length - 4)}\r\n\r\n`;
    expect(text.length).toBe(total);
    const o = parse([latin1(text)]);
    if (total <= SPEC_HEAD) expect(o.kind).toBe('request');
    else expect(o).toMatchObject({ kind: 'error', status: 431 });
  });

  fuzz('the request line limit holds to the byte: 2048, else 414', fc.integer({ min: SPEC_LINE - 20, max: SPEC_LINE + 20 }), (len) => {
    const fixed = 'GET / HTTP/1.1'.length;
    const line = `GET /${'a'.repeat(len - fixed)} HTTP/1.1`;
    expect(line.length).toBe(len);
    const o = parse([latin1(`${line}\r\nHost: h\r\n\r\n`)]);
    if (len <= SPEC_LINE) expect(o.kind).toBe('request');
    else expect(o).toMatchObject({ kind: 'error', status: 414 });
  });

  fuzz('the field count limit holds: 64 fields, else 431', fc.integer({ min: SPEC_FIELDS - 5, max: SPEC_FIELDS + 5 }), (n) => {
    const fields = ['Host: h', ...Array.from({ length: n - 1 }, (_, i) => `X-${String(i)}: v`)];
    const o = parse([latin1(`GET / HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`)]);
    if (n <= SPEC_FIELDS) expect(o.kind).toBe('request');
    else expect(o).toMatchObject({ kind: 'error', status: 431 });
  });

  fuzz('a path with a dot segment (plain or percent-encoded) is never a request', fc.array(fc.oneof(segment, fc.constantFrom('..', '.', '%2e%2e', '%2E.', '.%2e', '%2e')), { minLength: 1, maxLength: 6 }), (segs) => {
    const o = parse([latin1(`GET /${segs.join('/')} HTTP/1.1\r\nHost: h\r\n\r\n`)]);
    const dotted = segs.some((x) => /^(?:\.|%2e){1,2}$/i.test(x));
    expect(o.kind).toBe(dotted ? 'error' : 'request');
  });

  fuzz('no other method is ever a request', fc.string({ unit: fc.constantFrom(...'GETHADPOSUXgetha'.split('')), minLength: 1, maxLength: 8 }), (m) => {
    const o = parse([latin1(`${m} / HTTP/1.1\r\nHost: h\r\n\r\n`)]);
    if (m === 'GET' || m === 'HEAD') expect(o.kind).toBe('request');
    else expect(o.kind).toBe('error');
  });

  // Basic credentials (RFC 7617), judged by the RFC and the 1024-byte field the exporter documents
  const cred = fc.record({
    user: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 }).filter((u) => !u.includes(':')),
    password: fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom('é', '€', '😀')), maxLength: 40 }),
  });
  const field = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`;

  fuzz('Basic credentials: a well-formed field gives back exactly the user and password sent, any case of the scheme', fc.tuple(cred, fc.constantFrom('Basic', 'basic', 'BASIC')), ([c, scheme]) => {
    const f = field(c.user, c.password).replace(/^Basic/, scheme);
    expect(parseBasicAuth(f)).toEqual(f.length <= 1024 ? c : undefined);
  });

  fuzz('Basic credentials: any field gives a user without ":" or control bytes, or nothing; never a throw', fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 60 }).map((x) => `Basic ${Buffer.from(x, 'latin1').toString('base64')}`),
    // the grammar's edges: colons, control bytes, DEL, non-ASCII, in user and password
    fc.string({ unit: fc.constantFrom('a', ':', '\0', '\t', '\x1f', '\x7f', 'é', ' '), maxLength: 12 }).map((x) => `Basic ${Buffer.from(x, 'utf8').toString('base64')}`),
    fc.tuple(cred, fc.nat({ max: 60 }), fc.constantFrom('', '=', '==', ' ', 'A', '\t')).map(([c, at, junk]) => { const f = field(c.user, c.password); return f.slice(0, at) + junk + f.slice(at); }),
  ), (f) => {
    const r = parseBasicAuth(f);
    if (r === undefined) return;
    expect(r.user).not.toContain(':');
    expect(/[\0-\x1f\x7f]/.test(r.user + r.password)).toBe(false);
    // what came out is what the field encodes, byte for byte
    expect(field(r.user, r.password).slice(6)).toBe(f.slice(f.indexOf(' ') + 1));
  });

  fuzz('Basic credentials: the field limit holds to the byte (1024)', fc.integer({ min: 1000, max: 1050 }), (len) => {
    // a password of the right size for a field of `len` bytes, when base64 can make one
    const payload = Math.floor((len - 6) / 4) * 3 - 2;
    const f = field('u', 'p'.repeat(Math.max(0, payload)));
    expect(parseBasicAuth(f) !== undefined).toBe(f.length <= 1024);
  });
});
