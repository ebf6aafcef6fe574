import { describe, it, expect } from 'vitest';
import { parseUpsdConf, UPSD_CONF_DEFAULTS } from '../../../src/core/config/upsd-conf.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/upsd.conf';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');

describe('parseUpsdConf', () => {
  it('defaults (§4.2)', () => {
    const r = parseUpsdConf('', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({
      maxAge: 15, trackingDelay: 3600, allowNoDevice: false, allowNotAllListeners: false,
      listen: [], maxConn: 1024, certRequest: 0, disableWeakSsl: false,
    });
    expect(UPSD_CONF_DEFAULTS.maxAge).toBe(15);
  });

  it('reads every directive', () => {
    const r = parseUpsdConf([
      'MAXAGE 30', 'TRACKINGDELAY 60', 'ALLOW_NO_DEVICE yes', 'ALLOW_NOT_ALL_LISTENERS On',
      'STATEPATH /run/x', 'DATAPATH /usr/share/nut', 'LISTEN 127.0.0.1 3493', 'LISTEN ::1', 'LISTEN 0.0.0.0 13493',
      'MAXCONN 50', 'CERTFILE /etc/nut/upsd.pem', 'CERTPATH /etc/nut/ca', 'CERTIDENT "my cert" "db pass"',
      'CERTREQUEST REQUIRE', 'DISABLE_WEAK_SSL true', 'debug_min 2',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({
      maxAge: 30, trackingDelay: 60, allowNoDevice: true, allowNotAllListeners: true, statePath: '/run/x',
      dataPath: '/usr/share/nut',
      listen: [
        { address: '127.0.0.1', port: 3493, line: 7 },
        { address: '::1', port: 3493, line: 8 },
        { address: '0.0.0.0', port: 13493, line: 9 },
      ],
      maxConn: 50, certFile: '/etc/nut/upsd.pem', certPath: '/etc/nut/ca', certIdent: { name: 'my cert', password: 'db pass' },
      certRequest: 2, disableWeakSsl: true, debugMin: 2,
    });
  });

  it('ALLOW_* accept numbers (non-zero = true); DISABLE_WEAK_SSL does not', () => {
    const r = parseUpsdConf('ALLOW_NO_DEVICE 5\nALLOW_NOT_ALL_LISTENERS 0\nDISABLE_WEAK_SSL 2\n', F);
    expect(r.value.allowNoDevice).toBe(true);
    expect(r.value.allowNotAllListeners).toBe(false);
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 3 });
  });

  it('booleans: bad words are errors with a hint', () => {
    const r = parseUpsdConf('ALLOW_NO_DEVICE perhaps\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1, file: F });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/true/);
    expect(r.value.allowNoDevice).toBe(false);
  });

  it('CERTREQUEST numbers and names; lower-case names are errors', () => {
    expect(parseUpsdConf('CERTREQUEST 1\n', F).value.certRequest).toBe(1);
    expect(parseUpsdConf('CERTREQUEST NO\n', F).value.certRequest).toBe(0);
    const r = parseUpsdConf('CERTREQUEST require\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1 });
  });

  it('MAXAGE like NUT: a leading digit is enough (warning), no digit is an error', () => {
    const r = parseUpsdConf('MAXAGE 20s\nTRACKINGDELAY soon\n', F);
    expect(r.value.maxAge).toBe(20);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 2 });
    expect(r.value.trackingDelay).toBe(3600);
  });

  it('MAXCONN 0 is an error', () => {
    expect(errors(parseUpsdConf('MAXCONN 0\n', F).diagnostics)[0]).toMatchObject({ line: 1 });
  });

  it('directive keywords are case-sensitive: unknown → "invalid directive" warning with a suggestion', () => {
    const r = parseUpsdConf('maxage 5\nFROB 1\n', F);
    expect(r.value.maxAge).toBe(15);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([1, 2]);
    expect(w[0]?.message).toMatch(/invalid directive maxage/);
    expect(w[0]?.hint).toMatch(/MAXAGE/);
    // a word that is no near miss of a directive is not echoed: it may be a wrapped secret
    expect(w[1]?.message).toBe('invalid directive; NUT ignores it');
  });

  it('DEBUG_MIN is case-insensitive', () => {
    expect(parseUpsdConf('Debug_Min 4\n', F).value.debugMin).toBe(4);
  });

  it('ACCEPT, REJECT and ACL are obsolete warnings', () => {
    const r = parseUpsdConf('ACL all 0.0.0.0/0\nACCEPT all\nREJECT all\n', F);
    const w = warnings(r.diagnostics);
    expect(w).toHaveLength(3);
    for (const d of w) {
      expect(d.message).toMatch(/no longer supported/);
      expect(d.hint).toMatch(/LISTEN/);
    }
  });

  it('LISTEN port must be 1..65535; duplicates warn', () => {
    const r = parseUpsdConf('LISTEN 127.0.0.1 99999\nLISTEN 127.0.0.1\nLISTEN 127.0.0.1 3493\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 3 });
    expect(r.value.listen).toEqual([{ address: '127.0.0.1', port: 3493, line: 2 }]);
  });

  it('a directive without its value is an invalid directive (warning)', () => {
    const r = parseUpsdConf('MAXAGE\nLISTEN\n', F);
    expect(warnings(r.diagnostics).map((d) => d.line)).toEqual([1, 2]);
  });

  it("NUT's NSS TLS lines without CERTFILE are an error at the first of them; with CERTFILE they are not", () => {
    const r = parseUpsdConf('MAXAGE 15\nCERTIDENT "my nut server" "Db-Pw-1"\nCERTPATH /etc/nut/cert/upsd\n', F);
    expect(errors(r.diagnostics)).toEqual([expect.objectContaining({ line: 2 })]);
    expect(errors(r.diagnostics)[0]?.message).toMatch(/^CERTPATH and CERTIDENT without CERTFILE is NUT's NSS TLS configuration/);
    expect(errors(r.diagnostics)[0]?.hint).toContain("pk12util -d /etc/nut/cert/upsd -n 'my nut server'");
    expect(JSON.stringify(r.diagnostics)).not.toContain('Db-Pw-1');
    expect(errors(parseUpsdConf('CERTIDENT "my nut server" "Db-Pw-1"\nCERTPATH /x\nCERTFILE /etc/nut/upsd.pem\n', F).diagnostics)).toEqual([]);
    expect(errors(parseUpsdConf('CERTREQUEST 0\n', F).diagnostics)).toEqual([]);
    expect(errors(parseUpsdConf('CERTREQUEST 1\n', F).diagnostics)).toEqual([expect.objectContaining({ line: 1 })]);
    // a name that is the password is never echoed
    expect(JSON.stringify(parseUpsdConf('CERTIDENT Same-Pw-2 Same-Pw-2\n', F).diagnostics)).not.toContain('Same-Pw-2');
  });

  it('CERTIDENT password never appears in diagnostics', () => {
    const r = parseUpsdConf('CERTIDENT name Sup3rSecret extra\nSup3rSecret\n', F);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.diagnostics)).not.toContain('Sup3rSecret');
  });
});
