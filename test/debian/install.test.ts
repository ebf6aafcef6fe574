// The installer for systems without dpkg (scripts/install.mjs, issue 20 item 2), run for real as
// root into a throwaway --destdir: it refuses an unsafe directory on the way before writing
// anything, installs a hardnut that runs from PREFIX/bin with the helper 4750 root:nutshutdown
// and units naming PREFIX, and --uninstall leaves the destdir as it found it.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HELPER_BUILD, canBuildHelpers, isRoot, requirePeer, requireRoot } from '../support/peers.js';
import { ACCOUNTS_LOCK_WAIT_MS, holdAccountsLock } from '../support/accounts-lock.js';
import { HARDNUT } from '../support/stack.js';

const INSTALLER = new URL('../../scripts/install.mjs', import.meta.url).pathname;
const dirs: string[] = [];
let release: (() => void) | undefined;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  release?.();
  release = undefined;
});

function destdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hn-inst-'));
  dirs.push(d);
  return d;
}
const installer = (args: string[]): { code: number | null; out: string } => {
  const r = spawnSync(process.execPath, [INSTALLER, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout + r.stderr };
};

describe('scripts/install.mjs', () => {
  it('refuses without root', (ctx) => {
    requirePeer(ctx, !isRoot() || spawnSync('setpriv', ['--help']).status === 0, 'setpriv (util-linux)');
    const r = isRoot()
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, INSTALLER, '--destdir', '/nonexistent'], { encoding: 'utf8' })
      : spawnSync(process.execPath, [INSTALLER], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('must run as root');
  });

  it('refuses a group/world-writable directory on the way, writing nothing', (ctx) => {
    requireRoot(ctx);
    requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    const d = destdir();
    mkdirSync(join(d, 'opt'));
    chmodSync(join(d, 'opt'), 0o777);
    const r = installer(['--destdir', d, '--prefix', '/opt/hn']);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`${join(d, 'opt')} is writable by group or others (mode 777)`);
    expect(readdirSync(d)).toEqual(['opt']);
    expect(readdirSync(join(d, 'opt'))).toEqual([]);
  }, 120_000);

  it('installs a working hardnut under PREFIX, helper 4750 root:nutshutdown, units naming PREFIX; --uninstall removes it all', (ctx) => {
    requireRoot(ctx);
    requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    const d = destdir();
    release = holdAccountsLock(); // it may create nutshutdown and add nut to it (see accounts-lock.ts)
    const hadGroup = spawnSync('getent', ['group', 'nutshutdown']).status === 0;
    const r = installer(['--destdir', d, '--prefix', '/opt/hn']);
    expect(r.code, r.out).toBe(0);
    expect(readlinkSync(join(d, 'opt/hn/bin/hardnut'))).toBe('../lib/hardnut/dist/hardnut.js');
    const help = spawnSync(join(d, 'opt/hn/bin/hardnut'), ['upsd', '-h'], { encoding: 'utf8', cwd: '/' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Network UPS Tools upsd 2\.8\.0 \(hardnut /);
    // upsc's code cache beside the file it was made from, mtimes kept: it is used (code-cache.ts)
    const installed = (f: string): Stats => statSync(join(d, 'opt/hn/lib/hardnut/dist', f));
    const built = (f: string): Stats => statSync(join(dirname(HARDNUT), f));
    const seen = (st: Stats): number[] => [Math.floor(st.mtimeMs / 1000), st.size];
    for (const f of ['tool-upsc.js', 'tool-upsc.js.cache']) expect(seen(installed(f)), f).toEqual(seen(built(f)));
    expect(installed('tool-upsc.js.cache').mode & 0o777).toBe(0o644);
    const helper = lstatSync(join(d, 'opt/hn/lib/hardnut/upsshutdown'));
    expect([helper.uid, helper.mode & 0o7777]).toEqual([0, 0o4750]);
    const gid = Number(spawnSync('getent', ['group', 'nutshutdown'], { encoding: 'utf8' }).stdout.split(':')[2]);
    expect(helper.gid).toBe(gid);
    expect(readFileSync(join(d, 'etc/systemd/system/hardnut-upsd.service'), 'utf8')).toMatch(/^ExecStart=\/opt\/hn\/bin\/hardnut upsd -F -u nut$/m);
    // the shutdown is configured in upsmon.conf (its sample names the installed helper), not in the unit
    expect(readFileSync(join(d, 'etc/systemd/system/hardnut-upsmon.service'), 'utf8')).not.toContain('HARDNUT_SHUTDOWN');
    expect(readFileSync(join(d, 'opt/hn/share/doc/hardnut/examples/upsmon.conf'), 'utf8')).toMatch(/^SHUTDOWNCMD "\/opt\/hn\/lib\/hardnut\/upsshutdown poweroff"$/m);
    const key = lstatSync(join(d, 'etc/hardnut/upsshutdown.key'));
    expect([key.uid, key.mode & 0o777]).toEqual([0, 0o600]);
    // a second install is refused (the manifest says it is there)
    expect(installer(['--destdir', d, '--prefix', '/opt/hn']).code).toBe(1);

    const u = installer(['--uninstall', '--destdir', d]);
    expect(u.code, u.out).toBe(0);
    expect(readdirSync(d)).toEqual([]);
    expect(spawnSync('getent', ['group', 'nutshutdown']).status === 0).toBe(hadGroup);
  }, 180_000 + ACCOUNTS_LOCK_WAIT_MS);
});
