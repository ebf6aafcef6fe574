// The short-lived tools' V8 code cache (src/cli/code-cache.ts, issue 13): used when it was made
// from the very file beside it, and never when it may not be, whatever the cache holds. The
// probe is the hazard itself: bytecode made for another text of the same length (V8 checks only
// the length) would run that other text, so a same-length edit shows which one ran.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CODE_CACHE_HEADER_BYTES, CODE_CACHE_SUFFIX, compileWithCodeCache, requireWithCodeCache, type CodeCacheUse } from '../../src/cli/code-cache.js';
import { writeCodeCache } from '../../src/cli/code-cache-write.js';
import { isRoot, requirePeer } from '../support/peers.js';
import { HARDNUT, run } from '../support/stack.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hn-cc-'));
  dirs.push(d);
  return d;
}

/** Replaces `from` by `to` (same length) in place, keeping the file's mtime: a same-size edit V8 would not see. */
function editKeepingMtime(file: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const { atime, mtime } = statSync(file);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  utimesSync(file, atime, mtime);
}

/** A CommonJS module with a function whose body only runs later, and a relative require. */
function makeModule(): string {
  const d = tempDir();
  writeFileSync(join(d, 'dep.js'), "module.exports = 'dep';\n");
  const file = join(d, 'mod.js');
  writeFileSync(file, "const dep = require('./dep.js');\nmodule.exports = { dep, self: __filename, later() { return 'text-A'; } };\n");
  return file;
}

interface ModExports { dep: string; self: string; later(): string }

/** A module whose cache was made, then edited in place to say text-B: same size, same mtime. */
function cachedThenEdited(): string {
  const file = makeModule();
  expect(writeCodeCache(file)).toBeGreaterThan(0);
  editKeepingMtime(file, 'text-A', 'text-B');
  return file;
}

/** Loads the module: what became of its cache, and the text its later() returns. */
function ran(file: string): [CodeCacheUse, string] {
  const r = requireWithCodeCache(file);
  return [r.use, (r.exports as ModExports).later()];
}

/** Moves a file's mtime on by a second, as an edit would. */
function touch(file: string): void {
  const { atime, mtime } = statSync(file);
  utimesSync(file, atime, new Date(mtime.getTime() + 1000));
}

describe('code cache of a module (code-cache.ts)', () => {
  it('without a cache the module is compiled and runs, require() and __filename as CommonJS gives them', () => {
    const file = makeModule();
    const r = requireWithCodeCache(file);
    expect(r.use).toBe('absent');
    const m = r.exports as ModExports;
    expect([m.dep, m.self, m.later()]).toEqual(['dep', file, 'text-A']);
  });

  // later() had not run when the cache was made: it is in the cache because the writer compiles
  // eagerly; a lazily compiled cache would run the edited text here
  it('a cache made from the file is used, with every function in it: its bytecode runs, not the text', () => {
    expect(ran(cachedThenEdited())).toEqual(['used', 'text-A']);
  });

  it('a file edited since (its mtime moved) runs as edited: the cache is stale', () => {
    const file = cachedThenEdited();
    touch(file);
    expect(ran(file)).toEqual(['stale', 'text-B']);
  });

  it('a file of another size runs as it is, whatever its mtime', () => {
    const file = makeModule();
    writeCodeCache(file);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('text-A', 'text-BB'));
    utimesSync(file, atime, mtime);
    expect(ran(file)).toEqual(['stale', 'text-BB']);
  });

  it('a cache V8 refuses (its data damaged) costs only the compile: the module runs from its text', () => {
    const file = cachedThenEdited();
    const cache = file + CODE_CACHE_SUFFIX;
    const data = readFileSync(cache);
    for (let i = CODE_CACHE_HEADER_BYTES; i < CODE_CACHE_HEADER_BYTES + 64; i++) data[i] = (data[i] ?? 0) ^ 0xff;
    writeFileSync(cache, data);
    expect(ran(file)).toEqual(['rejected', 'text-B']);
  });

  it('a cache others may write, or a symlink or FIFO in its place, is not run', () => {
    const file = cachedThenEdited();
    const cache = file + CODE_CACHE_SUFFIX;
    chmodSync(cache, 0o664);
    expect(compileWithCodeCache(file).use).toBe('unsafe');
    chmodSync(cache, 0o646);
    expect(compileWithCodeCache(file).use).toBe('unsafe');
    chmodSync(cache, 0o644);
    renameSync(cache, `${cache}.real`);
    symlinkSync(`${cache}.real`, cache);
    expect(ran(file)).toEqual(['unsafe', 'text-B']);
    // a FIFO: refused at once, not waited on for a writer
    rmSync(cache);
    execFileSync('mkfifo', ['-m', '0644', cache]);
    expect(ran(file)).toEqual(['unsafe', 'text-B']);
  });

  it('a cache owned by another user than the file is not run', (ctx) => {
    requirePeer(ctx, isRoot(), 'root, to give the cache another owner (CI runs as root)');
    const file = cachedThenEdited();
    chownSync(file + CODE_CACHE_SUFFIX, 65534, 65534);
    expect(ran(file)).toEqual(['unsafe', 'text-B']);
  });
});

describe('the built tools start from their code cache', () => {
  /** dist/'s entry and upsc's files, copied with their mtimes, as the installer and the package copy them. */
  function copyOfUpsc(): string {
    const dist = dirname(HARDNUT);
    const d = tempDir();
    for (const f of readdirSync(dist).filter((n) => n === 'hardnut.js' || n === 'package.json' || n.startsWith('tool-upsc'))) {
      copyFileSync(join(dist, f), join(d, f));
      const { atime, mtime } = statSync(join(dist, f));
      utimesSync(join(d, f), atime, mtime);
    }
    return d;
  }

  it('the build wrote a cache for each short-lived tool', () => {
    const dist = dirname(HARDNUT);
    for (const tool of ['upsc', 'upscmd', 'upsrw', 'upssched']) expect(statSync(join(dist, `tool-${tool}.js${CODE_CACHE_SUFFIX}`)).size).toBeGreaterThan(CODE_CACHE_HEADER_BYTES);
  });

  it('hardnut upsc runs its cached bytecode, and its edited text once the file changed', async () => {
    const d = copyOfUpsc();
    const tool = join(d, 'tool-upsc.js');
    editKeepingMtime(tool, 'Demo program to display UPS variables.', 'Demo PROGRAM to display UPS variables.');
    const cached = await run(process.execPath, [join(d, 'hardnut.js'), 'upsc', '-h'], process.env);
    expect(cached.code).toBe(0);
    expect(cached.stdout).toContain('Demo program to display UPS variables.');
    touch(tool);
    const edited = await run(process.execPath, [join(d, 'hardnut.js'), 'upsc', '-h'], process.env);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('Demo PROGRAM to display UPS variables.');
  });
});
