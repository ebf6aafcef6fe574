// Death-test plumbing shared by the seccomp suites: test/sandbox/fixtures/seccomp-child.ts bundled
// once (inside the repo, so it resolves koffi from node_modules like the real executable), then
// run per attempt inside a role's real sandbox (dropped to nut when root, filter loaded).
import { build } from 'esbuild';
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Outcome { signal: NodeJS.Signals | null; out: string }

export interface SeccompChild {
  /** Runs one attempt ("none", "execve", "shell", "shadow", "inet", "ptrace", "mount", "setuid", "chmod", "kill"). */
  attempt(role: string, what: string): Outcome;
  /**
   * Runs the bundle with these arguments and waits for it to end (its 'close' event). `stdio`
   * can hand it a terminal; `detached` starts it in a session of its own (setsid), so that
   * terminal can become its controlling one.
   */
  run(args: string[], opts?: { stdio?: StdioOptions; detached?: boolean }): Promise<Outcome>;
  /** Removes the bundle and the scratch directory. */
  cleanup(): void;
}

const RUN_TIMEOUT_MS = 20_000;

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
      const r = spawnSync(process.execPath, [child, role, what, scratch], { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, cwd: '/' });
      return { signal: r.signal, out: `${r.stdout}${r.stderr}`.trim() };
    },
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [child, ...args], { stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false, cwd: '/' });
        let out = '';
        p.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
        p.stderr?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
        const timer = setTimeout(() => p.kill('SIGKILL'), RUN_TIMEOUT_MS);
        p.on('error', (err) => { clearTimeout(timer); reject(err); });
        p.on('close', (_code, signal) => { clearTimeout(timer); resolve({ signal, out: out.trim() }); });
      });
    },
    cleanup() {
      rmSync(dirname(child), { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
