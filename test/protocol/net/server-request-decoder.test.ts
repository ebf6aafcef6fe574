// Client bytes → request lines as NUT's upsd reads them (spec §1.4, §2.1).
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_LINE_BYTES, NUT_READ_SIZE, RequestDecoder, type RequestEvent } from '../../../src/protocol/net/server-request-decoder.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function drain(d: RequestDecoder, sameReadOnly = false): RequestEvent[] {
  const out: RequestEvent[] = [];
  for (let e = d.next(sameReadOnly); e !== null; e = d.next(sameReadOnly)) out.push(e);
  return out;
}
const words = (evs: RequestEvent[]): Array<string[] | string> => evs.map((e) => (e.type === 'line' ? e.words : e.type));

describe('RequestDecoder', () => {
  it('lines, across chunks, with the tokenizer\'s grammar', () => {
    const d = new RequestDecoder();
    d.push(b('GET VAR ups1 "ups.st'));
    expect(drain(d)).toEqual([]);
    d.push(b('atus"\r\n\nVER # c\n'));
    expect(words(drain(d))).toEqual([['GET', 'VAR', 'ups1', 'ups.status'], [], ['VER']]);
  });

  it('a parse error drops the rest of its 512-byte read, not the next read (§1.4 ⚠)', () => {
    const d = new RequestDecoder();
    const first = `GET "a#b"\nVER\n${' '.repeat(NUT_READ_SIZE - 14)}`;
    expect(first.length).toBe(NUT_READ_SIZE);
    d.push(b(`${first}HELP\n`));
    expect(words(drain(d))).toEqual(['parse-error', ['HELP']]);
  });

  it('after a parse error the next read starts a fresh line', () => {
    const d = new RequestDecoder();
    d.push(b('GET "a#b'));
    expect(words(drain(d))).toEqual(['parse-error']);
    d.push(b('VER\n'));
    expect(words(drain(d))).toEqual([['VER']]);
  });

  it('sameReadOnly: only what is left of the current read (LOGOUT)', () => {
    const d = new RequestDecoder();
    d.push(b(`LOGOUT\nVER\n${' '.repeat(NUT_READ_SIZE - 11)}HELP\n`));
    expect(d.next()).toEqual({ type: 'line', words: ['LOGOUT'] });
    expect(words(drain(d, true))).toEqual([['VER']]);
  });

  it('a line longer than the limit is an overflow, and nothing follows', () => {
    const d = new RequestDecoder({ maxLineBytes: 1000 });
    d.push(b('VER\n'));
    d.push(b('x'.repeat(1500)));
    d.push(b('\nVER\n'));
    expect(words(drain(d))).toEqual([['VER'], 'overflow']);
    d.push(b('VER\n'));
    expect(drain(d)).toEqual([]);
  });

  it('the default limit lets the longest legitimate line through', () => {
    const d = new RequestDecoder();
    const word = `"${'\\"'.repeat(512)}"`;
    const line = Array(32).fill(word).join(' ');
    expect(line.length).toBeLessThan(MAX_REQUEST_LINE_BYTES);
    d.push(b(`${line}\n`));
    const evs = drain(d);
    expect(evs).toHaveLength(1);
    expect(evs[0]).toEqual({ type: 'line', words: Array(32).fill('"'.repeat(512)) });
  });

  it('a megabyte without LF is cut off after the limit, reading no more', () => {
    const d = new RequestDecoder();
    const mb = Buffer.alloc(1 << 20, 0x41);
    d.push(mb);
    const evs = drain(d);
    expect(words(evs)).toEqual(['overflow']);
    expect(d.buffered).toBe(0);
  });

  it('discard forgets buffered input and any partial line (STARTTLS)', () => {
    const d = new RequestDecoder();
    d.push(b('STARTTLS\nVER\nHEL'));
    expect(d.next()).toEqual({ type: 'line', words: ['STARTTLS'] });
    d.discard();
    d.push(b('P\n'));
    expect(words(drain(d))).toEqual([['P']]);
  });
});
