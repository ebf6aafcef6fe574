import { describe, it, expect } from 'vitest';
import { parseUpsschedConf, AT_ACTIONS } from '../../../src/core/config/upssched-conf.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/upssched.conf';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');
const HEAD = 'CMDSCRIPT /usr/local/bin/upssched-cmd --verbose\nPIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\n';

describe('parseUpsschedConf', () => {
  it('reads the globals and every AT form', () => {
    const r = parseUpsschedConf(HEAD + [
      'DEBUG_MIN 1',
      'AT ONBATT * START-TIMER onbatt 30',
      'AT onbatt ups1 START-TIMER-SHARED shared 60',
      'AT ONLINE * CANCEL-TIMER onbatt',
      'AT ONLINE * CANCEL-TIMER onbatt power-back',
      'AT COMMBAD ups1 EXECUTE commbad-now',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({
      cmdScript: ['/usr/local/bin/upssched-cmd', '--verbose'],
      pipeFn: '/run/nut/upssched.pipe',
      lockFn: '/run/nut/upssched.lock',
      debugMin: 1,
      at: [
        { notifyType: 'ONBATT', upsName: '*', line: 5, action: 'START-TIMER', timer: 'onbatt', seconds: 30 },
        { notifyType: 'ONBATT', upsName: 'ups1', line: 6, action: 'START-TIMER-SHARED', timer: 'shared', seconds: 60 },
        { notifyType: 'ONLINE', upsName: '*', line: 7, action: 'CANCEL-TIMER', timer: 'onbatt' },
        { notifyType: 'ONLINE', upsName: '*', line: 8, action: 'CANCEL-TIMER', timer: 'onbatt', command: 'power-back' },
        { notifyType: 'COMMBAD', upsName: 'ups1', line: 9, action: 'EXECUTE', command: 'commbad-now' },
      ],
    });
    expect(AT_ACTIONS).toContain('CANCEL-TIMER-MATCHED');
  });

  it('CMDSCRIPT, PIPEFN and LOCKFN after an AT: one error each, at the first AT line', () => {
    const r = parseUpsschedConf('AT ONBATT * START-TIMER a 1\nAT ONBATT * START-TIMER b 1\n' + HEAD, F);
    const e = errors(r.diagnostics);
    expect(e.map((d) => d.line)).toEqual([1, 1, 1]);
    expect(e.map((d) => d.message.split(' ')[0])).toEqual(['CMDSCRIPT', 'PIPEFN', 'LOCKFN']);
    expect(e[0]?.hint).toMatch(/above the first AT/);
  });

  it('only the missing one is reported', () => {
    const r = parseUpsschedConf('CMDSCRIPT /x\nPIPEFN /p\nAT ONBATT * EXECUTE x\nLOCKFN /l\n', F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 3 });
    expect(e[0]?.message).toMatch(/^LOCKFN must be set before any AT/);
  });

  it('CANCEL-TIMER-MATCHED is accepted with a warning about NUT 2.8.0', () => {
    const r = parseUpsschedConf(`${HEAD}AT ONLINE * CANCEL-TIMER-MATCHED onbatt\n`, F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/NUT 2\.8/);
    expect(r.value.at[0]).toMatchObject({ action: 'CANCEL-TIMER-MATCHED', timer: 'onbatt' });
  });

  it('START-TIMER needs whole seconds; unknown commands and types warn; short AT warns', () => {
    const r = parseUpsschedConf(`${HEAD}AT ONBATT * START-TIMER t soon\nAT ONBATT * START-TIMER t\nAT ONBATT * start-timer t 5\nAT ONBAT * EXECUTE x\nAT ONBATT *\n`, F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([4, 5]);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([6, 7, 8]);
    expect(w[0]?.hint).toMatch(/START-TIMER/);
    expect(w[1]?.hint).toBe('did you mean ONBATT?');
    expect(r.value.at).toHaveLength(1);
  });

  it('EXECUTE with an empty command is an error', () => {
    const r = parseUpsschedConf(`${HEAD}AT ONBATT * EXECUTE ""\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 4 });
  });

  it('PIPEFN longer than a Unix socket path is an error', () => {
    const r = parseUpsschedConf(`PIPEFN /${'x'.repeat(120)}\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1 });
  });

  it('unknown directives warn (case-sensitive keywords)', () => {
    const r = parseUpsschedConf('cmdscript /x\n', F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(warnings(r.diagnostics)[0]?.hint).toMatch(/CMDSCRIPT/);
  });
});
