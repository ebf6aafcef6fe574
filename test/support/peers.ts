// Peers a test may need (Debian's NUT, root, socat). Locally a missing peer skips the test with
// a visible reason; with CI=true a missing peer fails it, because CI must run everything.
import { accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface SkipContext { skip(note?: string): void }

export const inCI = process.env['CI'] === 'true' || process.env['CI'] === '1';
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasExecutable(path: string): boolean {
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

export function onPath(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Skip (locally) or fail (in CI) unless `ok`. Call first thing in a test with its context. */
export function requirePeer(ctx: SkipContext, ok: boolean, what: string): void {
  if (ok) return;
  if (inCI) throw new Error(`CI must run this test, but ${what} is missing`);
  ctx.skip(`needs ${what}`);
}

export const refNut = {
  upsd: '/lib/nut/upsd',
  dummyUps: '/lib/nut/dummy-ups',
  upsc: '/bin/upsc',
  scripts: new URL('../../../shared/refnut/', import.meta.url).pathname,
};

export function hasRefNut(): boolean {
  return hasExecutable(refNut.upsd) && hasExecutable(refNut.dummyUps) && hasExecutable(refNut.upsc);
}
