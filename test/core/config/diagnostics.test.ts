import { describe, it, expect } from 'vitest';
import {
  DiagnosticList, firstError, formatDiagnostic, tokenizeConfig, parseInteger, parseCount, parseBoolean,
  countBySeverity, closest, echoable,
} from '../../../src/core/config/diagnostics.js';
import { ConfigError } from '../../../src/core/errors.js';

describe('formatDiagnostic', () => {
  it('renders file:line: severity: message and an indented hint line', () => {
    expect(formatDiagnostic({ severity: 'error', file: '/etc/nut/ups.conf', line: 7, message: 'bad', hint: 'fix it' }))
      .toBe('/etc/nut/ups.conf:7: error: bad\n  hint: fix it');
  });
  it('line 0 names the file only; no hint, no second line', () => {
    expect(formatDiagnostic({ severity: 'warning', file: 'upsd.users', line: 0, message: 'too open' }))
      .toBe('upsd.users: warning: too open');
  });
});

describe('firstError', () => {
  it('returns a ConfigError for the first error, message file:line: message (hint)', () => {
    const d = new DiagnosticList('f.conf');
    d.warning(1, 'w');
    d.error(3, 'first', 'do this');
    d.error(4, 'second');
    const e = firstError({ diagnostics: d.sorted() });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e?.message).toBe('f.conf:3: first (do this)');
    expect(e?.line).toBe(3);
    expect(e?.file).toBe('f.conf');
    expect(e?.code).toBe('ERR_CONFIG');
  });
  it('is undefined without errors', () => {
    const d = new DiagnosticList('f');
    d.warning(1, 'only a warning');
    expect(firstError({ diagnostics: d.sorted() })).toBeUndefined();
  });
});

describe('DiagnosticList.sorted', () => {
  it('orders by line, stable, with whole-file (line 0) diagnostics last', () => {
    const d = new DiagnosticList('f');
    d.warning(0, 'whole');
    d.error(5, 'five');
    d.warning(2, 'two-a');
    d.error(2, 'two-b');
    expect(d.sorted().map((x) => x.message)).toEqual(['two-a', 'two-b', 'five', 'whole']);
    expect(countBySeverity(d.sorted())).toEqual({ errors: 2, warnings: 2 });
  });
});

describe('tokenizeConfig', () => {
  it('turns a tokenizer parse error into an error at its line, with a hint', () => {
    const d = new DiagnosticList('x.conf');
    const lines = tokenizeConfig('A 1\nB "x#y"\nC 3\n', d);
    const errs = d.sorted();
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ severity: 'error', file: 'x.conf', line: 2 });
    expect(errs[0]?.hint).toContain('\\#');
    expect(lines.map((l) => l.args[0])).toContain('C');
  });
  it('turns a runaway quote into a warning at the line it opened', () => {
    const d = new DiagnosticList('x.conf');
    tokenizeConfig('A 1\nB "open\nC\n', d);
    const w = d.sorted();
    expect(w[0]).toMatchObject({ severity: 'warning', line: 2 });
    expect(w[0]?.hint).toMatch(/close the quote/);
  });
});

describe('value helpers', () => {
  it('parseInteger is strict decimal', () => {
    expect(parseInteger('15')).toBe(15);
    expect(parseInteger('-1')).toBe(-1);
    expect(parseInteger('15s')).toBeUndefined();
    expect(parseInteger('')).toBeUndefined();
    expect(parseInteger('0x10')).toBeUndefined();
  });
  it('parseCount refuses negatives', () => {
    expect(parseCount('0')).toBe(0);
    expect(parseCount('-1')).toBeUndefined();
  });
  it('parseBoolean takes NUT words in any case', () => {
    for (const t of ['true', 'ON', 'Yes', '1']) expect(parseBoolean(t)).toBe(true);
    for (const f of ['false', 'OFF', 'no', '0']) expect(parseBoolean(f)).toBe(false);
    expect(parseBoolean('maybe')).toBeUndefined();
  });
  it('closest suggests near misses only', () => {
    expect(closest('MONTIOR', ['MONITOR', 'MINSUPPLIES'])).toBe('MONITOR');
    expect(closest('zzzzzz', ['MONITOR'])).toBeUndefined();
  });
  it('echoable refuses secrets and odd words', () => {
    expect(echoable('FOO', new Set())).toBe(true);
    expect(echoable('FOO', new Set(['FOO']))).toBe(false);
    expect(echoable('a b', new Set())).toBe(false);
  });
});
