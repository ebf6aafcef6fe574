import { describe, it, expect } from 'vitest';
import {
  parseUpsmonConf, NOTIFY_TYPES, NOTIFY_FLAGS, DEFAULT_NOTIFY_FLAGS, UPSMON_CONF_DEFAULTS,
  splitSystemName, checkNotifyTemplate, shutdownCmdLine, notifyTypeOf,
} from '../../../src/core/config/upsmon-conf.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/upsmon.conf';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');
/** A minimal file that is clean, so each test only sees its own diagnostics. */
const BASE = 'MONITOR ups@localhost 1 monuser pw primary\nSHUTDOWNCMD "/sbin/shutdown -h +0"\nPOWERDOWNFLAG /etc/killpower\n';

describe('notify types', () => {
  it('has the 32 types of §5.8', () => {
    expect(NOTIFY_TYPES).toHaveLength(32);
    expect(new Set(NOTIFY_TYPES).size).toBe(32);
    for (const t of ['ONLINE', 'SHUTDOWN_HOSTSYNC', 'NOTOTHER', 'SUSPEND_TIMEJUMP_UNEXPECTED', 'ECO', 'NOTBYPASS']) {
      expect(NOTIFY_TYPES).toContain(t);
    }
    expect(notifyTypeOf('onbatt')).toBe('ONBATT');
    expect(NOTIFY_FLAGS).toEqual(['SYSLOG', 'WALL', 'EXEC', 'IGNORE']);
  });
});

describe('parseUpsmonConf: defaults and directives', () => {
  it('defaults of §4.4', () => {
    const r = parseUpsmonConf(BASE, F);
    expect(r.diagnostics).toEqual([]);
    const v = r.value;
    expect(v).toMatchObject({
      minSupplies: 1, shutdownExit: 0, pollFreq: 5, pollFreqAlert: 5, deadTime: 15, hostSync: 15, finalDelay: 5,
      rbWarnTime: 43200, noCommWarnTime: 300, offDuration: 30, overDuration: -1, oblbDuration: 0,
      alarmCritical: true, pollFailLogThrottleMax: -1, certVerify: false, forceSsl: false, notifyCmds: [], certHosts: [],
    });
    expect(UPSMON_CONF_DEFAULTS.rbWarnTime).toBe(43200);
    for (const t of NOTIFY_TYPES) expect(v.notifyFlags[t]).toEqual(['SYSLOG', 'WALL']);
    expect(DEFAULT_NOTIFY_FLAGS).toEqual(['SYSLOG', 'WALL']);
    expect(v.notifyMessages).toEqual({});
  });

  it('reads every directive', () => {
    const r = parseUpsmonConf(BASE + [
      'MINSUPPLIES 1', 'SHUTDOWNEXIT 30', 'NOTIFYCMD /usr/sbin/upssched', 'NOTIFYMSG onbatt "UPS %s lost power"',
      'NOTIFYFLAG ONBATT SYSLOG+EXEC', 'POLLFREQ 10', 'POLLFREQALERT 2', 'DEADTIME 30', 'HOSTSYNC 20', 'FINALDELAY 0',
      'RBWARNTIME 3600', 'NOCOMMWARNTIME 60', 'OFFDURATION -1', 'OVERDURATION 10', 'OBLBDURATION 5', 'ALARMCRITICAL 0',
      'POLLFAIL_LOG_THROTTLE_MAX 100', 'RUN_AS_USER nut', 'CERTPATH /etc/ssl/certs', 'CERTFILE /etc/nut/c.pem',
      'CERTIDENT "client" "dbpw"', 'CERTHOST ups.example.com "server" 1 1', 'CERTVERIFY 1', 'FORCESSL 1', 'DEBUG_MIN 2',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toMatchObject({
      shutdownCmd: ['/sbin/shutdown -h +0'], shutdownCmdLine: '/sbin/shutdown -h +0', shutdownExit: 30,
      notifyCmds: [['/usr/sbin/upssched']], notifyMessages: { ONBATT: 'UPS %s lost power' },
      pollFreq: 10, pollFreqAlert: 2, deadTime: 30, hostSync: 20, finalDelay: 0, rbWarnTime: 3600, noCommWarnTime: 60,
      offDuration: -1, overDuration: 10, oblbDuration: 5, alarmCritical: false, pollFailLogThrottleMax: 100,
      powerDownFlag: '/etc/killpower', runAsUser: 'nut', certPath: '/etc/ssl/certs', certFile: '/etc/nut/c.pem',
      certIdent: { name: 'client', password: 'dbpw' },
      certHosts: [{ host: 'ups.example.com', certName: 'server', verify: true, forceSsl: true, line: 25 }],
      certVerify: true, forceSsl: true, debugMin: 2,
    });
    expect(r.value.notifyFlags.ONBATT).toEqual(['SYSLOG', 'EXEC']);
    expect(r.value.notifyFlags.ONLINE).toEqual(['SYSLOG', 'WALL']);
  });

  it('SHUTDOWNEXIT yes/no', () => {
    expect(parseUpsmonConf(`${BASE}SHUTDOWNEXIT no\n`, F).value.shutdownExit).toBe(-1);
    expect(parseUpsmonConf(`${BASE}SHUTDOWNEXIT on\n`, F).value.shutdownExit).toBe(0);
    const r = parseUpsmonConf(`${BASE}SHUTDOWNEXIT later\n`, F);
    expect(r.value.shutdownExit).toBe(0);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 4 });
  });

  it('OBLBDURATION below 1 means 0', () => {
    expect(parseUpsmonConf(`${BASE}OBLBDURATION -3\n`, F).value.oblbDuration).toBe(0);
  });

  it('SHUTDOWNCMD keeps tokens and builds NUT\'s shell line (first token unquoted)', () => {
    const r = parseUpsmonConf('MONITOR u 0 a b secondary\nMINSUPPLIES 0\nPOWERDOWNFLAG /x\nSHUTDOWNCMD /sbin/shutdown -h "+0"\n', F);
    expect(r.value.shutdownCmd).toEqual(['/sbin/shutdown', '-h', '+0']);
    expect(r.value.shutdownCmdLine).toBe("/sbin/shutdown '-h' '+0'");
    expect(shutdownCmdLine(['a', "it's"])).toBe("a 'it'\\''s'");
  });

  it('several NOTIFYCMD lines: hardnut keeps each as argv, with a warning that NUT keeps only the last', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYCMD /usr/sbin/upssched\nNOTIFYCMD /usr/local/bin/notify --to "ops team"\n`, F);
    expect(r.value.notifyCmds).toEqual([['/usr/sbin/upssched'], ['/usr/local/bin/notify', '--to', 'ops team']]);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 5 });
  });

  it('an unquoted = in NOTIFYCMD or SHUTDOWNCMD is a word of its own: warned at the line; quoted, it is one argument', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYCMD /usr/bin/env NUT_CONFPATH=/etc/x /usr/sbin/upssched\nSHUTDOWNCMD /usr/bin/env A=1 /sbin/poweroff\nNOTIFYCMD /usr/bin/env "B=2" /bin/true\n`, F);
    expect(r.value.notifyCmds[0]).toEqual(['/usr/bin/env', 'NUT_CONFPATH', '=', '/etc/x', '/usr/sbin/upssched']);
    expect(r.value.notifyCmds[1]).toEqual(['/usr/bin/env', 'B=2', '/bin/true']);
    const eq = warnings(r.diagnostics).filter((d) => /unquoted =/.test(d.message));
    expect(eq.map((d) => d.line)).toEqual([4, 5]);
    expect(eq[0]?.hint).toMatch(/"A=b"/);
  });

  it('numbers: non-numeric or negative where NUT ignores it → error at the line', () => {
    const r = parseUpsmonConf(`${BASE}POLLFREQ fast\nFINALDELAY -1\nMINSUPPLIES x\nALARMCRITICAL yes\nDEADTIME 15s\n`, F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([4, 5, 6, 7, 8]);
    expect(errors(r.diagnostics)[0]?.hint).toBe('write POLLFREQ 5');
    expect(r.value.pollFreq).toBe(5);
  });

  it('directive names are case-sensitive: unknown → invalid directive warning with a suggestion', () => {
    const r = parseUpsmonConf(`${BASE}pollfreq 3\nMONTIOR x\n`, F);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([4, 5]);
    expect(w[0]?.message).toBe('invalid directive pollfreq; NUT ignores it');
    expect(w[0]?.hint).toMatch(/POLLFREQ/);
    expect(w[1]?.hint).toMatch(/MONITOR/);
  });

  it('whole-file warnings: no SHUTDOWNCMD, no POWERDOWNFLAG, EXEC without NOTIFYCMD, DEADTIME < poll', () => {
    const r = parseUpsmonConf('MONITOR ups@localhost 1 u p primary\nNOTIFYFLAG ONBATT SYSLOG+EXEC\nDEADTIME 3\n', F);
    const w = warnings(r.diagnostics);
    expect(w.find((d) => d.line === 2)?.message).toMatch(/EXEC.*NOTIFYCMD/);
    const whole = w.filter((d) => d.line === 0).map((d) => d.message).join('\n');
    expect(whole).toMatch(/no SHUTDOWNCMD/);
    expect(whole).toMatch(/no POWERDOWNFLAG/);
    expect(whole).toMatch(/DEADTIME 3/);
  });

  it('CERTVERIFY 1 without CERTPATH is an error', () => {
    const r = parseUpsmonConf(`${BASE}CERTVERIFY 1\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/CERTPATH/);
  });
});

describe('parseUpsmonConf: MONITOR', () => {
  it('reads the 6-word form, with host, port, roles (master/slave aliases)', () => {
    const r = parseUpsmonConf([
      'MONITOR ups1@localhost 1 mon pw1 primary', 'MONITOR ups2@nas.lan:3494 2 mon pw2 slave',
      'MONITOR ups3 0 mon pw3 MASTER', 'MONITOR ups4@[::1]:3493 1 mon "pw 4" secondary',
      'SHUTDOWNCMD x', 'POWERDOWNFLAG /x',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.monitors).toEqual([
      { system: 'ups1@localhost', upsName: 'ups1', host: 'localhost', port: 3493, powerValue: 1, user: 'mon', password: 'pw1', role: 'primary', line: 1 },
      { system: 'ups2@nas.lan:3494', upsName: 'ups2', host: 'nas.lan', port: 3494, powerValue: 2, user: 'mon', password: 'pw2', role: 'secondary', line: 2 },
      { system: 'ups3', upsName: 'ups3', host: 'localhost', port: 3493, powerValue: 0, user: 'mon', password: 'pw3', role: 'primary', line: 3 },
      { system: 'ups4@[::1]:3493', upsName: 'ups4', host: '::1', port: 3493, powerValue: 1, user: 'mon', password: 'pw 4', role: 'secondary', line: 4 },
    ]);
  });

  it('the legacy 5-word MONITOR is an error whose hint gives the 6-word form and says the user is an upsd.users user', () => {
    const r = parseUpsmonConf('# old config\nMONITOR myups@localhost 1 oldSecretPw master\nSHUTDOWNCMD x\nPOWERDOWNFLAG /x\nMINSUPPLIES 0\n', F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ file: F, line: 2 });
    expect(e[0]?.message).toMatch(/old-style MONITOR line without a username/);
    expect(e[0]?.hint).toMatch(/MONITOR <ups>@<host>\[:<port>\] <power value> <username> <password> primary\|secondary/);
    expect(e[0]?.hint).toMatch(/upsd\.users/);
    expect(e[0]?.hint).toMatch(/not an operating-system account/);
    expect(JSON.stringify(r.diagnostics)).not.toContain('oldSecretPw');
    expect(r.value.monitors).toEqual([]);
  });

  it('fewer than 5 words is an error too', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR ups@h 1\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 4 });
  });

  it('unknown role is an error (NUT would silently make it secondary)', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR b@h 1 u p primry\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(errors(r.diagnostics)[0]?.message).toMatch(/primary or secondary/);
  });

  it('bad power value and bad system names are errors', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR b@h -1 u p primary\nMONITOR @h 1 u p primary\nMONITOR c@h:0 1 u p primary\nMONITOR d@fe80::1 1 u p primary\n`, F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([4, 5, 6, 7]);
    expect(errors(r.diagnostics)[3]?.message).toMatch(/brackets/);
  });

  it('duplicate MONITOR is ignored with a warning', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR ups@localhost 1 other pw2 primary\n`, F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(r.value.monitors).toHaveLength(1);
  });

  it('MINSUPPLIES greater than the sum of power values is an error at the MINSUPPLIES line', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR b@h 0 u p secondary\nMINSUPPLIES 2\n`, F);
    const e = errors(r.diagnostics);
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 5 });
    expect(e[0]?.message).toMatch(/total power value 1 .* less than MINSUPPLIES 2/);
  });

  it('no MONITOR with the default MINSUPPLIES is an error (whole file); MINSUPPLIES 0 is fine', () => {
    const r = parseUpsmonConf('SHUTDOWNCMD x\nPOWERDOWNFLAG /x\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 0 });
    expect(errors(r.diagnostics)[0]?.message).toMatch(/no MONITOR line/);
    expect(errors(parseUpsmonConf('MINSUPPLIES 0\nPOWERDOWNFLAG /x\n', F).diagnostics)).toEqual([]);
  });

  it('MONITOR and CERTIDENT passwords never appear in diagnostics', () => {
    const r = parseUpsmonConf([
      'MONITOR a@h 1 u Secret_One wrongrole', 'MONITOR a@h 1 Secret_Two', 'MONITOR b@h x u Secret_Three primary',
      'Secret_Four', 'CERTIDENT n Secret_Five', 'Secret_Five 1', 'MONITOR c@h 1 u Secret_Six primary extra',
    ].join('\n') + '\n', F);
    expect(r.diagnostics.length).toBeGreaterThan(5);
    expect(JSON.stringify(r.diagnostics)).not.toMatch(/Secret_/);
  });
});

describe('parseUpsmonConf: wrapped lines', () => {
  it('a MONITOR line that wrapped does not leak its password through "invalid directive"', () => {
    const r = parseUpsmonConf(`${BASE}MONITOR ups2@host 1 monuser\n  wrappedpassw0rd primary\n`, F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 5, message: 'invalid directive; NUT ignores it' });
    expect(JSON.stringify(r.diagnostics)).not.toContain('wrappedpassw0rd');
  });
});

describe('parseUpsmonConf: NOTIFYMSG and NOTIFYFLAG', () => {
  it('template checks: %s count per type, other conversions are errors, %% is fine', () => {
    expect(checkNotifyTemplate('ONBATT', 'UPS %s at 100%% load')).toBeUndefined();
    expect(checkNotifyTemplate('ONBATT', 'no placeholder')).toBeUndefined();
    expect(checkNotifyTemplate('ALARM', '%s: %s')).toBeUndefined();
    expect(checkNotifyTemplate('OTHER', '%s: %s')).toBeUndefined();
    expect(checkNotifyTemplate('ONBATT', '%s %s')).toMatch(/2 %s/);
    expect(checkNotifyTemplate('ALARM', '%s %s %s')).toMatch(/3 %s/);
    expect(checkNotifyTemplate('ONBATT', 'UPS %n')).toMatch(/%n/);
    expect(checkNotifyTemplate('ONBATT', 'UPS %x')).toMatch(/%x/);
    expect(checkNotifyTemplate('ONBATT', 'UPS %10s')).toMatch(/%1/);
    expect(checkNotifyTemplate('ONBATT', '50%')).toMatch(/lone %/);
  });

  it('a bad template is an error at its line and is not used', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYMSG ONBATT "UPS %s on battery since %d"\nNOTIFYMSG LOWBATT "%s %s"\n`, F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([4, 5]);
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/%%/);
    expect(r.value.notifyMessages).toEqual({});
  });

  it('unknown notify type: warning with a suggestion', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYMSG ONBAT "x"\nNOTIFYFLAG LOWBAT SYSLOG\n`, F);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([4, 5]);
    expect(w[0]?.hint).toBe('did you mean ONBATT?');
    expect(w[1]?.hint).toBe('did you mean LOWBATT?');
  });

  it('NOTIFYFLAG flags are case-sensitive, joined with +; invalid ones are errors and dropped', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYFLAG lowbatt SYSLOG+Wall+EXEC\nNOTIFYFLAG ONLINE IGNORE\nNOTIFYFLAG FSD SYSLOG+\n`, F);
    expect(errors(r.diagnostics).map((d) => d.line)).toEqual([4, 6]);
    expect(errors(r.diagnostics)[0]?.message).toMatch(/invalid flag Wall/);
    expect(r.value.notifyFlags.LOWBATT).toEqual(['SYSLOG', 'EXEC']);
    expect(r.value.notifyFlags.ONLINE).toEqual(['IGNORE']);
    expect(r.value.notifyFlags.FSD).toEqual(['SYSLOG']);
  });

  it('flags written with spaces around + warn', () => {
    const r = parseUpsmonConf(`${BASE}NOTIFYFLAG ONBATT SYSLOG + WALL\n`, F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 4 });
    expect(r.value.notifyFlags.ONBATT).toEqual(['SYSLOG']);
  });
});

describe('splitSystemName', () => {
  it('follows upscli_splitname', () => {
    expect(splitSystemName('ups')).toEqual({ upsName: 'ups', host: 'localhost', port: 3493 });
    expect(splitSystemName('ups@h:1')).toEqual({ upsName: 'ups', host: 'h', port: 1 });
    expect(splitSystemName('ups@[fe80::1]')).toEqual({ upsName: 'ups', host: 'fe80::1', port: 3493 });
    expect(splitSystemName('ups:1')).toHaveProperty('error');
    expect(splitSystemName('ups@')).toHaveProperty('error');
    expect(splitSystemName('ups@h:')).toHaveProperty('error');
    expect(splitSystemName('ups@h:65536')).toHaveProperty('error');
    expect(splitSystemName('ups@[::1')).toHaveProperty('error');
  });
});
