// `make -C helpers install`: owner root:<group>, mode 4750, a key pair and a config on first
// install, and refusals that change nothing. Installs into temp dirs only (as root, like CI).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupGroup } from '../../src/sandbox/drop-privileges.js';
import { loadIntentKey, makeIntent, publicKeyHex } from '../../src/sandbox/shutdown-intent.js';
import { canBuildHelpers, isRoot, requireHelperBuild } from '../support/peers.js';
import { EXIT, HELPERS_DIR, runHelper, suidCapableBase } from './support.js';

// An existing group to install for (not nutshutdown: test/upsmon/shutdown-e2e.test.ts creates and removes it).
const GROUP = ['nut', 'nogroup', 'nobody'].find((g) => lookupGroup(g) !== undefined) ?? 'root';

let root: string;
beforeAll(() => {
  if (!isRoot() || !canBuildHelpers()) return;
  root = mkdtempSync(join(suidCapableBase(), 'hn-inst-'));
  chmodSync(root, 0o755);
});
afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

interface Layout { vars: string[]; lib: string; conf: string; key: string; nonces: string }
/** Install paths inside `base`, with the config path compiled into the build to match. */
function layout(base: string, extra: string[] = []): Layout {
  const l = { lib: join(base, 'lib'), conf: join(base, 'etc', 'upsshutdown.conf'), key: join(base, 'etc', 'upsshutdown.key'), nonces: join(base, 'state', 'nonces') };
  return {
    ...l,
    vars: [`O=${join(root, 'build')}`, `UPSSHUTDOWN_CONF=${l.conf}`, `LIBEXECDIR=${l.lib}`, `KEYFILE=${l.key}`, `NONCES=${l.nonces}`, `GROUP=${GROUP}`, ...extra],
  };
}

function install(vars: string[]): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync('make', ['-s', '-C', HELPERS_DIR, 'install', ...vars], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

// each install compiles the helper for its paths (≈ 2 s idle, 9 s with the suite running on 2 cores): a test runs up to four
describe('make -C helpers install', { timeout: 120_000 }, () => {
  it('installs root:<group> 4750 with a fresh key pair and a config that the installed helper accepts', (ctx) => {
    requireHelperBuild(ctx);
    const l = layout(join(root, 'ok'));
    const r = install(l.vars);
    expect(r.out).toContain(`is root:${GROUP} 4750`);
    expect(r.status).toBe(0);

    const bin = statSync(join(l.lib, 'upsshutdown'));
    expect(bin.uid).toBe(0);
    expect(bin.gid).toBe(lookupGroup(GROUP));
    expect(bin.mode & 0o7777).toBe(0o4750);
    const key = statSync(l.key);
    expect([key.uid, key.mode & 0o777, key.size]).toEqual([0, 0o600, 64]);
    expect(statSync(l.conf).mode & 0o777).toBe(0o644);
    expect(statSync(join(l.nonces, '..')).mode & 0o777).toBe(0o700);

    // The key made by the C keygen loads in TypeScript; the config names its public half; an
    // intent signed with it passes the installed helper's check.
    const secret = loadIntentKey(l.key);
    expect(readFileSync(l.conf, 'utf8')).toContain(`\npubkey ${publicKeyHex(secret)}\nmethod systemctl\nnonces ${l.nonces}\n`);
    const check = runHelper(join(l.lib, 'upsshutdown'), ['check'], makeIntent('check', secret));
    expect(check.stdout).toBe('upsshutdown: intent ok, method systemctl\n');
    expect(check.status).toBe(EXIT.ok);

    // Again: the key and config stay, the mode is restored.
    chmodSync(join(l.lib, 'upsshutdown'), 0o755);
    const again = install(l.vars);
    expect(again.status).toBe(0);
    expect(again.out).toContain('kept the existing');
    expect(loadIntentKey(l.key)).toEqual(secret);
    expect(statSync(join(l.lib, 'upsshutdown')).mode & 0o7777).toBe(0o4750);
  });

  it('refuses a group that does not exist', (ctx) => {
    requireHelperBuild(ctx);
    const l = layout(join(root, 'nogroup'), ['GROUP=hn-no-such-group']);
    const r = install(l.vars);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("group 'hn-no-such-group' does not exist");
    expect(existsSync(join(l.lib, 'upsshutdown'))).toBe(false);
  });

  it('refuses a target directory writable by group or others, even sticky, and an unsafe ancestor', (ctx) => {
    requireHelperBuild(ctx);
    for (const mode of [0o775, 0o1777]) {
      const l = layout(join(root, `open-${mode.toString(8)}`));
      mkdirSync(l.lib, { recursive: true });
      chmodSync(l.lib, mode);
      const r = install(l.vars);
      expect(r.status).not.toBe(0);
      expect(r.out).toContain(`${l.lib} is writable by group or others`);
      expect(existsSync(join(l.lib, 'upsshutdown'))).toBe(false);
    }
    const base = join(root, 'ancestor');
    mkdirSync(base, { mode: 0o777 });
    chmodSync(base, 0o777);
    const r = install(layout(base).vars);
    expect(r.out).toContain(`${base} is writable by group or others`);
    expect(r.status).not.toBe(0);

    const real = join(root, 'real');
    mkdirSync(real);
    symlinkSync(real, join(root, 'link'));
    const viaLink = install(layout(join(root, 'link')).vars);
    expect(viaLink.out).toContain(`${join(root, 'link')} is a symlink`);
    expect(viaLink.status).not.toBe(0);
  });

  it('refuses an existing key that others can read', (ctx) => {
    requireHelperBuild(ctx);
    const l = layout(join(root, 'leaky'));
    mkdirSync(join(l.key, '..'), { recursive: true });
    writeFileSync(l.key, Buffer.alloc(64), { mode: 0o644 });
    const r = install(l.vars);
    expect(r.out).toContain('exists but is not a root-owned 0600 64-byte key');
    expect(r.status).not.toBe(0);
    expect(existsSync(l.conf)).toBe(false);
  });
});
