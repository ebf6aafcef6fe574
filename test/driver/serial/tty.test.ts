import { describe, it, expect } from 'vitest';
import { TtyDiscipline, QX_TTY, APC_TTY, RAW_TTY, MAX_CANON } from '../../../src/driver/serial/index.js';

describe('termios read emulation', () => {
  it('Q1 (canonical, CR ends a line): one read returns one line with its CR, none before it is complete', () => {
    const t = new TtyDiscipline(QX_TTY);
    t.push('(230.0 2');
    expect(t.read(511)).toBeNull();
    t.push('30.0\r#next\r');
    expect(t.read(511)).toBe('(230.0 230.0\r');
    expect(t.read(511)).toBe('#next\r');
    expect(t.read(511)).toBeNull();
  });

  it('a read returns at most the buffer size; the rest of the line comes with the next read', () => {
    const t = new TtyDiscipline(QX_TTY);
    t.push(`${'a'.repeat(600)}\r`);
    expect(t.read(511)).toHaveLength(511);
    expect(t.read(511)).toBe(`${'a'.repeat(89)}\r`);
  });

  it("APC (IGNCR, '*' ends a line too)", () => {
    const t = new TtyDiscipline(APC_TTY);
    t.push('!08\r\n*OK\r\n');
    expect(t.read(512)).toBe('!08\n');
    expect(t.read(512)).toBe('*');
    expect(t.read(512)).toBe('OK\n');
  });

  it('raw mode returns whatever arrived', () => {
    const t = new TtyDiscipline(RAW_TTY);
    t.push('ab');
    expect(t.read(512)).toBe('ab');
  });

  it('flush drops input, an endless line is capped like the kernel line buffer', () => {
    const t = new TtyDiscipline(QX_TTY);
    t.push('abc\rdef');
    t.flush();
    t.push('\r');
    expect(t.read(511)).toBe('\r');
    t.push('x'.repeat(MAX_CANON + 100));
    t.push('\r');
    let total = 0;
    for (let r = t.read(511); r !== null; r = t.read(511)) total += r.length;
    expect(total).toBe(MAX_CANON + 1);
  });
});
