import { describe, it, expect } from 'vitest';
import { StateTree } from '../../../src/core/state-tree.js';
import { HardnutError } from '../../../src/core/errors.js';
import { dumpAll, dumpStatus, dumpValue, varLines } from '../../../src/protocol/sock/index.js';

/** The tree behind Debian dummy-ups 2.8.0's DUMPALL, built in a scrambled order. */
function dummyUpsTree(): StateTree {
  const t = new StateTree();
  t.addCmd('load.off');
  t.setInfo('weird.var', 'a b \\c');
  t.setInfo('ups.status', 'OL');
  t.setInfo('driver.name', 'dummy-ups');
  t.setInfo('device.mfr', 'RefNUT');
  t.setInfo('battery.charge', '100');
  t.setFlags('battery.charge', ['RW']);
  for (const v of ['device.mfr', 'ups.status', 'weird.var']) {
    t.setAux(v, 32);
    t.setFlags(v, ['STRING', 'RW']);
  }
  return t;
}

const DEBIAN_DUMPALL = `SETINFO battery.charge "100"
SETFLAGS battery.charge RW
SETINFO device.mfr "RefNUT"
SETAUX device.mfr 32
SETFLAGS device.mfr RW STRING
SETINFO driver.name "dummy-ups"
SETINFO ups.status "OL"
SETAUX ups.status 32
SETFLAGS ups.status RW STRING
SETINFO weird.var "a b \\\\c"
SETAUX weird.var 32
SETFLAGS weird.var RW STRING
ADDCMD load.off
DATAOK
DUMPDONE
`;

describe('dumpAll', () => {
  it('matches Debian dummy-ups 2.8.0 byte for byte', () => {
    expect(dumpAll(dummyUpsTree(), false)).toBe(DEBIAN_DUMPALL);
  });

  it('stale: DATASTALE first, no DATAOK', () => {
    const text = dumpAll(dummyUpsTree(), true);
    expect(text).toBe(`DATASTALE\n${DEBIAN_DUMPALL.replace('DATAOK\n', '')}`);
  });

  it('empty tree: just the framing', () => {
    expect(dumpAll(new StateTree(), false)).toBe('DATAOK\nDUMPDONE\n');
    expect(dumpAll(new StateTree(), true)).toBe('DATASTALE\nDUMPDONE\n');
  });

  it('per var: SETINFO, ADDENUMs, ADDRANGEs, SETAUX, SETFLAGS (RW STRING NUMBER); commands sorted', () => {
    const t = new StateTree();
    t.addCmd('test.battery.start');
    t.addCmd('Beeper.off');
    t.setInfo('input.transfer.low', '103');
    t.addEnum('input.transfer.low', '106');
    t.addEnum('input.transfer.low', '100');
    t.addRange('input.transfer.low', 90, 110);
    t.addRange('input.transfer.low', 5, 10);
    t.setAux('input.transfer.low', 4);
    t.setFlags('input.transfer.low', ['NUMBER', 'STRING', 'RW']);
    t.setInfo('Aa', 'q"#');
    t.setImmutable('Aa');
    expect(dumpAll(t, false)).toBe([
      'SETINFO Aa "q\\"\\#"',
      'SETINFO input.transfer.low "103"',
      'ADDENUM input.transfer.low "106"',
      'ADDENUM input.transfer.low "100"',
      'ADDRANGE input.transfer.low 90 110',
      'ADDRANGE input.transfer.low 5 10',
      'SETAUX input.transfer.low 4',
      'SETFLAGS input.transfer.low RW STRING NUMBER',
      'ADDCMD Beeper.off',
      'ADDCMD test.battery.start',
      'DATAOK',
      'DUMPDONE',
      '',
    ].join('\n'));
  });

  it('escapes enum values', () => {
    const t = new StateTree();
    t.setInfo('v', 'x');
    t.addEnum('v', 'a"b#c\\d');
    expect(varLines(t.get('v')!)).toEqual(['SETINFO v "x"\n', 'ADDENUM v "a\\"b\\#c\\\\d"\n']);
  });

  it('throws ERR_SOCK_ENCODE for a var whose name cannot be sent', () => {
    const t = new StateTree();
    t.setInfo('bad name', 'x');
    expect(() => dumpAll(t, false)).toThrow(HardnutError);
  });
});

describe('dumpValue / dumpStatus', () => {
  it('dumps one var with the same framing, lookup case-insensitive', () => {
    expect(dumpValue(dummyUpsTree(), 'DEVICE.MFR', false)).toBe(
      'SETINFO device.mfr "RefNUT"\nSETAUX device.mfr 32\nSETFLAGS device.mfr RW STRING\nDATAOK\nDUMPDONE\n',
    );
    expect(dumpValue(dummyUpsTree(), 'driver.name', true)).toBe('DATASTALE\nSETINFO driver.name "dummy-ups"\nDUMPDONE\n');
  });

  it('absent var: only the framing', () => {
    expect(dumpValue(dummyUpsTree(), 'nope', false)).toBe('DATAOK\nDUMPDONE\n');
    expect(dumpValue(dummyUpsTree(), 'nope', true)).toBe('DATASTALE\nDUMPDONE\n');
  });

  it('DUMPSTATUS is DUMPVALUE ups.status', () => {
    expect(dumpStatus(dummyUpsTree(), false)).toBe('SETINFO ups.status "OL"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\nDATAOK\nDUMPDONE\n');
    expect(dumpStatus(new StateTree(), false)).toBe('DATAOK\nDUMPDONE\n');
  });
});
