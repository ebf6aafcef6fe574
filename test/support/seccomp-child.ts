// Death-test plumbing shared by the seccomp suites: test/sandbox/fixtures/seccomp-child.ts bundled
// once (inside the repo, so it resolves koffi from node_modules like the real executable), then
// run per attempt inside a role's real sandbox (dropped to nut when root, filter loaded).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SeccompChild {
  /** Runs one attempt ("none", "execve", "shell", "shadow", "inet", "ptrace", "mount", "setuid", "chmod", "kill"). */
  attempt(role: string, what: string): { signal: NodeJS.Signals | null; out: string };
  /** Removes the bundle and the scratch directory (call it in afterAll). */
  cleanup(): void;
}

/** Bundles `entry` (default: the shared seccomp child) and returns a runner for it. */
export async function buildSeccompChild(entry = new URL('../sandbox/fixtures/seccomp-child.ts', import.meta.url).pathname, external: string[] = ['koffi']): Promise<SeccompChild> {
  const cache = new URL('../../node_modules/.cache/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  const bundleDir = mkdtempSync(join(cache, 'hn-seccomp-'));
  const child = join(bundleDir, 'child.mjs');
  const scratch = mkdtempSync(join(tmpdir(), 'hn-scratch-'));
  chmodSync(scratch, 0o777);

  await build({ entryPoints: [entry], outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20', external, logLevel: 'warning' });
  return {
    attempt(role, what) {
      const r = spawnSync(process.execPath, [child, role, what, scratch], { encoding: 'utf8', timeout: 20_000, cwd: '/' });
      return { signal: r.signal, out: `${r.stdout}${r.stderr}`.trim() };
    },
    cleanup() { for (const d of [scratch, bundleDir]) rmSync(d, { recursive: true, force: true }); },
  };
}
