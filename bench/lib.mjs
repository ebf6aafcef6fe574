// Helpers shared by the benchmarks (bench/*.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const HARDNUT = join(root, 'dist/hardnut.js');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on loopback right now. */
export function freePort() {
  return new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}

/**
 * Puts `table` into BENCHMARKS.md between <!-- bench:NAME:begin --> and <!-- bench:NAME:end -->,
 * or appends it under `heading` the first time.
 */
export function writeBenchBlock(name, heading, table) {
  const bm = join(root, 'BENCHMARKS.md');
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = readFileSync(bm, 'utf8');
  const block = `${begin}\n${table}\n${end}`;
  doc = doc.includes(begin)
    ? doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), () => block)
    : `${doc.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
  writeFileSync(bm, doc);
}

/** Polls `fn` every 100 ms until it is truthy; throws after `ms`. */
export async function waitFor(what, fn, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await sleep(100); }
  throw new Error(`timed out waiting for ${what}`);
}

/** upsd's answer to GET VAR u ups.status on loopback PORT, '' when it cannot be asked. */
export const upsStatus = (port) => new Promise((res) => {
  const s = net.connect(port, '127.0.0.1');
  let b = '';
  s.on('connect', () => s.write('GET VAR u ups.status\n'));
  s.on('data', (d) => { b += d; if (b.includes('\n')) { s.destroy(); res(b.trim()); } });
  s.on('error', () => res(''));
});

/**
 * dist/hardnut.js as built at an earlier revision, in a scratch tree under `dir` that borrows
 * node_modules: to measure what a change saved, in the same run as the current build.
 */
export function buildRevision(rev, dir) {
  const tree = join(dir, `rev-${rev}`);
  mkdirSync(tree);
  execFileSync('sh', ['-c', `git -C "${root}" archive ${rev} | tar -x -C "${tree}"`]);
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: tree, stdio: 'inherit' });
  return join(tree, 'dist/hardnut.js');
}
