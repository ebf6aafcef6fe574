import { describe, it, expect } from 'vitest';
import { parseNutConf, NUT_MODES } from '../../../src/core/config/nut-conf.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/nut.conf';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');

describe('parseNutConf', () => {
  it('reads MODE and the other known keys, with shell quoting', () => {
    const r = parseNutConf([
      '# nut.conf', '', 'MODE=netserver', "UPSD_OPTIONS='-D -D'", 'UPSMON_OPTIONS="-p"  # comment',
      'ALLOW_NO_DEVICE=true', 'ALLOW_NOT_ALL_LISTENERS=0', 'POWEROFF_WAIT=15m', 'POWEROFF_QUIET=true',
      'NUT_DEBUG_LEVEL=2', 'export NUT_DEBUG_SYSLOG=stderr', 'NUT_DEBUG_PID=a\\ b',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toMatchObject({
      mode: 'netserver', modeLine: 3, upsdOptions: '-D -D', upsmonOptions: '-p', allowNoDevice: true,
      allowNotAllListeners: false, poweroffWait: '15m', poweroffQuiet: true, debugLevel: 2,
    });
    expect(r.value.vars['NUT_DEBUG_SYSLOG']).toBe('stderr');
    expect(r.value.vars['NUT_DEBUG_PID']).toBe('a b');
    expect(r.value.entries[0]).toEqual({ key: 'MODE', value: 'netserver', line: 3 });
    expect(NUT_MODES).toEqual(['none', 'standalone', 'netserver', 'netclient']);
  });

  it('MODE defaults to none with a whole-file warning', () => {
    const r = parseNutConf('# nothing\n', F);
    expect(r.value.mode).toBe('none');
    expect(r.value.modeLine).toBe(0);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 0 });
    expect(warnings(r.diagnostics)[0]?.hint).toMatch(/MODE=standalone/);
  });

  it('spaces around = are an error with a hint', () => {
    for (const line of ['MODE = standalone', 'MODE =standalone', 'MODE= standalone']) {
      const r = parseNutConf(`# x\n${line}\n`, F);
      const e = errors(r.diagnostics);
      expect(e).toHaveLength(1);
      expect(e[0]).toMatchObject({ file: F, line: 2 });
      expect(e[0]?.message).toMatch(/spaces around '='/);
      expect(e[0]?.hint).toBe("write MODE=value with no spaces around '='");
      expect(r.value.mode).toBe('none');
      expect(warnings(r.diagnostics)).toEqual([]);
    }
  });

  it('MODE must be one of the four (case-sensitive)', () => {
    const r = parseNutConf('MODE=Standalone\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/MODE=standalone/);
  });

  it('unquoted spaces, unterminated quotes, metacharacters and commands are errors', () => {
    const r = parseNutConf('UPSD_OPTIONS=-D -D\nUPSMON_OPTIONS="-p\nMODE=none;reboot\nsomething\n', F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([1, 2, 3, 4]);
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/quote/);
  });

  it('unknown keys warn with a suggestion; repeated keys warn; $ warns', () => {
    const r = parseNutConf('MODE=none\nMDOE=standalone\nMODE=netclient\nUPSD_OPTIONS="$X"\n', F);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([2, 3, 4]);
    expect(w[0]?.hint).toBe('did you mean MODE?');
    expect(r.value.mode).toBe('netclient');
  });

  it('bad values of typed keys warn', () => {
    const r = parseNutConf('MODE=none\nPOWEROFF_WAIT=soon\nNUT_DEBUG_LEVEL=-1\nPOWEROFF_QUIET=yes\nALLOW_NO_DEVICE=perhaps\n', F);
    expect(warnings(r.diagnostics).map((d) => d.line)).toEqual([2, 3, 4, 5]);
  });

  it('CRLF line endings warn once', () => {
    const r = parseNutConf('MODE=none\r\nNUT_DEBUG_LEVEL=1\r\n', F);
    expect(warnings(r.diagnostics)).toHaveLength(1);
    expect(r.value.mode).toBe('none');
  });

  it('accepts bytes', () => {
    expect(parseNutConf(new TextEncoder().encode('MODE=standalone\n'), F).value.mode).toBe('standalone');
  });
});
