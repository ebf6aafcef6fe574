// Bundles src/cli/hardnut.ts into the executable dist/hardnut.js plus one chunk per tool
// (dist/chunk-*.js, dist/<tool>-*.js): the entry point only picks the tool and `await import()`s
// its chunk, so a short-lived tool (upsc, upssched) compiles its own code and not the other
// tools' (issue #13). Chunks are imported statically from the tool's entry, so a daemon has
// loaded all it needs before it confines itself (after chroot no module can be loaded, DESIGN.md).
// Everything pure-JS is bundled; only packages with native bindings stay external.
// Chunks sit beside hardnut.js in dist/, so `import.meta.url`-relative paths (demo's ../conf)
// are the same from every chunk.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const OUT = 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// chunk names carry a content hash: remove the previous build's, or dist/ grows without end
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (/\.js(\.map)?$/.test(f)) rmSync(join(OUT, f));
await build({
  entryPoints: { hardnut: 'src/cli/hardnut.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // CommonJS dependencies (tweetnacl, net-snmp…) call require(): give every ESM chunk a real one
  // (each chunk is its own module scope; esbuild's require shim looks for it there).
  banner: { js: "import { createRequire as __hardnutRequire } from 'node:module';\nconst require = __hardnutRequire(import.meta.url);" },
  define: { HARDNUT_VERSION: JSON.stringify(pkg.version) },
  external: ['koffi', 'serialport', 'node-hid', '@serialport/*'],
  logLevel: 'warning',
});
// the shebang comes from src/cli/hardnut.ts's first line (esbuild keeps an entry's hashbang)
chmodSync(join(OUT, 'hardnut.js'), 0o755);
