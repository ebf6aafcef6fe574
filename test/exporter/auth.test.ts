// Basic auth for the exporter: scrypt hashes as `hardnut exporter -P` makes them; a wrong user
// costs what a wrong password does and fails the same way; guessing is capped per second while
// a scraper whose header already passed keeps getting in; exporter.conf refuses a hash with a
// cost that could hang the daemon, and never repeats the value in its message.
import { describe, it, expect } from 'vitest';
import { BasicAuth, MAX_CHECKS_PER_SECOND, hashPassword, parseHash, type PasswordHash } from '../../src/exporter/auth.js';
import { parseExporterConf } from '../../src/exporter/config.js';

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const users = (u: string, p: string): Map<string, PasswordHash> => new Map([[u, parseHash(hashPassword(p)) as PasswordHash]]);

describe('exporter basic auth', () => {
  it('the right user and password pass; a wrong password, an unknown user, another scheme, none: denied', async () => {
    const auth = new BasicAuth(users('prom', 'pä ss:word'));
    expect(await auth.check(basic('prom', 'pä ss:word'))).toBe('ok');
    expect(await auth.check(basic('prom', 'pä ss:wordx'))).toBe('denied');
    expect(await auth.check(basic('other', 'pä ss:word'))).toBe('denied');
    expect(await auth.check(`Bearer ${Buffer.from('prom:pä ss:word').toString('base64')}`)).toBe('denied');
    expect(await auth.check(undefined)).toBe('denied');
  });

  it('a salt each time: two hashes of one password differ, and both check', async () => {
    const [h1, h2] = [hashPassword('x'), hashPassword('x')];
    expect(h1).not.toBe(h2);
    for (const h of [h1, h2]) expect(await new BasicAuth(new Map([['u', parseHash(h) as PasswordHash]])).check(basic('u', 'x'))).toBe('ok');
  });

  it(`guessing is capped at ${String(MAX_CHECKS_PER_SECOND)} checks a second (429), while a header that passed still passes`, async () => {
    let t = 1_000_000;
    const auth = new BasicAuth(users('prom', 'secret'), () => t);
    expect(await auth.check(basic('prom', 'secret'))).toBe('ok');
    t += 1000;
    const verdicts: string[] = [];
    for (let i = 0; i < MAX_CHECKS_PER_SECOND + 3; i++) verdicts.push(await auth.check(basic('prom', `guess${String(i)}`)));
    expect(verdicts.filter((v) => v === 'denied')).toHaveLength(MAX_CHECKS_PER_SECOND);
    expect(verdicts.slice(MAX_CHECKS_PER_SECOND)).toEqual(['busy', 'busy', 'busy']);
    // even the right password, if its header is new, waits; the scraper's remembered one does not
    expect(await auth.check(`basic ${basic('prom', 'secret').slice(6)}`)).toBe('busy');
    expect(await auth.check(basic('prom', 'secret'))).toBe('ok');
    t += 1000;
    expect(await auth.check(basic('prom', 'guess-next-second'))).toBe('denied');
  });

  it('exporter.conf: HTTPUSER takes only a sane scrypt hash and never echoes the value', () => {
    const good = hashPassword('pw');
    expect(parseExporterConf(`SERVER a h\nHTTPUSER prom "${good}"\n`, 'e.conf').conf.httpUsers.has('prom')).toBe(true);
    const pasted = parseExporterConf('SERVER a h\nHTTPUSER prom MyPlainPassword\n', 'e.conf').errors.map((e) => e.message);
    expect(pasted).toHaveLength(1);
    expect(pasted[0]).not.toContain('MyPlainPassword');
    // a cost of 2^30 would take the daemon's memory and minutes per request
    const huge = good.replace(/^scrypt\$15\$/, 'scrypt$30$');
    expect(parseExporterConf(`SERVER a h\nHTTPUSER prom "${huge}"\n`, 'e.conf').errors[0]?.message).toMatch(/cost out of bounds/);
    expect(parseExporterConf('SERVER a h\nHTTPUSER "a:b" x\n', 'e.conf').errors[0]?.message).toMatch(/without ':'/);
  });

  it('exporter.conf: FORCESSL, CERTVERIFY (needs CERTPATH), CERTFILE', () => {
    const { conf, errors } = parseExporterConf('SERVER a h\nFORCESSL 1\nCERTVERIFY 1\nCERTPATH /etc/ssl/ca.pem\nCERTFILE /etc/nut/exporter.pem\n', 'e.conf');
    expect(errors).toEqual([]);
    expect([conf.forceSsl, conf.certVerify, conf.certPath, conf.certFile]).toEqual([true, true, '/etc/ssl/ca.pem', '/etc/nut/exporter.pem']);
    expect(parseExporterConf('SERVER a h\nCERTVERIFY 1\n', 'e.conf').errors[0]?.message).toMatch(/CERTVERIFY 1 needs CERTPATH/);
    expect(parseExporterConf('SERVER a h\nFORCESSL yes\n', 'e.conf').errors[0]?.message).toMatch(/^e\.conf:2: FORCESSL 0\|1/);
  });
});
