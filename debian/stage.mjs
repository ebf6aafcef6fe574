// The files hardnut installs, laid out under a staging directory for a given layout: shared by the
// Debian package (debian/build-deb.mjs) and the installer for other systems (scripts/install.mjs),
// so both install the same program. Every command is an argv (no shell).
import { execFileSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/** Where each part goes (absolute paths on the target system). */
export const DEBIAN_LAYOUT = {
  lib: '/usr/lib/hardnut', bin: '/usr/bin', doc: '/usr/share/doc/hardnut',
  units: '/lib/systemd/system', tmpfiles: '/usr/lib/tmpfiles.d', udev: '/lib/udev/rules.d',
};

/** Node's name for this machine's architecture (process.arch), to keep only its native prebuilds. */
const NODE_ARCH = process.arch;

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

/**
 * Writes every file of layout L under `stage` (root-owned modes as they will be; the helper
 * 0755: its setuid mode is the installer's job). Needs a built checkout (dist/) and what
 * `make -C helpers` needs.
 */
export function stageFiles(stage, L) {
  if (!existsSync(join(REPO, 'dist/hardnut.js'))) throw new Error('dist/hardnut.js is missing: npm run build first');
  const at = (p) => join(stage, p);
  const mkdir = (p, mode = 0o755) => { mkdirSync(at(p), { recursive: true }); chmodSync(at(p), mode); };
  const put = (p, text, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); writeFileSync(at(p), text); chmodSync(at(p), mode); };
  const copy = (from, p, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); copyFileSync(from, at(p)); chmodSync(at(p), mode); };

  // --- the program -------------------------------------------------------------------------------
  // the entry point, the chunks it loads on demand (one per tool), and the short-lived tools'
  // V8 code caches (src/cli/code-cache.ts), with their mtimes: a cache is used only beside the
  // very file it was made from, by size and mtime
  for (const f of readdirSync(join(REPO, 'dist'))) {
    if (!f.endsWith('.js') && !f.endsWith('.js.cache')) continue;
    copy(join(REPO, 'dist', f), `${L.lib}/dist/${f}`, f === 'hardnut.js' ? 0o755 : 0o644);
    const { atime, mtime } = statSync(join(REPO, 'dist', f));
    utimesSync(at(`${L.lib}/dist/${f}`), atime, mtime);
  }
  // the bundle is CommonJS chunks (scripts/build.mjs: they start faster than ES modules) and
  // says so in dist/package.json, which must travel with it or Node reads them as the package's type
  copy(join(REPO, 'dist/package.json'), `${L.lib}/dist/package.json`);
  put(`${L.lib}/package.json`, `${JSON.stringify({ name: 'hardnut', version: PKG.version, type: 'module', private: true }, null, 2)}\n`);
  mkdir(L.bin);
  symlinkSync(relative(L.bin, `${L.lib}/dist/hardnut.js`), at(`${L.bin}/hardnut`));

  /** Production dependencies, resolved as Node resolves them from `from`. */
  function prodDeps() {
    const seen = new Map(); // package dir -> true
    const visit = (name, fromDir) => {
      for (let d = fromDir; ; d = dirname(d)) {
        const cand = join(d, 'node_modules', name);
        if (existsSync(join(cand, 'package.json'))) {
          const real = cand;
          if (seen.has(real)) return;
          seen.set(real, true);
          const pj = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
          for (const dep of [...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.optionalDependencies ?? {})]) visit(dep, real);
          return;
        }
        if (d === REPO || d === dirname(d)) return; // an optional dependency for another platform
      }
    };
    for (const dep of Object.keys(PKG.dependencies ?? {})) visit(dep, REPO);
    return [...seen.keys()];
  }

  /** Native prebuilds for other systems: never run here, and lintian rightly refuses them. */
  function foreign(path) {
    // only native code: plain JS files may be named after a platform too (serialport's dist/darwin.js)
    if (!path.includes('/prebuilds/') && !path.endsWith('.node')) return false;
    const base = path.split('/').slice(-2).join('/'); // koffi: <platform>/koffi.node
    if (/(darwin|win32|freebsd|openbsd|android|musl)/i.test(base)) return true;
    const m = /linux[-_]([a-z0-9]+)/i.exec(base);
    return m !== null && m[1] !== NODE_ARCH;
  }

  for (const dir of prodDeps()) {
    const rel = dir.slice(dir.lastIndexOf('node_modules/'));
    // only the top of each tree: a nested node_modules comes along with its parent
    if (rel.split('node_modules/').length > 2) continue;
    cpSync(dir, at(`${L.lib}/${rel}`), {
      recursive: true, dereference: true,
      // node-hid's hidapi/ is the C source its prebuilds were made from; dot files are VCS/npm metadata
      filter: (src) => !foreign(src) && !/\/(test|tests|docs?|example|examples|hidapi|\.[^/]+)$/.test(src)
        && !/\.(md|markdown|ts|map|gyp|gypi|cc|cpp|c|h)$/.test(src),
    });
  }

  // --- policy, samples, units --------------------------------------------------------------------
  for (const f of readdirSync(join(REPO, 'policy/seccomp'))) copy(join(REPO, 'policy/seccomp', f), `${L.lib}/policy/seccomp/${f}`);
  for (const f of readdirSync(join(REPO, 'conf'))) {
    if (!statSync(join(REPO, 'conf', f)).isFile()) continue;
    // upsmon.conf's SHUTDOWNCMD names the helper where make install puts it: name the one installed
    if (f === 'upsmon.conf') put(`${L.doc}/examples/${f}`, readFileSync(join(REPO, 'conf', f), 'utf8').replaceAll('/usr/local/lib/hardnut', L.lib));
    else copy(join(REPO, 'conf', f), `${L.doc}/examples/${f}`);
  }
  for (const f of readdirSync(join(REPO, 'policy/systemd'))) {
    const text = readFileSync(join(REPO, 'policy/systemd', f), 'utf8')
      .replaceAll('/usr/local/bin/hardnut', `${L.bin}/hardnut`)
      .replaceAll('/usr/local/lib/hardnut', L.lib);
    put(`${L.units}/${f}`, text);
  }
  copy(join(REPO, 'policy/tmpfiles.d/hardnut.conf'), `${L.tmpfiles}/hardnut.conf`);
  for (const f of readdirSync(join(REPO, 'policy/udev'))) copy(join(REPO, 'policy/udev', f), `${L.udev}/${f}`);

  // --- the setuid helper (built here; its owner and mode are set at install) --------------------------------------
  const build = mkdtempSync(join(tmpdir(), 'hardnut-helpers-'));
  try {
    run('make', ['-s', '-C', join(REPO, 'helpers'), `O=${build}`, 'all']);
    for (const b of ['upsshutdown', 'upsshutdown-keygen']) {
      run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', join(build, b)]);
      copy(join(build, b), `${L.lib}/${b}`, 0o755);
    }
  } finally {
    rmSync(build, { recursive: true, force: true });
  }

}
