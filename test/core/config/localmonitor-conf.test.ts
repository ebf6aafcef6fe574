// upsmon.conf's LOCALMONITOR <ups> <powervalue> (issue 14).
import { describe, expect, it } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';

const F = '/etc/nut/upsmon.conf';
const TAIL = 'SHUTDOWNCMD "/sbin/shutdown -h +0"\nPOWERDOWNFLAG /etc/killpower\n';
const parse = (text: string): ReturnType<typeof parseUpsmonConf> => parseUpsmonConf(`${text}${TAIL}`, F);
const messages = (r: ReturnType<typeof parseUpsmonConf>, severity: 'error' | 'warning'): string[] => r.diagnostics.filter((d) => d.severity === severity).map((d) => d.message);

describe('LOCALMONITOR', () => {
  it('reads the UPS and its power value; a primary with no host, user or password', () => {
    const r = parse('LOCALMONITOR myups 1\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.value.monitors).toEqual([{ system: 'myups', upsName: 'myups', host: '', port: 0, powerValue: 1, user: '', password: '', role: 'primary', line: 1, local: true }]);
  });

  it('alone satisfies MINSUPPLIES; power 0 does not', () => {
    expect(messages(parse('LOCALMONITOR a 0\n'), 'error').join('\n')).toMatch(/less than MINSUPPLIES 1/);
    expect(messages(parse('LOCALMONITOR a 0\nLOCALMONITOR b 1\n'), 'error')).toEqual([]);
  });

  it('refuses a name that is not a ups.conf section, a bad power value, a short line', () => {
    expect(messages(parse('LOCALMONITOR ups@host 1\nMONITOR x@h 1 u p primary\n'), 'error').join('\n')).toMatch(/not a ups.conf section name/);
    expect(messages(parse('LOCALMONITOR u one\nMONITOR x@h 1 u p primary\n'), 'error').join('\n')).toMatch(/power value must be a whole number/);
    expect(messages(parse('LOCALMONITOR u\nMONITOR x@h 1 u p primary\n'), 'error').join('\n')).toMatch(/LOCALMONITOR needs 3 words/);
  });

  it('warns about words after the power value and about a duplicate', () => {
    const r = parse('LOCALMONITOR u 1 user pass primary\nLOCALMONITOR u 1\n');
    expect(messages(r, 'warning').join('\n')).toMatch(/extra words after the LOCALMONITOR power value/);
    expect(messages(r, 'warning').join('\n')).toMatch(/duplicate UPS u/);
    expect(r.value.monitors).toHaveLength(1);
  });

  it('mixes with MONITOR lines, in file order', () => {
    const r = parse('MONITOR a@nas 1 mon pw secondary\nLOCALMONITOR b 2\n');
    expect(r.value.monitors.map((m) => [m.system, m.local === true])).toEqual([['a@nas', false], ['b', true]]);
  });
});
