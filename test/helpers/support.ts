// Shared by the upsshutdown tests: build a test variant of the helper (its config path compiled in,
// pointing into a temp dir), write its config, run it with an intent on stdin.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELPERS_DIR = fileURLToPath(new URL('../../helpers/', import.meta.url));

/** Exit codes of upsshutdown (helpers/README.md). */
export const EXIT = { ok: 0, usage: 64, dataErr: 65, osErr: 71, noPerm: 77, config: 78 } as const;

// tmpdir() first: the run's own temp dir (test/support/leakcheck.ts), which holds what the helper
// runs with an empty environment, so the leak check still knows those processes by their path
/** A directory for setuid binaries: the first candidate whose mount has no `nosuid`. */
export function suidCapableBase(candidates = [tmpdir(), '/var/tmp', '/root']): string {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((line) => {
    const f = line.split(' ');
    return { point: f[4] ?? '', options: f[5] ?? '' };
  });
  for (const dir of candidates) {
    let best = { point: '', options: '' };
    for (const m of mounts) {
      const prefix = m.point === '/' ? '/' : `${m.point}/`;
      if ((dir === m.point || dir.startsWith(prefix)) && m.point.length >= best.point.length) best = m;
    }
    if (!best.options.split(',').includes('nosuid')) return dir;
  }
  throw new Error(`no directory among ${candidates.join(', ')} allows setuid binaries (all nosuid)`);
}

export interface HelperBuild {
  /** Root-owned 0755 temp dir holding everything below. */
  root: string;
  bin: string;
  keygen: string;
  /** The config path compiled into `bin`. */
  conf: string;
  /** Root-owned 0700 dir for nonce files. */
  state: string;
  /** What the test build's systemctl method executes instead of /bin/systemctl. */
  fakeSystemctl: string;
  cleanup(): void;
}

/** Runs `make -C helpers` with extra variables; returns make's output, throws on failure. */
export function make(args: string[]): string {
  return execFileSync('make', ['-s', '-C', HELPERS_DIR, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Builds a test variant of upsshutdown into a fresh temp dir (`makeVars`: more make variables). */
export function buildHelper(prefix = 'hn-ush-', makeVars: string[] = []): HelperBuild {
  const root = mkdtempSync(join(suidCapableBase(), prefix));
  chmodSync(root, 0o755);
  const state = join(root, 'state');
  mkdirSync(state, { mode: 0o700 });
  const conf = join(root, 'upsshutdown.conf');
  const fakeSystemctl = join(root, 'fake-systemctl');
  try {
    make([`O=${join(root, 'build')}`, `UPSSHUTDOWN_CONF=${conf}`, `SYSTEMCTL_PATH=${fakeSystemctl}`, ...makeVars]);
  } catch (err) {
    rmSync(root, { recursive: true, force: true }); // a failed build leaves no temp directory behind
    throw err;
  }
  return {
    root, conf, state, fakeSystemctl,
    bin: join(root, 'build', 'upsshutdown'),
    keygen: join(root, 'build', 'upsshutdown-keygen'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Writes a root-owned 0644 file (what upsshutdown accepts). */
export function writeRootFile(path: string, text: string, mode = 0o644): void {
  writeFileSync(path, text);
  chownSync(path, 0, 0);
  chmodSync(path, mode);
}

export interface RunResult { status: number | null; stdout: string; stderr: string }

export function runHelper(bin: string, args: string[], input: string, env: NodeJS.ProcessEnv = {}): RunResult {
  const r: SpawnSyncReturns<string> = spawnSync(bin, args, { input, env, encoding: 'utf8', timeout: 20_000 });
  // EPIPE: the helper refused (argv, config) before reading stdin; its status still tells.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Ids { uid: number; gid: number; groups: number[] }
export interface RunAsResult extends RunResult { error: string | null }

/**
 * Runs bin as another user from a Node child that drops root itself (setgroups, setgid, setuid)
 * and then spawns it. Not setpriv: util-linux 2.38's setpriv still holds root's capabilities
 * during its own execve, so a mode-0750 file would run for a non-member anyway.
 */
export function runAs(ids: Ids, bin: string, args: string[], input: string): RunAsResult {
  const code = [
    'const [ids, bin, args, input] = JSON.parse(process.argv[1]);',
    'process.setgroups(ids.groups); process.setgid(ids.gid); process.setuid(ids.uid);',
    "const r = require('node:child_process').spawnSync(bin, args, { input, env: {}, encoding: 'utf8' });",
    'process.stdout.write(JSON.stringify({ status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error ? r.error.code : null }));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['-e', code, JSON.stringify([ids, bin, args, input])], { encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(out) as RunAsResult;
}

/**
 * A group that must exist for a test (e.g. nutshutdown, which upsmon's dispatcher joins by name).
 * Created with groupadd when absent; remove() deletes it again only if this call created it, so
 * the system is left as found.
 */
export function ensureGroup(name: string): { gid: number; created: boolean; remove(): void } {
  const find = (): number | undefined => {
    const line = readFileSync('/etc/group', 'latin1').split('\n').find((l) => l.startsWith(`${name}:`));
    return line === undefined ? undefined : Number(line.split(':')[2]);
  };
  let gid = find();
  let created = false;
  if (gid === undefined) {
    // another test run may create it at the same moment: then it is theirs to remove
    try { execFileSync('groupadd', ['--system', name], { stdio: 'ignore' }); created = true; } catch { /* created meanwhile? */ }
    gid = find();
  }
  if (gid === undefined) throw new Error(`groupadd ${name} did not create it`);
  return { gid, created, remove: () => { if (created) execFileSync('groupdel', [name], { stdio: 'ignore' }); } };
}

export interface InstalledHelper {
  /** Root-owned 0755 temp dir holding everything below. */
  root: string;
  /** <root>/lib/upsshutdown, installed by `make install`: root:<group> 4750. */
  bin: string;
  conf: string;
  /** The dispatcher's secret key (root 0600), made by the install step. */
  key: string;
  /**
   * The action: the test build's "systemctl" appends `<ms> <uid> <args>` here, as root. Never a
   * real shutdown.
   */
  marker: string;
  /** Lines of the marker file: one per action performed. */
  actions(): Array<{ t: number; uid: number; args: string }>;
  cleanup(): void;
}

/**
 * Builds upsshutdown and installs it with the install step (`make install`, METHOD=systemctl) into
 * a temp tree, the way an administrator would, except that every path points into that tree and
 * the compiled-in systemctl is a stand-in script that records the call.
 */
export function installHelper(group: string, prefix = 'hn-ushi-'): InstalledHelper {
  const b = buildHelper(prefix);
  const out = join(b.root, 'out');
  mkdirSync(out, { mode: 0o755 });
  const marker = join(out, 'marker');
  writeRootFile(b.fakeSystemctl, `#!/bin/sh\necho "$(date +%s%3N) $(id -u) $*" >> ${marker}\n`, 0o755);
  const key = join(b.root, 'upsshutdown.key');
  make([
    'install', `O=${join(b.root, 'build')}`, `UPSSHUTDOWN_CONF=${b.conf}`, `SYSTEMCTL_PATH=${b.fakeSystemctl}`, `KEYFILE=${key}`,
    `LIBEXECDIR=${join(b.root, 'lib')}`, `NONCES=${join(b.root, 'var', 'upsshutdown.nonces')}`, `GROUP=${group}`, 'METHOD=systemctl',
  ]);
  return {
    root: b.root, conf: b.conf, key, marker, cleanup: b.cleanup,
    bin: join(b.root, 'lib', 'upsshutdown'),
    actions: () => {
      let text = '';
      try { text = readFileSync(marker, 'latin1'); } catch { return []; }
      return text.split('\n').filter((l) => l.endsWith('poweroff')).map((l) => {
        const [t, uid, ...args] = l.split(' ');
        return { t: Number(t), uid: Number(uid), args: args.join(' ') };
      });
    },
  };
}
