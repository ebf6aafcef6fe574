import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigDir, loadConfig, loadUpsConf, readConfigFile } from '../../src/runtime/config-files.js';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { ConfigError } from '../../src/core/errors.js';

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'hardnut-config-files-')); });
afterEach(() => { rmSync(tmp, { recursive: true, force: true }); });

function put(name: string, text: string, mode = 0o640): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

function thrown(fn: () => unknown): unknown {
  try { fn(); } catch (e) { return e; }
  return undefined;
}

describe('readConfigFile', () => {
  it('returns the bytes and no diagnostics for a 0640 file', () => {
    const p = put('ups.conf', '[a]\n');
    const f = readConfigFile(p);
    expect(new TextDecoder().decode(f.bytes)).toBe('[a]\n');
    expect(f.diagnostics).toEqual([]);
  });

  it('warns about world-readable password files only', () => {
    expect(readConfigFile(put('ups.conf', '', 0o644)).diagnostics).toEqual([]);
    const d = readConfigFile(put('upsd.users', '', 0o644)).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'warning', line: 0, file: join(tmp, 'upsd.users') });
    expect(d[0]?.message).toMatch(/contains passwords/);
  });

  it('follows symlinks and checks the target', () => {
    const target = put('real-upsmon.conf', 'MINSUPPLIES 0\n', 0o644);
    symlinkSync(target, join(tmp, 'upsmon.conf'));
    const f = readConfigFile(join(tmp, 'upsmon.conf'));
    expect(f.bytes.length).toBe(14);
    // The link is named upsmon.conf: the password warning applies to what it points at.
    expect(f.diagnostics[0]?.message).toMatch(/contains passwords/);
  });

  it('a dangling symlink, a missing file and a directory are ConfigErrors with stable codes', () => {
    symlinkSync(join(tmp, 'nowhere'), join(tmp, 'ups.conf'));
    const e1 = thrown(() => readConfigFile(join(tmp, 'ups.conf')));
    expect(e1).toBeInstanceOf(ConfigError);
    expect((e1 as ConfigError).code).toBe('ERR_CONFIG_MISSING');
    expect((e1 as ConfigError).message).toMatch(/symbolic link to a file that does not exist/);
    const e2 = thrown(() => readConfigFile(join(tmp, 'upsd.conf')));
    expect((e2 as ConfigError).code).toBe('ERR_CONFIG_MISSING');
    expect((e2 as ConfigError).message).toBe(`${join(tmp, 'upsd.conf')}: cannot open: no such file`);
    const e3 = thrown(() => readConfigFile(tmp));
    expect((e3 as ConfigError).code).toBe('ERR_CONFIG_NOT_FILE');
  });
});

describe('loadConfig / loadUpsConf', () => {
  it('returns value and warnings', () => {
    put('upsmon.conf', 'MONITOR u@h 1 a b primary\nSHUTDOWNCMD x\n');
    const r = loadConfig(tmp, 'upsmon.conf', parseUpsmonConf);
    expect(r.value.monitors).toHaveLength(1);
    expect(r.warnings.map((w) => w.message).join()).toMatch(/POWERDOWNFLAG/);
  });

  it('throws the first error as a ConfigError naming file:line', () => {
    put('upsmon.conf', 'POLLFREQ 5\nMONITOR u@h 1 pw master\n');
    const e = thrown(() => loadConfig(tmp, 'upsmon.conf', parseUpsmonConf));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).line).toBe(2);
    expect((e as ConfigError).message).toMatch(new RegExp(`^${join(tmp, 'upsmon.conf')}:2: old-style MONITOR`));
  });

  it('strict: false returns errors with the warnings instead of throwing', () => {
    put('upsmon.conf', 'MONITOR u@h 1 pw master\n');
    const r = loadConfig(tmp, 'upsmon.conf', parseUpsmonConf, { strict: false });
    expect(r.warnings.some((d) => d.severity === 'error' && d.line === 1)).toBe(true);
  });

  it('loadUpsConf is strict: any error stops drivers and upsdrvctl before anything starts (issue 2)', () => {
    put('ups.conf', '[good]\ndriver = dummy-ups\nport = a.dev\n[half]\ndriver = dummy-ups\n');
    const e = thrown(() => loadUpsConf(tmp, () => undefined));
    expect((e as ConfigError).code).toBe('ERR_CONFIG');
    expect((e as ConfigError).message).toMatch(new RegExp(`^${join(tmp, 'ups.conf')}:4: UPS \\[half\\] has no port`));
    const missing = thrown(() => loadUpsConf(join(tmp, 'nope')));
    expect((missing as ConfigError).code).toBe('ERR_CONFIG_MISSING');
  });

  it('loadUpsConf gives the typed ups.conf and reports warnings formatted', () => {
    put('ups.conf', 'bogus = 1\n[a]\ndriver = dummy-ups\nport = x.dev\n');
    const seen: string[] = [];
    const conf = loadUpsConf(tmp, (m) => seen.push(m));
    expect(conf.sections[0]?.driver).toBe('dummy-ups');
    expect(seen[0]).toMatch(new RegExp(`^${join(tmp, 'ups.conf')}:1: warning: `));
  });
});

describe('checkConfigDir', () => {
  it('lists the files it checked in a fixed order and throws only for an unusable dir', async () => {
    put('upsd.conf', 'MAXAGE 15\n');
    put('ups.conf', '[a]\ndriver = d\nport = p\n');
    const r = await checkConfigDir(tmp);
    expect(r.filesChecked).toEqual([join(tmp, 'ups.conf'), join(tmp, 'upsd.conf')]);
    expect(r.diagnostics).toEqual([]);
    await expect(checkConfigDir(join(tmp, 'ups.conf'))).rejects.toMatchObject({ code: 'ERR_CONFIG_DIR' });
  });

  it('uses the given passwd file for the OS-account hint', async () => {
    const passwd = put('passwd', 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    put('upsd.users', '[mon]\npassword = x\nupsmon primary\n');
    put('upsmon.conf', 'MONITOR u@localhost 1 alice pw primary\nSHUTDOWNCMD x\nPOWERDOWNFLAG /f\n');
    const r = await checkConfigDir(tmp, { passwdFile: passwd });
    const e = r.diagnostics.find((d) => d.severity === 'error');
    expect(e?.hint).toMatch(/'alice' is an operating-system account/);
    const r2 = await checkConfigDir(tmp, { passwdFile: join(tmp, 'none') });
    expect(r2.diagnostics.find((d) => d.severity === 'error')?.hint).toMatch(/add a \[alice\] section/);
  });

  it('skips user checks for a MONITOR of a remote upsd, and for a local one on another port', async () => {
    put('upsd.users', '[mon]\npassword = x\nupsmon primary\n');
    put('upsmon.conf', 'MONITOR u@far.example 1 ghost pw primary\nMONITOR u@localhost:4000 1 ghost2 pw primary\nSHUTDOWNCMD x\nPOWERDOWNFLAG /f\n');
    const r = await checkConfigDir(tmp, { localHostNames: ['myhost'] });
    expect(r.diagnostics).toEqual([]);
  });
});
