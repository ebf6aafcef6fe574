// Build time only (scripts/build.mjs runs it in a node process of its own): writes the code cache
// that code-cache.ts reads. Kept apart so that no tool loads node:v8 at start-up.
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { CODE_CACHE_SUFFIX, codeCacheHeader, readSource, wrapCommonJs } from './code-cache.js';

/**
 * Compiles `file` whole and writes its cache beside it (mode 0644, as dist/'s files); returns
 * the size of V8's data. V8 compiles a function's body at its first call and a cache holds only
 * what was compiled, so a cache taken right after compiling would hold the top level and little
 * else: the file is compiled with V8's lazy compilation off, which is turned back on before the
 * cache is taken, so that the cache carries the flags a tool runs with (V8 refuses a cache made
 * under other flags; the build then checks, in another process, that it does not).
 */
export function writeCodeCache(file: string): number {
  const src = readSource(file);
  setFlagsFromString('--no-lazy');
  let script: Script;
  try {
    script = new Script(wrapCommonJs(src.source), { filename: file });
  } finally {
    setFlagsFromString('--lazy');
  }
  const data = script.createCachedData();
  writeFileSync(file + CODE_CACHE_SUFFIX, Buffer.concat([codeCacheHeader(src), data]), { mode: 0o644 });
  return data.length;
}
