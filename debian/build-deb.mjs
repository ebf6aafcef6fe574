#!/usr/bin/env node
// Builds hardnut_<version>_<arch>.deb from a built checkout (`npm run build` first):
//   node debian/build-deb.mjs [OUTDIR]      (npm run deb)
// The program and its production node_modules under /usr/lib/hardnut (native prebuilds for this
// architecture only), /usr/bin/hardnut, the setuid helper (shipped 0755 root:root; postinst makes
// it 4750 root:nutshutdown with dpkg-statoverride, the Debian way for a group created at install),
// the systemd units with the packaged paths, tmpfiles.d, udev rules, and the sample configs as
// examples. Every command is an argv (no shell). dpkg-deb --root-owner-group: no fakeroot needed.
//
// hardnut difference from the wording: the samples are not conffiles in /etc/nut. /etc/nut
// holds the admin's NUT configuration, which hardnut reads as it is, and belongs to Debian's
// nut-server/nut-client while they are installed; hardnut installs beside them so that switching
// (and switching back) is a matter of services (docs/MIGRATING.md), and its units conflict with
// NUT's so the two never run at once.
import { execFileSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = resolve(process.argv[2] ?? join(REPO, 'build'));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const ARCH = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
/** Node's names for this machine, to keep only its native prebuilds. */
const NODE_ARCH = { amd64: 'x64', arm64: 'arm64', armhf: 'arm', i386: 'ia32' }[ARCH] ?? ARCH;
const LIB = '/usr/lib/hardnut';
const NODE_MIN = '20';
const MAINTAINER = 'hardnut maintainers <hardnut@users.noreply.github.com>';

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

function die(msg) { process.stderr.write(`build-deb: ${msg}\n`); process.exit(1); }

if (!existsSync(join(REPO, 'dist/hardnut.js'))) die('dist/hardnut.js is missing: npm run build first');

const stage = mkdtempSync(join(tmpdir(), 'hardnut-deb-'));
chmodSync(stage, 0o755); // the package's "./": mkdtemp's 0700 would end up in the .deb
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const at = (p) => join(stage, p);
const mkdir = (p, mode = 0o755) => { mkdirSync(at(p), { recursive: true }); chmodSync(at(p), mode); };
const put = (p, text, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); writeFileSync(at(p), text); chmodSync(at(p), mode); };
const copy = (from, p, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); copyFileSync(from, at(p)); chmodSync(at(p), mode); };

// --- the program -------------------------------------------------------------------------------
// the entry point and the chunks it loads on demand (one per tool)
for (const f of readdirSync(join(REPO, 'dist'))) {
  if (f.endsWith('.js')) copy(join(REPO, 'dist', f), `${LIB}/dist/${f}`, f === 'hardnut.js' ? 0o755 : 0o644);
}
// the bundle is an ES module: Node needs "type": "module" beside it
put(`${LIB}/package.json`, `${JSON.stringify({ name: 'hardnut', version: PKG.version, type: 'module', private: true }, null, 2)}\n`);
mkdir('/usr/bin');
symlinkSync(`../lib/hardnut/dist/hardnut.js`, at('/usr/bin/hardnut'));

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
  cpSync(dir, at(`${LIB}/${rel}`), {
    recursive: true, dereference: true,
    // node-hid's hidapi/ is the C source its prebuilds were made from; dot files are VCS/npm metadata
    filter: (src) => !foreign(src) && !/\/(test|tests|docs?|example|examples|hidapi|\.[^/]+)$/.test(src)
      && !/\.(md|markdown|ts|map|gyp|gypi|cc|cpp|c|h)$/.test(src),
  });
}

// --- policy, samples, units --------------------------------------------------------------------
for (const f of readdirSync(join(REPO, 'policy/seccomp'))) copy(join(REPO, 'policy/seccomp', f), `${LIB}/policy/seccomp/${f}`);
for (const f of readdirSync(join(REPO, 'conf'))) {
  if (statSync(join(REPO, 'conf', f)).isFile()) copy(join(REPO, 'conf', f), `/usr/share/doc/hardnut/examples/${f}`);
}
for (const f of readdirSync(join(REPO, 'policy/systemd'))) {
  let text = readFileSync(join(REPO, 'policy/systemd', f), 'utf8')
    .replaceAll('/usr/local/bin/hardnut', '/usr/bin/hardnut')
    .replaceAll('/usr/local/lib/hardnut', LIB);
  // upsmon's default helper path is make install's (/usr/local/lib/hardnut); the package's is LIB
  if (f === 'hardnut-upsmon.service') text = text.replace('\n[Service]\n', `\n[Service]\nEnvironment=HARDNUT_SHUTDOWN_HELPER=${LIB}/upsshutdown\n`);
  put(`/lib/systemd/system/${f}`, text);
}
copy(join(REPO, 'policy/tmpfiles.d/hardnut.conf'), '/usr/lib/tmpfiles.d/hardnut.conf');
for (const f of readdirSync(join(REPO, 'policy/udev'))) copy(join(REPO, 'policy/udev', f), `/lib/udev/rules.d/${f}`);

// --- the setuid helper (built here, mode set by postinst) --------------------------------------
const build = join(stage, '.helpers');
run('make', ['-s', '-C', join(REPO, 'helpers'), `O=${build}`, 'all']);
for (const b of ['upsshutdown', 'upsshutdown-keygen']) {
  run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', join(build, b)]);
  copy(join(build, b), `${LIB}/${b}`, 0o755);
}
rmSync(build, { recursive: true, force: true });

// --- docs lintian wants ------------------------------------------------------------------------
put('/usr/share/doc/hardnut/copyright', [
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
  'Upstream-Name: hardnut',
  '',
  'Files: *',
  'Copyright: hardnut authors',
  'License: GPL-2+',
  ' On Debian systems the full text of the GNU General Public License version 2 is in',
  ' /usr/share/common-licenses/GPL-2.',
  '',
].join('\n'));
const date = new Date().toUTCString().replace('GMT', '+0000');
put('/usr/share/doc/hardnut/changelog.Debian.gz', gzipSync(
  `hardnut (${PKG.version}-1) unstable; urgency=medium\n\n  * Package built from the repository (npm run deb).\n\n -- ${MAINTAINER}  ${date}\n`,
  { level: 9 },
));

// --- maintainer scripts and control ------------------------------------------------------------
for (const s of ['postinst', 'prerm', 'postrm']) copy(join(REPO, 'debian', s), `/DEBIAN/${s}`, 0o755);
const sizeKiB = Math.ceil(Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]));
put('/DEBIAN/control', [
  'Package: hardnut',
  `Version: ${PKG.version}-1`,
  `Architecture: ${ARCH}`,
  `Maintainer: ${MAINTAINER}`,
  `Installed-Size: ${String(sizeKiB)}`,
  `Depends: nodejs (>= ${NODE_MIN}), libsodium23, libseccomp2, passwd, libc6`,
  'Recommends: libusb-1.0-0',
  'Section: admin',
  'Priority: optional',
  'Homepage: https://networkupstools.org/',
  'Description: Network UPS Tools rebuilt in TypeScript, privilege-separated',
  ' hardnut is Network UPS Tools 2.8 rebuilt in TypeScript: the same wire protocols,',
  ' configuration files and tool names, with every network-facing process confined',
  ' (privilege drop, chroot, seccomp) and a small setuid helper for the shutdown.',
  ' It reads /etc/nut as NUT does and installs beside Debian\'s nut-server and',
  ' nut-client; its services are not enabled until the administrator enables them.',
  '',
].join('\n'));

mkdirSync(OUT, { recursive: true });
const deb = join(OUT, `hardnut_${PKG.version}-1_${ARCH}.deb`);
run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${deb}\n`);
