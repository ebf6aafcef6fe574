// upsd's reply formatting (spec §1.5, §2.1, §2.7): escaping, NUT's buffer sizes, LIST framing.
import { describe, expect, it } from 'vitest';
import {
  MAX_REPLY_LINE, ReplyBuilder, encodedDesc, errLine, listReply, pconfEncode, replyLine, storedValue, typeLine,
} from '../../../src/protocol/net/server-replies.js';

describe('pconfEncode (§1.5) into a fixed buffer', () => {
  it('escapes # \\ and " only', () => {
    expect(pconfEncode('a "b" c:\\x #1 = \t', 512)).toBe('a \\"b\\" c:\\\\x \\#1 = \t');
  });
  it('stops at the buffer size minus the NUL, never splitting an escape pair', () => {
    expect(pconfEncode('abcdef', 4)).toBe('abc');
    expect(pconfEncode('ab"', 4)).toBe('ab');
    expect(pconfEncode('a"', 4)).toBe('a\\"');
    expect(pconfEncode('x', 0)).toBe('');
  });
  it('driver values are kept as NUT stores them: 255 characters once escaped', () => {
    expect(storedValue('v'.repeat(300))).toHaveLength(255);
    expect(storedValue('"'.repeat(200))).toBe('\\"'.repeat(127));
    expect(storedValue('short')).toBe('short');
  });
  it('descriptions are escaped into 511 characters', () => {
    expect(encodedDesc('d'.repeat(600))).toHaveLength(511);
  });
});

describe('reply lines', () => {
  it('a line longer than NUT\'s 512-character answer buffer is cut there and loses its LF (§2.1 ⚠)', () => {
    expect(MAX_REPLY_LINE).toBe(512);
    const long = `VAR ${'A'.repeat(600)} x "1"\n`;
    expect(replyLine(long)).toBe(long.slice(0, 512));
    expect(replyLine('OK\n')).toBe('OK\n');
    expect(replyLine(`${'x'.repeat(511)}\n`)).toBe(`${'x'.repeat(511)}\n`);
  });
  it('errors', () => {
    expect(errLine('DATA-STALE')).toBe('ERR DATA-STALE\n');
  });
  it('a LIST is one string: BEGIN, items, END', () => {
    expect(listReply('VAR ups1', ['VAR ups1 a "1"', 'VAR ups1 b "2"'])).toBe('BEGIN LIST VAR ups1\nVAR ups1 a "1"\nVAR ups1 b "2"\nEND LIST VAR ups1\n');
    expect(listReply('CLIENT x', [])).toBe('BEGIN LIST CLIENT x\nEND LIST CLIENT x\n');
    expect(new ReplyBuilder().line('a').line('b'.repeat(600)).toString()).toBe(`a\n${'b'.repeat(512)}`);
  });
  it('GET TYPE words in NUT\'s order, cut as NUT cuts its two buffers', () => {
    const all = { rw: true, hasEnum: true, hasRange: true, string: true, aux: 8 };
    expect(typeLine('u', 'v', all)).toBe('TYPE u v RW ENUM RANGE STRING:8\n');
    expect(typeLine('u', 'v', { rw: false, hasEnum: false, hasRange: false, string: false, aux: 0 })).toBe('TYPE u v NUMBER\n');
    const name = 'n'.repeat(505);
    // "TYPE u <505>" is 512 characters: NUT keeps 511 of them in its first buffer, then adds " RW"…
    expect(typeLine('u', name, all)).toBe(`TYPE u ${name}`.slice(0, 511) + ' ');
  });
});
