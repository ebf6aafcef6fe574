// Fuzzing upsd's request path (decoder + dispatcher) with arbitrary bytes: it never throws, every
// reply line fits NUT's 512-character buffer and is printable ASCII, and how the bytes were split
// into chunks does not matter once they are all there (reads are formed from what is buffered).
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { RequestDecoder } from '../../src/protocol/net/server-request-decoder.js';
import { dispatch } from '../../src/upsd/commands.js';
import { fuzz, latin1, splitAt } from '../fuzz/harness.js';
import { harness, session } from './support/dispatch-harness.js';

const WORDS = ['VER', 'HELP', 'GET', 'LIST', 'SET', 'INSTCMD', 'USERNAME', 'PASSWORD', 'LOGIN', 'LOGOUT', 'FSD', 'PRIMARY', 'MASTER',
  'STARTTLS', 'NETVER', 'VAR', 'TYPE', 'DESC', 'CMDDESC', 'UPSDESC', 'NUMLOGINS', 'TRACKING', 'ENUM', 'RANGE', 'RW', 'CMD', 'CLIENT', 'UPS',
  'ups1', 'down', 'stale', 'ups.status', 'ups.id', 'input.transfer.low', 'input.transfer.high', 'load.off', 'admin', 'adminpass', 'CLEAR', 'ON', 'OFF',
  '"', '\\', '#', '=', ' ', '\t', '\r', '\n', '\n', '\n', '\u0000', '\u00ff', 'x'.repeat(600)];

const request = fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 60 })
  .map((parts) => parts.join(' '));

/** All replies for `input` pushed as `chunks`, pulled after everything arrived. */
function replies(chunks: Uint8Array[]): string {
  const h = harness();
  const s = session(h);
  const d = new RequestDecoder();
  for (const c of chunks) d.push(c);
  let out = '';
  for (let e = d.next(); e !== null; e = d.next()) {
    if (e.type === 'line') out += dispatch(h.ctx, s, e.words).text;
    else out += `<${e.type}>`;
  }
  return out;
}

describe('upsd request path', () => {
  fuzz('upsd', 'any bytes: no exception, reply lines ≤ 512 characters, 0x20–0x7F only', request, (text) => {
    const out = replies([latin1(text)]);
    for (const line of out.replace(/<parse-error>/g, '').split('\n')) {
      expect(line.length).toBeLessThanOrEqual(512);
      expect(line).toMatch(/^[\x20-\x7f]*$/); // 0x7f passes the tokenizer filter (§1.1), as in NUT
    }
  });

  fuzz('upsd', 'the chunking of bytes already received does not change the replies', fc.tuple(request, fc.array(fc.nat(), { maxLength: 6 })), ([text, cuts]) => {
    const data = latin1(text);
    expect(replies(splitAt(data, cuts))).toBe(replies([data]));
  });
});
