import { describe, it, expect } from 'vitest';
import { ReplyBuffer, readSettings, SER_AA, SER_CC, SER_CS, SER_HA, SER_D1, SER_TO, SER_DX } from '../../../src/protocol/apcsmart/index.js';

function read(chunks: string[], flags: number): { kind: string; text: string; alerts: string } {
  const buf = new ReplyBuffer();
  let alerts = '';
  const s = readSettings(flags);
  for (const c of chunks) {
    const out = buf.feed(c, s, (ch) => { alerts += ch; });
    if (out.kind !== 'more') return { kind: out.kind, text: buf.text, alerts };
  }
  return { kind: 'more', text: buf.text, alerts };
}

describe('apcsmart reply reading', () => {
  it('takes the timeout and character sets from the flags, like NUT', () => {
    expect(readSettings(0).timeoutMs).toBe(3000);
    expect(readSettings(SER_DX | SER_TO).timeoutMs).toBe(200);
    expect(readSettings(SER_D1).timeoutMs).toBe(1500);
    expect(readSettings(SER_CC).timeoutMs).toBe(6000);
    expect(readSettings(SER_CS).ignore).toBe('');
  });

  it('hands alert characters to the status logic in alert-aware reads, drops them otherwise', () => {
    expect(read(['!08\n'], SER_AA)).toEqual({ kind: 'line', text: '08', alerts: '!' });
    expect(read(['!08\n'], 0)).toEqual({ kind: 'line', text: '08', alerts: '' });
    expect(read(['|&0\x008\n'], SER_AA)).toEqual({ kind: 'line', text: '08', alerts: '' });
  });

  it("keeps '#' in the capability string, and everything in the command set", () => {
    expect(read(['#u4$x\n'], SER_CC).text).toBe('#u4x');
    expect(read(['3.!$%.AB\n'], SER_CS).text).toBe('3.!$%.AB');
  });

  it("treats '*' as OK only after shutdown commands", () => {
    expect(read(['*'], SER_HA | SER_D1 | SER_TO).kind).toBe('asterisk');
    expect(read(['*', 'OK\n'], 0)).toEqual({ kind: 'line', text: 'OK', alerts: '' });
  });

  it('reports an overflowing reply instead of growing', () => {
    expect(read(['x'.repeat(600)], 0).kind).toBe('overflow');
    expect(read(['x'.repeat(511)], 0).kind).toBe('full');
  });
});
