// The Debian package (issue 20 item 1): `node debian/build-deb.mjs` builds a .deb from this
// checkout; its contents, modes and maintainer scripts are checked from dpkg-deb's own listing,
// lintian finds no error, and — as root, in CI — it installs on this machine: `hardnut upsd -h`
// runs from /usr/bin, the production modules load from /usr/lib/hardnut, the helper is 4750
// root:nutshutdown, systemd-analyze accepts the units; purge leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELPER_BUILD, canBuildHelpers, onPath, requirePeer, requireRoot } from '../support/peers.js';
import { ACCOUNTS_LOCK_WAIT_MS, holdAccountsLock } from '../support/accounts-lock.js';
import { ensureGroup } from '../helpers/support.js';

const REPO = new URL('../../', import.meta.url).pathname;
const BUILD_TIMEOUT_MS = 120_000;

let out: string | undefined;
let deb: string | undefined;
let buildError: string | undefined;

beforeAll(() => {
  if (!canBuildHelpers() || !onPath('dpkg-deb')) return;
  out = mkdtempSync(join(tmpdir(), 'hn-deb-'));
  const r = spawnSync(process.execPath, [join(REPO, 'debian/build-deb.mjs'), out], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (r.status === 0) deb = r.stdout.trim().split('\n').pop();
  else buildError = `${r.stdout}${r.stderr}`;
}, BUILD_TIMEOUT_MS + 10_000);
afterAll(() => { if (out) rmSync(out, { recursive: true, force: true }); });

function built(ctx: { skip(note?: string): void }): string {
  requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
  requirePeer(ctx, onPath('dpkg-deb'), 'dpkg-deb');
  expect(buildError).toBeUndefined();
  return deb as string;
}

interface Entry { mode: string; owner: string; path: string; link?: string }
function listing(file: string): Entry[] {
  return execFileSync('dpkg-deb', ['-c', file], { encoding: 'utf8', maxBuffer: 16 << 20 }).split('\n').filter((l) => l !== '').map((l) => {
    const f = l.split(/\s+/);
    const path = (f[5] ?? '').replace(/^\./, '');
    return { mode: f[0] ?? '', owner: f[1] ?? '', path, ...(f[6] === '->' ? { link: f[7] } : {}) };
  });
}
const field = (file: string, name: string): string => execFileSync('dpkg-deb', ['-f', file, name], { encoding: 'utf8' }).trim();
const script = (file: string, name: string): string => execFileSync('dpkg-deb', ['-I', file, name], { encoding: 'utf8' });

describe('the .deb', () => {
  it('holds the program, its production modules for this architecture only, /usr/bin/hardnut, units with the packaged paths, tmpfiles, udev rules, examples', (ctx) => {
    const file = built(ctx);
    const entries = listing(file);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(entries.every((e) => e.owner === 'root/root')).toBe(true);
    expect(byPath.get('/')?.mode).toBe('drwxr-xr-x');
    expect(byPath.get('/usr/lib/hardnut/dist/hardnut.js')?.mode).toBe('-rwxr-xr-x');
    expect(byPath.get('/usr/bin/hardnut')?.link).toBe('../lib/hardnut/dist/hardnut.js');
    // the short-lived tools' code caches (src/cli/code-cache.ts), as read-only as the code
    for (const t of ['upsc', 'upscmd', 'upsrw', 'upssched']) expect(byPath.get(`/usr/lib/hardnut/dist/tool-${t}.js.cache`)?.mode, t).toBe('-rw-r--r--');
    for (const m of ['koffi', 'serialport', 'node-hid', 'net-snmp', 'tweetnacl']) expect(byPath.has(`/usr/lib/hardnut/node_modules/${m}/package.json`), m).toBe(true);
    for (const dev of ['vitest', 'typescript', 'esbuild', 'fast-check']) expect(byPath.has(`/usr/lib/hardnut/node_modules/${dev}/`), dev).toBe(false);
    const native = entries.filter((e) => e.path.endsWith('.node')).map((e) => e.path);
    expect(native.length).toBeGreaterThanOrEqual(3);
    expect(native.filter((p) => /darwin|win32|musl|arm|ia32/.test(p))).toEqual([]);
    for (const u of ['hardnut-upsd.service', 'hardnut-upsmon.service', 'hardnut-driver@.service', 'hardnut-shutdown.socket', 'hardnut-shutdown@.service']) {
      expect(byPath.has(`/lib/systemd/system/${u}`), u).toBe(true);
    }
    expect(byPath.has('/usr/lib/tmpfiles.d/hardnut.conf')).toBe(true);
    expect(byPath.has('/lib/udev/rules.d/62-hardnut-ups.rules')).toBe(true);
    expect(byPath.has('/usr/share/doc/hardnut/examples/upsmon.conf')).toBe(true);
    // nothing in /etc: the admin's /etc/nut is read as it is, and may belong to Debian's NUT
    expect(entries.filter((e) => e.path.startsWith('/etc/'))).toEqual([]);
    // the helper ships unprivileged; postinst sets its mode (next test)
    expect(byPath.get('/usr/lib/hardnut/upsshutdown')?.mode).toBe('-rwxr-xr-x');
    expect(field(file, 'Depends')).toMatch(/^nodejs \(>= 20\)/);
  });

  it('the units run the packaged program, never /usr/local', (ctx) => {
    const file = built(ctx);
    const dir = mkdtempSync(join(tmpdir(), 'hn-deb-x-'));
    try {
      execFileSync('dpkg-deb', ['-x', file, dir]);
      const upsd = readFileSync(join(dir, 'lib/systemd/system/hardnut-upsd.service'), 'utf8');
      expect(upsd).toMatch(/^ExecStart=\/usr\/bin\/hardnut upsd -F -u nut$/m);
      // never beside Debian's NUT services
      expect(upsd).toMatch(/^Conflicts=nut-server\.service$/m);
      const upsmon = readFileSync(join(dir, 'lib/systemd/system/hardnut-upsmon.service'), 'utf8');
      expect(upsmon).toMatch(/^Conflicts=nut-monitor\.service/m);
      // the shutdown is configured in upsmon.conf, not in the unit (issue 20 item 7): the sample names the installed helper
      expect(upsmon).not.toContain('HARDNUT_SHUTDOWN');
      expect(readFileSync(join(dir, 'usr/share/doc/hardnut/examples/upsmon.conf'), 'utf8')).toMatch(/^SHUTDOWNCMD "\/usr\/lib\/hardnut\/upsshutdown poweroff"$/m);
      expect(readFileSync(join(dir, 'lib/systemd/system/hardnut-shutdown@.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/lib\/hardnut\/upsshutdown /m);
      for (const u of ['hardnut-upsd.service', 'hardnut-upsmon.service', 'hardnut-driver@.service', 'hardnut-shutdown@.service']) {
        expect(readFileSync(join(dir, 'lib/systemd/system', u), 'utf8'), u).not.toContain('/usr/local');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maintainer scripts: accounts and the helper\'s 4750 root:nutshutdown through dpkg-statoverride, nothing enabled or started; purge undoes them', (ctx) => {
    const file = built(ctx);
    const postinst = script(file, 'postinst');
    expect(postinst).toContain('dpkg-statoverride --update --add root nutshutdown 4750 "$HELPER"');
    expect(postinst).toMatch(/groupadd --system nutshutdown/);
    expect(postinst).not.toMatch(/systemctl (enable|start)|deb-systemd-invoke/);
    const postrm = script(file, 'postrm');
    expect(postrm).toContain('dpkg-statoverride --remove /usr/lib/hardnut/upsshutdown');
    expect(postrm).toMatch(/rm -f \/etc\/hardnut\/upsshutdown\.key/);
    for (const s of [postinst, postrm, script(file, 'prerm')]) expect(s.startsWith('#!/bin/sh\n')).toBe(true);
  });

  it('lintian: no error', (ctx) => {
    const file = built(ctx);
    requirePeer(ctx, onPath('lintian'), 'lintian (apt-get install lintian)');
    // lintian leaves its MLDBM cache files (mldbm-elf-*) in TMPDIR: give it one that afterAll removes
    const tmp = mkdtempSync(join(out as string, 'lintian-tmp-'));
    const r = spawnSync('lintian', ['--no-tag-display-limit', file], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS, env: { ...process.env, TMPDIR: tmp } });
    expect(r.stdout.split('\n').filter((l) => l.startsWith('E:'))).toEqual([]);
  }, BUILD_TIMEOUT_MS);
});

describe('installed on this machine (root, CI)', () => {
  const groups = (): string => execFileSync('id', ['-Gn', 'nut'], { encoding: 'utf8' }).trim();
  /** The .deb, as root, on a machine without hardnut installed (the tests purge it). */
  function installable(ctx: { skip(note?: string): void }): string {
    requireRoot(ctx);
    const file = built(ctx);
    requirePeer(ctx, spawnSync('dpkg-query', ['-W', 'hardnut']).status !== 0, 'a machine without a hardnut package already installed (this test purges it)');
    return file;
  }

  it('dpkg -i: hardnut upsd -h from /usr/bin, modules load, helper 4750 root:nutshutdown, units verify; purge leaves nothing behind', (ctx) => {
    const file = installable(ctx);
    const release = holdAccountsLock();
    try {
      const hadGroup = spawnSync('getent', ['group', 'nutshutdown']).status === 0;
      const nutGroupsBefore = groups();
      try {
        const inst = spawnSync('dpkg', ['-i', file], { encoding: 'utf8' });
        expect(inst.status, inst.stdout + inst.stderr).toBe(0);
        const help = spawnSync('/usr/bin/hardnut', ['upsd', '-h'], { encoding: 'utf8', cwd: '/' });
        expect(help.status, help.stderr).toBe(0);
        expect(help.stdout).toMatch(/^Network UPS Tools upsd 2\.8\.0 \(hardnut /);
        const mods = spawnSync(process.execPath, ['-e', "for (const m of ['koffi','serialport','node-hid','net-snmp','tweetnacl']) require(m)"], { cwd: '/usr/lib/hardnut', encoding: 'utf8' });
        expect(mods.status, mods.stderr).toBe(0);
        expect(execFileSync('stat', ['-c', '%U:%G %a', '/usr/lib/hardnut/upsshutdown'], { encoding: 'utf8' }).trim()).toBe('root:nutshutdown 4750');
        expect(execFileSync('stat', ['-c', '%U:%G %a', '/etc/hardnut/upsshutdown.key'], { encoding: 'utf8' }).trim()).toBe('root:root 600');
        expect(groups().split(' ')).toContain('nutshutdown');
        // the packaged sample upsmon.conf chooses the installed helper, and upsmon's own start-up
        // checks (config check runs them as root) accept what the package installed
        const confDir = mkdtempSync(join(tmpdir(), 'hn-deb-conf-'));
        try {
          copyFileSync('/usr/share/doc/hardnut/examples/upsmon.conf', join(confDir, 'upsmon.conf'));
          chmodSync(join(confDir, 'upsmon.conf'), 0o640);
          const check = spawnSync('/usr/bin/hardnut', ['config', 'check', confDir], { encoding: 'utf8', cwd: '/' });
          expect(check.stdout, check.stderr).toContain(`shutdown: helper /usr/lib/hardnut/upsshutdown (SHUTDOWNCMD names hardnut's helper, ${join(confDir, 'upsmon.conf')}:27)`);
          expect(check.stderr).not.toMatch(/shut this host down|refuse/);
        } finally {
          rmSync(confDir, { recursive: true, force: true });
        }
        if (onPath('systemd-analyze')) {
          const units = ['hardnut-upsd.service', 'hardnut-upsmon.service', 'hardnut-shutdown.socket', 'hardnut-shutdown@.service', 'hardnut-driver@.service']
            .map((u) => `/lib/systemd/system/${u}`);
          const v = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'err' } });
          expect(v.status, v.stdout + v.stderr).toBe(0);
        }
      } finally {
        const purge = spawnSync('dpkg', ['--purge', 'hardnut'], { encoding: 'utf8' });
        expect(purge.status, purge.stdout + purge.stderr).toBe(0);
      }
      for (const p of ['/usr/lib/hardnut', '/usr/bin/hardnut', '/etc/hardnut', '/var/lib/hardnut', '/lib/systemd/system/hardnut-upsd.service']) expect(existsSync(p), p).toBe(false);
      expect(spawnSync('getent', ['group', 'nutshutdown']).status === 0).toBe(hadGroup);
      expect(groups()).toBe(nutGroupsBefore);
      expect(execFileSync('dpkg-statoverride', ['--list'], { encoding: 'utf8' })).not.toContain('hardnut');
    } finally { release(); }
  }, 60_000 + ACCOUNTS_LOCK_WAIT_MS);

  // An admin's nutshutdown, or scripts/install.mjs's, without nut in it: the package adds nut and
  // purge must take it out again. Before, purge left nut in the group (a CI run failed the test
  // above for it, on a machine where the group was there).
  it('purge takes nut out of a nutshutdown group that was there before, and leaves the group', (ctx) => {
    const file = installable(ctx);
    const release = holdAccountsLock();
    try {
      const group = ensureGroup('nutshutdown');
      const wasMember = groups().split(' ').includes('nutshutdown');
      if (wasMember) execFileSync('gpasswd', ['-d', 'nut', 'nutshutdown'], { stdio: 'ignore' });
      const before = groups();
      try {
        try {
          const inst = spawnSync('dpkg', ['-i', file], { encoding: 'utf8' });
          expect(inst.status, inst.stdout + inst.stderr).toBe(0);
          expect(groups().split(' ')).toContain('nutshutdown');
        } finally {
          const purge = spawnSync('dpkg', ['--purge', 'hardnut'], { encoding: 'utf8' });
          expect(purge.status, purge.stdout + purge.stderr).toBe(0);
        }
        expect(spawnSync('getent', ['group', 'nutshutdown']).status).toBe(0);
        expect(groups()).toBe(before);
      } finally {
        if (wasMember) execFileSync('usermod', ['-a', '-G', 'nutshutdown', 'nut']);
        group.remove();
      }
    } finally { release(); }
  }, 60_000 + ACCOUNTS_LOCK_WAIT_MS);
});
