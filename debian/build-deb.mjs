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
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_LAYOUT, PKG, REPO, stageFiles } from './stage.mjs';

const OUT = resolve(process.argv[2] ?? join(REPO, 'build'));
const ARCH = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const NODE_MIN = '20';
const MAINTAINER = 'hardnut maintainers <hardnut@users.noreply.github.com>';

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

const stage = mkdtempSync(join(tmpdir(), 'hardnut-deb-'));
chmodSync(stage, 0o755); // the package's "./": mkdtemp's 0700 would end up in the .deb
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const at = (p) => join(stage, p);
const put = (p, text, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); writeFileSync(at(p), text); chmodSync(at(p), mode); };
const copy = (from, p, mode = 0o644) => { mkdirSync(dirname(at(p)), { recursive: true }); copyFileSync(from, at(p)); chmodSync(at(p), mode); };

try {
  stageFiles(stage, DEBIAN_LAYOUT);
} catch (err) {
  process.stderr.write(`build-deb: ${err.message}\n`);
  process.exit(1);
}

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
