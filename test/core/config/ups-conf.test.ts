import { describe, it, expect } from 'vitest';
import { parseUpsConf, UPS_CONF_DEFAULTS } from '../../../src/core/config/ups-conf.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/ups.conf';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');

describe('parseUpsConf: shapes', () => {
  it('reads globals, sections, key = value, flags, quoted values', () => {
    const r = parseUpsConf(
      '# comment\nmaxretry = 3\nnowait\n\n[myups]\n\tdriver = usbhid-ups\n\tport = auto\n\tdesc = "Server room"\n\tnolock\n\tsdorder = -1\n',
      F,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value.globals).toEqual([
      { key: 'maxretry', value: '3', line: 2 },
      { key: 'nowait', value: null, line: 3 },
    ]);
    expect(r.value.global.maxretry).toBe(3);
    expect(r.value.global.nowait).toBe(true);
    const s = r.value.sections[0];
    expect(s).toMatchObject({ name: 'myups', line: 5, driver: 'usbhid-ups', port: 'auto', desc: 'Server room', sdorder: -1 });
    expect(s?.entries).toContainEqual({ key: 'nolock', value: null, line: 9 });
    expect(s?.entries.map((e) => e.key)).toEqual(['driver', 'port', 'desc', 'nolock', 'sdorder']);
  });

  it('has NUT defaults for the globals', () => {
    const r = parseUpsConf('', F);
    expect(r.value.global).toEqual({ maxstartdelay: 45, maxretry: 1, retrydelay: 5, pollinterval: 2, nowait: false });
    expect(UPS_CONF_DEFAULTS.pollinterval).toBe(2);
    expect(r.value.sections).toEqual([]);
  });

  it('splits key=value without spaces (= is its own token) and keeps section order', () => {
    const r = parseUpsConf('[b]\ndriver=dummy-ups\nport=x.dev\n[a]\ndriver=dummy-ups\nport=y.dev\n', F);
    expect(r.value.sections.map((s) => s.name)).toEqual(['b', 'a']);
    expect(r.value.sections[0]?.port).toBe('x.dev');
  });

  it('compressed key\\=value word form is accepted', () => {
    const r = parseUpsConf('[u]\ndriver\\=dummy-ups\nport = a\n', F);
    expect(r.value.sections[0]?.driver).toBe('dummy-ups');
    expect(errors(r.diagnostics)).toEqual([]);
  });

  it('warns that extra words are ignored, telling to quote; uses the 3rd word', () => {
    const r = parseUpsConf('[u]\ndriver = dummy-ups\nport = a\ndesc = Server room\n', F);
    expect(r.value.sections[0]?.desc).toBe('Server');
    const w = warnings(r.diagnostics);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ line: 4, file: F });
    expect(w[0]?.message).toMatch(/extra words ignored/);
    expect(w[0]?.hint).toMatch(/quote/);
  });

  it('warns about lines of other shapes (2 words, = not second) and ignores them', () => {
    const r = parseUpsConf('[u]\ndriver = x\nport = y\ndesc "a"\nfoo bar baz\n', F);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([4, 5]);
    expect(w[0]?.hint).toBe('write desc = value');
    expect(r.value.sections[0]?.entries).toHaveLength(2);
  });

  it('never echoes a value in a diagnostic (SNMP communities, passwords live here)', () => {
    const r = parseUpsConf('[u]\ndriver = snmp-ups\nport = h\ncommunity = s3cretCommunity extra\nauthPassword s3cretPass\n', F);
    const text = JSON.stringify(r.diagnostics);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(text).not.toContain('s3cret');
  });
});

describe('parseUpsConf: sections', () => {
  it('duplicate UPS names (case-insensitive) are an error at the second header', () => {
    const r = parseUpsConf('[ups1]\ndriver = d\nport = p\n[UPS1]\ndriver = d\nport = p\n', F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 4 });
    expect(e[0]?.message).toMatch(/duplicate UPS name \[UPS1\].*line 1/);
    expect(e[0]?.hint).toMatch(/case-insensitively/);
    expect(r.value.sections).toHaveLength(1);
  });

  it('a section without driver or port is an error at its header, with a hint', () => {
    const r = parseUpsConf('[a]\nport = x\n[b]\ndriver = d\n[c]\n', F);
    const e = errors(r.diagnostics);
    expect(e.map((d) => d.line)).toEqual([1, 3, 5]);
    expect(e[0]?.message).toMatch(/\[a\] has no driver/);
    expect(e[0]?.hint).toMatch(/driver = /);
    expect(e[1]?.message).toMatch(/\[b\] has no port/);
    expect(e[1]?.hint).toMatch(/port = /);
    expect(e[2]?.message).toMatch(/no driver and no port/);
  });

  it('key names are case-sensitive: Driver is not driver', () => {
    const r = parseUpsConf('[a]\nDriver = usbhid-ups\nport = auto\n', F);
    expect(r.value.sections[0]?.driver).toBeUndefined();
    const e = errors(r.diagnostics);
    expect(e[0]?.hint).toMatch(/case-sensitive/);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 2 });
    expect(warnings(r.diagnostics)[0]?.hint).toBe('write driver');
  });

  it.each([
    ['[my/ups]', 'slash'],
    ['[-ups]', 'leading dash'],
    ['[ups@host]', 'at sign'],
    ['[ups:1]', 'colon'],
  ])('refuses unusable section name %s (%s)', (header) => {
    const r = parseUpsConf(`${header}\ndriver = d\nport = p\n`, F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 1 });
    expect(e[0]?.message).toMatch(/not usable/);
  });

  it('accepts ordinary names', () => {
    const r = parseUpsConf('[Eaton_5PX-1.rack]\ndriver = d\nport = p\n', F);
    expect(r.diagnostics).toEqual([]);
  });

  it('a header with a space is an error (NUT would file the lines under the previous UPS)', () => {
    const r = parseUpsConf('[my ups]\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/no spaces/);
  });

  it('empty name [] is an error', () => {
    const r = parseUpsConf('[]\ndriver = d\nport = p\n', F);
    expect(errors(r.diagnostics)[0]?.message).toMatch(/empty UPS name/);
  });

  it('driver must be a name, not a path; repeated keys warn', () => {
    const r = parseUpsConf('[a]\ndriver = /lib/nut/usbhid-ups\nport = a\nport = b\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 2 });
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(r.value.sections[0]?.port).toBe('b');
  });

  it('per-UPS sdorder and maxstartdelay are typed; bad numbers are errors at their line', () => {
    const r = parseUpsConf('[a]\ndriver = d\nport = p\nsdorder = 2\nmaxstartdelay = 60\n[b]\ndriver = d\nport = p\nsdorder = first\nmaxstartdelay = -5\npollinterval = 0\n', F);
    expect(r.value.sections[0]).toMatchObject({ sdorder: 2, maxstartdelay: 60 });
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([9, 10, 11]);
  });

  it('driver options pass through untouched (no unknown-key warnings inside sections)', () => {
    const r = parseUpsConf('[a]\ndriver = snmp-ups\nport = 10.0.0.2\nmibs = ietf\noverride.battery.charge.low = 30\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.sections[0]?.entries).toContainEqual({ key: 'override.battery.charge.low', value: '30', line: 5 });
  });
});

describe('parseUpsConf: globals', () => {
  it('types every global', () => {
    const r = parseUpsConf(
      'chroot = /var/chroot\ndriverpath = /lib/nut\nSTATEPATH = /run/x\nuser = nut\ngroup = dialout\n'
      + 'maxstartdelay = 10\nmaxretry = 2\nretrydelay = 1\npollinterval = 7\nsynchronous = auto\ndebug_min = 3\n',
      F,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value.global).toEqual({
      chroot: '/var/chroot', driverpath: '/lib/nut', statepath: '/run/x', user: 'nut', group: 'dialout',
      maxstartdelay: 10, maxretry: 2, retrydelay: 1, pollinterval: 7, synchronous: 'auto', debugMin: 3, nowait: false,
    });
  });

  it.each([
    ['pollinterval = 0', /greater than 0/],
    ['pollinterval = -2', /greater than 0/],
    ['pollinterval = 2s', /greater than 0/],
    ['maxretry = x', /maxretry/],
    ['retrydelay = -1', /retrydelay/],
    ['maxstartdelay = soon', /maxstartdelay/],
    ['debug_min = -1', /debug_min/],
    ['LIBUSB_DEBUG = lots', /LIBUSB_DEBUG/],
  ])('invalid number "%s" is an error at its line', (text, msg) => {
    const r = parseUpsConf(`# x\n${text}\n`, F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ file: F, line: 2 });
    expect(e[0]?.message).toMatch(msg);
    expect(e[0]?.hint).toMatch(/^write /);
  });

  it('invalid values keep the defaults', () => {
    const r = parseUpsConf('pollinterval = 0\nmaxretry = x\n', F);
    expect(r.value.global.pollinterval).toBe(2);
    expect(r.value.global.maxretry).toBe(1);
  });

  it('unknown global settings warn; driver/port before a section is an error', () => {
    const r = parseUpsConf('mibs = ietf\nport = /dev/ttyS0\n', F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/not a global setting/);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 2 });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/section header/);
  });

  it('case mistakes in global keys warn with the right spelling', () => {
    const r = parseUpsConf('PollInterval = 5\n', F);
    expect(warnings(r.diagnostics)[0]?.hint).toBe('write pollinterval');
    expect(r.value.global.pollinterval).toBe(2);
  });

  it('nowait = no still sets nowait (NUT looks only at the key), with a warning', () => {
    const r = parseUpsConf('nowait = no\n', F);
    expect(r.value.global.nowait).toBe(true);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 1 });
  });

  it('synchronous other than yes/no/auto warns', () => {
    const r = parseUpsConf('synchronous = YES\n', F);
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/synchronous/);
  });

  it('parse errors are errors naming the line, and the line is skipped', () => {
    const r = parseUpsConf('[a]\ndriver = d\nport = p\ndesc = "bad # hash"\n', F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 4 });
    expect(e[0]?.message).toMatch(/parse error/);
  });
});
