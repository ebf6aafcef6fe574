// The short-lived tools (upsc, upscmd, upsrw, upssched: scripts call them in loops, upsmon runs
// upssched for every event) start from a V8 code cache written beside their bundle at build time
// (scripts/build.mjs, code-cache-write.ts): V8 reads their bytecode instead of compiling each
// function at every start (issue 13; `npm run bench:startup`, BENCHMARKS.md). Node 20's require()
// takes no code cache (module.enableCompileCache is Node ≥ 22.1), so the bundle is compiled here
// with vm.Script, wrapped as CommonJS wraps a module, and put in require.cache as require() would.
//
// V8 checks its own version, its flags and the source's length, not its content: bytecode made
// for another text of the same length would run. So, as Python does for .pyc files, the cache
// also records the source's size and mtime (whole seconds) and is not used when either differs:
// a dist/ file edited in place runs as edited. The cache is code, so it is trusted no more than
// the file it stands for: not a symlink, the same owner as the source, writable by nobody else.
// A cache that is absent, stale, unsafe or refused by V8 costs only the compile it would save.
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The cache of `tool-upsc.js` is `tool-upsc.js.cache`. */
export const CODE_CACHE_SUFFIX = '.cache';
/** Header: this magic, then the source's size and mtime in whole seconds (float64 LE each); V8's data follows. */
export const CODE_CACHE_MAGIC = 'HNC1';
export const CODE_CACHE_HEADER_BYTES = 4 + 8 + 8;
/** Group- or other-writable: a cache anyone else could write is not run. */
const WRITABLE_BY_OTHERS = 0o022;

/** What became of a file's cache: `used`, or why the file was compiled from its text instead. */
export type CodeCacheUse = 'used' | 'absent' | 'stale' | 'unsafe' | 'rejected';

export interface SourceFile { source: string; size: number; mtimeS: number; uid: number }

/**
 * Reads a file through one descriptor (no swap between its stat and its bytes): no symlink, and
 * O_NONBLOCK so that a FIFO in its place is refused instead of waited on (as runtime/pidfile.ts).
 */
function readNoFollow(file: string): { data: Buffer; st: Stats } {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    return { data: st.isFile() ? readFileSync(fd) : Buffer.alloc(0), st };
  } finally {
    closeSync(fd);
  }
}

/** The source and the stat it was read under. */
export function readSource(file: string): SourceFile {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    return { source: readFileSync(fd, 'utf8'), size: st.size, mtimeS: Math.floor(st.mtimeMs / 1000), uid: st.uid };
  } finally {
    closeSync(fd);
  }
}

/** CommonJS's wrapper (Node's Module.wrap), on the source's first line so its line numbers stay. */
export function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

export function codeCacheHeader(src: Pick<SourceFile, 'size' | 'mtimeS'>): Buffer {
  const h = Buffer.alloc(CODE_CACHE_HEADER_BYTES);
  h.write(CODE_CACHE_MAGIC, 0, 'latin1');
  h.writeDoubleLE(src.size, 4);
  h.writeDoubleLE(src.mtimeS, 12);
  return h;
}

/** The cache's V8 data if it may be used for `src`, else why not. */
function cachedDataFor(file: string, src: SourceFile): Buffer | Exclude<CodeCacheUse, 'used' | 'rejected'> {
  let cache: { data: Buffer; st: Stats };
  try {
    cache = readNoFollow(file + CODE_CACHE_SUFFIX);
  } catch (e) {
    // ELOOP: a symlink where the cache should be
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unsafe';
  }
  if (!cache.st.isFile() || cache.st.uid !== src.uid || (cache.st.mode & WRITABLE_BY_OTHERS) !== 0) return 'unsafe';
  const { data } = cache;
  // codeCacheHeader's fields, read in place: a tool's start pays for no Buffer it does not need
  const fresh = data.length > CODE_CACHE_HEADER_BYTES && data.toString('latin1', 0, 4) === CODE_CACHE_MAGIC
    && data.readDoubleLE(4) === src.size && data.readDoubleLE(12) === src.mtimeS;
  return fresh ? data.subarray(CODE_CACHE_HEADER_BYTES) : 'stale';
}

/** Compiles `file` as a CommonJS module's wrapper, from its cache when the cache may be used and V8 takes it. */
export function compileWithCodeCache(file: string): { script: Script; use: CodeCacheUse } {
  const src = readSource(file);
  const cached = cachedDataFor(file, src);
  if (typeof cached === 'string') return { script: new Script(wrapCommonJs(src.source), { filename: file }), use: cached };
  const script = new Script(wrapCommonJs(src.source), { filename: file, cachedData: cached });
  return { script, use: script.cachedDataRejected === true ? 'rejected' : 'used' };
}

type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

/** require(file), compiled through compileWithCodeCache; `file` is absolute. */
export function requireWithCodeCache(file: string): { exports: unknown; use: CodeCacheUse } {
  const req = createRequire(file);
  const { script, use } = compileWithCodeCache(file);
  const mod = new Module(file);
  mod.filename = file;
  // in require.cache before it runs, as require() does: a require() of it from inside gets this one
  req.cache[file] = mod;
  try {
    (script.runInThisContext() as CommonJsWrapper).call(mod.exports, mod.exports, req, mod, file, dirname(file));
  } catch (err) {
    delete req.cache[file];
    throw err;
  }
  mod.loaded = true;
  return { exports: mod.exports, use };
}
