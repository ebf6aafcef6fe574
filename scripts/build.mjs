// Bundles src/cli/hardnut.ts into the executable dist/hardnut.js plus one chunk per tool
// (dist/chunk-*.js, dist/<tool>-*.js; short-lived clients apart, dist/tool-<name>*.js, below):
// the entry point only picks the tool and loads its chunk,
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
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const OUT = 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const BANNER = "const __hardnutUrl = require('node:url').pathToFileURL(__filename).href;";

// Short-lived tools run many times a minute (upsmon runs upssched for every event, scripts call
// upsc in loops): each is built on its own, its entry and lazy parts in a few files of its own
// (tool-<name>*.js), not spread over the chunks it shares with every daemon. Every require() of
// a chunk costs resolution and a module wrapper: `hardnut upssched` went from 15 files to 5 (with
// hardnut.js) and about 4 ms less CPU (issue 13; `npm run bench:startup`). hardnut.js requires
// ./tool-<name>.js.
const OWN_BUILD = {
  upsc: 'src/clients/upsc.ts',
  upscmd: 'src/clients/upscmd.ts',
  upsrw: 'src/clients/upsrw.ts',
  upssched: 'src/upssched/main.ts',
};
const ownBuildOf = new Map(Object.entries(OWN_BUILD).map(([name, src]) => [src.replace(/^src\//, '../').replace(/\.ts$/, '.js'), name]));
/** In hardnut.ts, import('../clients/upsc.js') becomes the separate ./tool-upsc.js. */
const toolsApart = {
  name: 'tools-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.\// }, (args) => {
      const name = args.importer.endsWith('src/cli/hardnut.ts') ? ownBuildOf.get(args.path) : undefined;
      return name === undefined ? undefined : { path: `./tool-${name}.js`, external: true };
    });
  },
};

/**
 * Two passes. esbuild splits code into shared chunks only in ESM, so pass 1 bundles and splits
 * as ESM; pass 2 rewrites every chunk, file for file, into CommonJS.
 */
async function buildSplit(entryPoints, chunkNames, plugins = []) {
  const esm = mkdtempSync(join(tmpdir(), 'hardnut-build-'));
  try {
    await build({
      entryPoints,
      outdir: esm,
      bundle: true,
      splitting: true,
      chunkNames,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      define: { HARDNUT_VERSION: JSON.stringify(pkg.version) },
      external: ['koffi', 'serialport', 'node-hid', '@serialport/*'],
      plugins,
      logLevel: 'warning',
    });
    const chunks = readdirSync(esm).filter((f) => f.endsWith('.js'));
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
      // import.meta.url (createRequire for native modules, demo's ../conf) and import.meta.dirname
      // (hardnut.js's tool-<name>.js) from CommonJS's own path; chunks sit beside hardnut.js in
      // dist/, so relative paths are the same from every chunk
      define: { 'import.meta.url': '__hardnutUrl', 'import.meta.dirname': '__dirname' },
      banner: { js: BANNER },
      logLevel: 'warning',
    });
  } finally {
    rmSync(esm, { recursive: true, force: true });
  }
}

// chunk names carry a content hash: remove the previous build's, or dist/ grows without end
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (/\.js(\.map|\.cache)?$/.test(f)) rmSync(join(OUT, f));
await buildSplit({ hardnut: 'src/cli/hardnut.ts' }, '[name]-[hash]', [toolsApart]);
for (const [name, src] of Object.entries(OWN_BUILD)) await buildSplit({ [`tool-${name}`]: src }, `tool-${name}-[name]-[hash]`);
// the banner only where import.meta.url was used (9 of about 90 chunks): each other chunk would
// compute a URL it never reads, at every start of every tool (issue 13). Blanked, not removed:
// the source map counts lines.
for (const f of readdirSync(OUT).filter((n) => n.endsWith('.js'))) {
  const text = readFileSync(join(OUT, f), 'utf8');
  if (text.split('__hardnutUrl').length === 2) writeFileSync(join(OUT, f), text.replace(BANNER, ''));
}
// esbuild gives an entry a bare import of the chunk of its runtime helpers (__toESM, __require…)
// even when the entry uses none of them (evanw/esbuild#1892). hardnut.js is every tool's entry,
// and requiring that chunk costs each start about 1 ms (issue 13): removed there, when the chunk
// exports helpers only (which have no side effects) and the entry never names the import.
{
  const entry = join(OUT, 'hardnut.js');
  let text = readFileSync(entry, 'utf8');
  for (const [line, name, file] of text.matchAll(/^var (import_chunk_\w+) = require\("\.\/(chunk-\w+\.js)"\);\n/gm)) {
    const exported = /__export\(\w+_exports, \{([^}]*)\}\);/.exec(readFileSync(join(OUT, file), 'utf8'))?.[1];
    const names = exported?.match(/^\s*(\w+):/gm)?.map((n) => n.trim().slice(0, -1)) ?? [];
    if (names.length > 0 && names.every((n) => n.startsWith('__')) && text.split(name).length === 2) text = text.replace(line, '\n');
  }
  writeFileSync(entry, text);
}
// .js under dist/ is CommonJS whatever the package root says ("type": "module" for src/ and tests)
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
// the shebang comes from src/cli/hardnut.ts's first line (esbuild keeps an entry's hashbang)
chmodSync(join(OUT, 'hardnut.js'), 0o755);

// V8 code caches for the short-lived tools (src/cli/code-cache.ts), written by a node process of
// its own (code-cache-write.ts turns V8's lazy compilation off and back on, which is V8-wide) and
// then checked by another, as a tool loads them. A cache that V8 would not take is removed, not
// shipped: that tool compiles at each start, as without one, and the build says so.
const ccDir = mkdtempSync(join(tmpdir(), 'hardnut-cc-'));
try {
  const writer = join(ccDir, 'code-cache.cjs');
  await build({
    stdin: {
      contents: [
        "import { writeCodeCache } from './code-cache-write.ts';",
        "import { compileWithCodeCache } from './code-cache.ts';",
        'const [mode, ...files] = process.argv.slice(2);',
        "for (const f of files) console.log(f, mode === 'write' ? writeCodeCache(f) : compileWithCodeCache(f).use);",
      ].join('\n'),
      resolveDir: 'src/cli',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: writer,
    logLevel: 'warning',
  });
  const files = Object.keys(OWN_BUILD).map((name) => resolve(OUT, `tool-${name}.js`));
  execFileSync(process.execPath, [writer, 'write', ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
  const checked = execFileSync(process.execPath, [writer, 'check', ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of checked.trim().split('\n')) {
    const [file, use] = line.split(' ');
    if (use === 'used') continue;
    rmSync(`${file}.cache`, { force: true });
    console.warn(`build: V8 did not take the code cache of ${file} (${use}): it compiles at each start`);
  }
} finally {
  rmSync(ccDir, { recursive: true, force: true });
}
