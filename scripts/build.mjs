// Bundles src/cli/hardnut.ts into the executable dist/hardnut.js plus one chunk per tool
// (dist/chunk-*.js, dist/<tool>-*.js): the entry point only picks the tool and loads its chunk,
// so a short-lived tool (upsc, upssched) compiles its own code and not the other tools'
// (issue #13). Chunks are required statically from the tool's entry, so a daemon has loaded all
// it needs before it confines itself (after chroot no module can be loaded, DESIGN.md).
// Everything pure-JS is bundled; only packages with native bindings stay external.
//
// Two passes. esbuild splits code into shared chunks only in ESM, so pass 1 bundles and splits
// as ESM; pass 2 rewrites every chunk, file for file, into CommonJS (dist/package.json says
// "commonjs"). Node 20's ESM loader costs a tool about 30 ms more CPU than require() of the same
// chunks (resolution, module jobs, promise ticks: `npm run bench:startup`, BENCHMARKS.md).
// Pass 1's chunk graph has no static cycles (a chunk imports only chunks shared by more
// entries), so require() order is ESM's evaluation order. Source maps are mapped back through
// both passes to src/.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OUT = 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const esm = mkdtempSync(join(tmpdir(), 'hardnut-build-'));
try {
  await build({
    entryPoints: { hardnut: 'src/cli/hardnut.ts' },
    outdir: esm,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    define: { HARDNUT_VERSION: JSON.stringify(pkg.version) },
    external: ['koffi', 'serialport', 'node-hid', '@serialport/*'],
    logLevel: 'warning',
  });
  // chunk names carry a content hash: remove the previous build's, or dist/ grows without end
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/\.js(\.map)?$/.test(f)) rmSync(join(OUT, f));
  const chunks = readdirSync(esm).filter((f) => f.endsWith('.js'));
  const BANNER = "const __hardnutUrl = require('node:url').pathToFileURL(__filename).href;";
  await build({
    entryPoints: chunks.map((f) => join(esm, f)),
    outdir: OUT,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of a chunk becomes require(): through the ESM loader it would cost what pass 2 saves
    supported: { 'dynamic-import': false },
    sourcemap: 'linked',
    // import.meta.url (createRequire for native modules, demo's ../conf) from CommonJS's own path;
    // chunks sit beside hardnut.js in dist/, so relative paths are the same from every chunk
    define: { 'import.meta.url': '__hardnutUrl' },
    banner: { js: BANNER },
    logLevel: 'warning',
  });
  // the banner only where import.meta.url was used (9 of about 90 chunks): each other chunk would
  // compute a URL it never reads, at every start of every tool (issue 13). Blanked, not removed:
  // the source map counts lines.
  for (const f of readdirSync(OUT).filter((n) => n.endsWith('.js'))) {
    const text = readFileSync(join(OUT, f), 'utf8');
    if (text.split('__hardnutUrl').length === 2) writeFileSync(join(OUT, f), text.replace(BANNER, ''));
  }
  // .js under dist/ is CommonJS whatever the package root says ("type": "module" for src/ and tests)
  writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
} finally {
  rmSync(esm, { recursive: true, force: true });
}
// the shebang comes from src/cli/hardnut.ts's first line (esbuild keeps an entry's hashbang)
chmodSync(join(OUT, 'hardnut.js'), 0o755);
