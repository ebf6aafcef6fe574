// Bundles src/cli/hardnut.ts into the single executable dist/hardnut.js.
// One bundle, because a jailed process cannot load modules after chroot (DESIGN.md):
// everything pure-JS is inside it; only packages with native bindings stay external.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['src/cli/hardnut.ts'],
  outfile: 'dist/hardnut.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // CommonJS dependencies (tweetnacl…) call require(): give the ESM bundle a real one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __hardnutRequire } from 'node:module';\nconst require = __hardnutRequire(import.meta.url);" },
  define: { HARDNUT_VERSION: JSON.stringify(pkg.version) },
  external: ['koffi', 'serialport', 'node-hid', '@serialport/*'],
  logLevel: 'warning',
});
chmodSync('dist/hardnut.js', 0o755);
