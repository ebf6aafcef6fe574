#!/usr/bin/env node
// hardnut's installer for systems without dpkg (issue 20 item 2), from a built checkout:
//   node scripts/install.mjs [--prefix /usr/local] [--destdir DIR] [--units DIR]
//   node scripts/install.mjs --uninstall [--destdir DIR]
// Installs the same files as the Debian package (debian/stage.mjs): the program and its
// production modules in PREFIX/lib/hardnut, PREFIX/bin/hardnut, the units (in /etc/systemd/system,
// paths rewritten to PREFIX), tmpfiles.d, udev rules, examples; creates the nut and nutshutdown
// accounts when missing; makes the helper 4750 root:nutshutdown; creates the shutdown intent key
// once. Starts and enables nothing. A manifest (/var/lib/hardnut/install-manifest.json) lists what
// it wrote and created, and --uninstall removes exactly that.
//
// Refuses, before writing anything, when not root, or when any existing directory on the way is
// not root's, is group/world-writable (a root-owned sticky ancestor such as /tmp is allowed, never
// the directories it writes into), or is a symlink not owned by root; or when a file it would
// replace is a symlink or not root's. No shell: every command is an argv.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync,
  renameSync, symlinkSync, unlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stageFiles } from '../debian/stage.mjs';

const STATE = '/var/lib/hardnut';
const MANIFEST = `${STATE}/install-manifest.json`;
const KEYDIR = '/etc/hardnut';

class InstallError extends Error {}

function parseArgs(argv) {
  const o = { prefix: '/usr/local', destdir: '', units: '/etc/systemd/system', uninstall: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || !v.startsWith('/')) throw new InstallError(`${a} needs an absolute path`);
      return v.replace(/\/+$/, '') || '/';
    };
    if (a === '--prefix') o.prefix = value();
    else if (a === '--destdir') o.destdir = value();
    else if (a === '--units') o.units = value();
    else if (a === '--uninstall') o.uninstall = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 5).map((l) => l.slice(3)).join('\n') + '\n'); process.exit(0); }
    else throw new InstallError(`unknown option ${a}`);
  }
  for (const p of [o.prefix, o.destdir, o.units]) {
    if (/[^A-Za-z0-9/._-]/.test(p)) throw new InstallError(`paths may only use A-Z a-z 0-9 / . _ - (${p})`);
  }
  return o;
}

/**
 * Every existing component of `path` must be root's and not writable by others; `strict`: the
 * directory itself may not be group/world-writable even when sticky (we write into it).
 */
function checkDir(path, strict) {
  let prefix = '';
  for (const comp of ['', ...path.split('/').filter((c) => c !== '')]) {
    prefix = comp === '' ? '/' : join(prefix, comp);
    let st;
    try { st = lstatSync(prefix); } catch { return; } // the rest will be created by root
    if (st.isSymbolicLink()) {
      // merged /usr: /lib -> usr/lib is root's; follow it and check the target too
      if (st.uid !== 0) throw new InstallError(`${prefix} is a symlink not owned by root`);
      checkDir(join(dirname(prefix), readlinkSync(prefix)), false);
      continue;
    }
    if (!st.isDirectory()) throw new InstallError(`${prefix} is not a directory`);
    if (st.uid !== 0) throw new InstallError(`${prefix} is not owned by root`);
    const last = prefix === (path === '' ? '/' : path);
    if ((st.mode & 0o022) !== 0 && ((st.mode & 0o1000) === 0 || (strict && last))) {
      throw new InstallError(`${prefix} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`);
    }
  }
}

function checkTarget(file) {
  let st;
  try { st = lstatSync(file); } catch { return; }
  if (st.isSymbolicLink() && !file.endsWith('/bin/hardnut')) throw new InstallError(`${file} exists and is a symlink`);
  if (st.uid !== 0) throw new InstallError(`${file} exists and is not owned by root`);
}

/** Files (and symlinks) under `dir`, relative to it, depth first. */
function walk(dir, rel = '') {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = join(rel, e.name);
    return e.isDirectory() ? walk(dir, r) : [r];
  });
}

const getent = (db, name) => spawnSync('getent', [db, name], { encoding: 'utf8' }).status === 0;
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

function install(o) {
  const layout = {
    lib: `${o.prefix}/lib/hardnut`, bin: `${o.prefix}/bin`, doc: `${o.prefix}/share/doc/hardnut`,
    units: o.units, tmpfiles: '/etc/tmpfiles.d', udev: '/etc/udev/rules.d',
  };
  const D = (p) => `${o.destdir}${p}`;
  if (existsSync(D(MANIFEST))) throw new InstallError(`${D(MANIFEST)} exists: hardnut is installed; --uninstall first`);
  const stage = mkdtempSync(join(tmpdir(), 'hardnut-install-'));
  try {
    stageFiles(stage, layout);
    const files = walk(stage).map((r) => `/${r}`);
    // every check before the first write
    for (const d of new Set([...files.map((f) => D(dirname(f))), D(STATE), D(KEYDIR)])) checkDir(d, true);
    for (const f of files) checkTarget(D(f));

    const manifest = { files: [], dirs: [D(layout.lib)], made: [], created: [] };
    if (!getent('group', 'nut')) { run('groupadd', ['--system', 'nut']); manifest.created.push('group:nut'); }
    if (!getent('passwd', 'nut')) {
      run('useradd', ['--system', '--gid', 'nut', '--home-dir', '/var/lib/nut', '--no-create-home', '--shell', '/usr/sbin/nologin', 'nut']);
      manifest.created.push('user:nut');
    }
    if (!getent('group', 'nutshutdown')) { run('groupadd', ['--system', 'nutshutdown']); manifest.created.push('group:nutshutdown'); }
    if (!run('id', ['-Gn', 'nut']).trim().split(' ').includes('nutshutdown')) {
      run('usermod', ['-a', '-G', 'nutshutdown', 'nut']);
      manifest.created.push('member:nut:nutshutdown');
    }
    const gid = Number(run('getent', ['group', 'nutshutdown']).split(':')[2]);

    const madeState = mkdirSync(D(STATE), { recursive: true, mode: 0o700 });
    if (madeState !== undefined && madeState !== D(STATE)) manifest.made.push(madeState);
    for (const f of files) {
      const from = join(stage, f);
      const to = D(f);
      const made = mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
      if (made !== undefined) manifest.made.push(made);
      const st = lstatSync(from);
      if (st.isSymbolicLink()) {
        try { unlinkSync(to); } catch { /* not there */ }
        symlinkSync(readlinkSync(from), to);
      } else {
        // a temporary name, owner then mode (chown clears setuid), then rename into place
        const tmp = `${to}.hardnut-new`;
        copyFileSync(from, tmp);
        const helper = f === `${layout.lib}/upsshutdown`;
        chownSync(tmp, 0, helper ? gid : 0);
        chmodSync(tmp, helper ? 0o4750 : st.mode & 0o777);
        // the mtime too: a tool's code cache is used only beside the file it was made from
        utimesSync(tmp, st.atime, st.mtime);
        renameSync(tmp, to);
      }
      manifest.files.push(to);
    }
    // the shutdown intent key, once; kept by --uninstall only if it was there before
    const key = D(`${KEYDIR}/upsshutdown.key`);
    if (!existsSync(key)) {
      const made = mkdirSync(D(KEYDIR), { recursive: true, mode: 0o755 });
      if (made !== undefined) manifest.made.push(made);
      const pub = run(D(`${layout.lib}/upsshutdown-keygen`), ['new', key]).trim();
      const conf = D(`${KEYDIR}/upsshutdown.conf`);
      if (!existsSync(conf)) {
        writeFileSync(conf, `# upsshutdown.conf, written by scripts/install.mjs (format: helpers/README.md)\n${pub}\nmethod systemctl\nnonces ${STATE}/upsshutdown.nonces\n`, { mode: 0o644 });
        manifest.files.push(conf);
      }
      manifest.files.push(key);
    }
    writeFileSync(D(MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(`installed hardnut in ${D(layout.lib)} (${String(manifest.files.length)} files); ${D(`${layout.bin}/hardnut`)}; `
      + `helper 4750 root:nutshutdown; nothing enabled (docs/MIGRATING.md)\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function removeEmptyTree(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) if (e.isDirectory()) removeEmptyTree(join(dir, e.name));
  try { rmdirSync(dir); } catch { /* not empty: something else lives there */ }
}

function uninstall(o) {
  const D = (p) => `${o.destdir}${p}`;
  let manifest;
  try { manifest = JSON.parse(readFileSync(D(MANIFEST), 'utf8')); } catch {
    throw new InstallError(`${D(MANIFEST)} cannot be read: nothing installed by this installer there`);
  }
  for (const f of manifest.files) {
    try {
      const st = lstatSync(f);
      if (st.uid === 0) unlinkSync(f);
    } catch { /* already gone */ }
  }
  for (const d of manifest.dirs) rmSync(d, { recursive: true, force: true });
  rmSync(D(STATE), { recursive: true, force: true });
  // directories this installer created, if nothing else has been put in them since
  for (const d of manifest.made) removeEmptyTree(d);
  if (manifest.created.includes('group:nutshutdown') && getent('group', 'nutshutdown')) run('groupdel', ['nutshutdown']);
  else if (manifest.created.includes('member:nut:nutshutdown')) spawnSync('gpasswd', ['-d', 'nut', 'nutshutdown'], { stdio: 'ignore' });
  if (manifest.created.includes('user:nut') && getent('passwd', 'nut')) run('userdel', ['nut']);
  if (manifest.created.includes('group:nut') && getent('group', 'nut')) spawnSync('groupdel', ['nut'], { stdio: 'ignore' });
  process.stdout.write('hardnut uninstalled\n');
}

try {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new InstallError('must run as root (it installs a setuid helper and creates accounts)');
  if (o.uninstall) uninstall(o); else install(o);
} catch (err) {
  process.stderr.write(`install: ${err instanceof InstallError ? err.message : String(err?.stack ?? err)}\n`);
  process.exit(1);
}
