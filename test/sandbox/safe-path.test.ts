// The one "root never follows a path another user can write" rule (src/sandbox/safe-path.ts),
// on real files, directories and symlink chains in a temp dir. The unsafe cases are built as
// root by giving a directory or link to nobody, and one attack is run as nobody to show that
// what was reported is what another user can really change. Root only; skipped elsewhere with the
// reason, required with CI=true.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SYMLINK_HOPS, rootOnlyPath, rootReadRefusal, writableByOthers } from '../../src/sandbox/safe-path.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

interface Rig { root: string; nobody: { uid: number; gid: number }; file(rel: string, text?: string, mode?: number): string; dir(rel: string, mode?: number): string }

/** A root-owned 0755 temp dir (in sticky /tmp), and nobody's ids. */
function rig(ctx: SkipContext): Rig {
  requirePeer(ctx, isRoot(), 'root (the unsafe cases chown to nobody)');
  const nobody = lookupUser('nobody');
  requirePeer(ctx, nobody !== undefined, 'the nobody user');
  const root = mkdtempSync(join(tmpdir(), 'hn-safe-'));
  dirs.push(root);
  chmodSync(root, 0o755);
  return {
    root,
    nobody: { uid: (nobody as { uid: number }).uid, gid: (nobody as { gid: number }).gid },
    file: (rel, text = 'root\'s\n', mode = 0o644) => { const p = join(root, rel); writeFileSync(p, text); chmodSync(p, mode); return p; },
    dir: (rel, mode = 0o755) => { const p = join(root, rel); mkdirSync(p); chmodSync(p, mode); return p; },
  };
}

describe('writableByOthers', () => {
  it('accepts root\'s file in root\'s directories (through sticky /tmp)', (ctx) => {
    const r = rig(ctx);
    r.dir('etc');
    const f = r.file('etc/exporter.conf', 'x\n', 0o600);
    expect(writableByOthers(f)).toBeUndefined();
    expect(rootOnlyPath(join(r.root, 'etc'))).toBe(true);
  });

  it('reports the file itself when group or others can write it, or it is not root\'s', (ctx) => {
    const r = rig(ctx);
    const f = r.file('a.conf', 'x\n', 0o664);
    expect(writableByOthers(f)).toEqual({ path: f, why: 'is writable by group or others (mode 664)' });
    chmodSync(f, 0o646);
    expect(writableByOthers(f)).toEqual({ path: f, why: 'is writable by group or others (mode 646)' });
    chmodSync(f, 0o644);
    chownSync(f, r.nobody.uid, r.nobody.gid);
    expect(writableByOthers(f)).toEqual({ path: f, why: `is owned by uid ${String(r.nobody.uid)}, not root` });
    // the allowed owner is trusted
    expect(writableByOthers(f, { owner: r.nobody.uid })).toBeUndefined();
  });

  it('reports the first directory of the chain that is not root\'s or is writable by others', (ctx) => {
    const r = rig(ctx);
    const a = r.dir('a');
    const b = r.dir('a/b');
    const f = r.file('a/b/f');
    chmodSync(b, 0o775);
    expect(writableByOthers(f)).toEqual({ path: b, why: 'is writable by group or others (mode 775)' });
    chmodSync(b, 0o755);
    chownSync(a, r.nobody.uid, r.nobody.gid);
    expect(writableByOthers(f)).toEqual({ path: a, why: `is owned by uid ${String(r.nobody.uid)}, not root` });
    expect(rootOnlyPath(b)).toBe(false);
  });

  it('a sticky world-writable directory: root\'s entry in it is safe, nobody\'s is not, and root never creates entries there', (ctx) => {
    const r = rig(ctx);
    const t = r.dir('t', 0o1777);
    const f = r.file('t/f');
    expect(writableByOthers(f)).toBeUndefined();
    chownSync(f, r.nobody.uid, r.nobody.gid);
    expect(writableByOthers(f)?.path).toBe(t);
    expect(writableByOthers(t, { createIn: true })).toEqual({ path: t, why: 'is writable by group or others (mode 1777)' });
    // without the sticky bit anyone may rename over root's file
    chmodSync(t, 0o777);
    chownSync(f, 0, 0);
    expect(writableByOthers(f)).toEqual({ path: t, why: 'is writable by group or others (mode 777)' });
  });

  it('follows every symlink hop: the directory holding a link in the middle of the chain counts', (ctx) => {
    const r = rig(ctx);
    r.dir('a'); const b = r.dir('b'); r.dir('c');
    const real = r.file('c/real.conf', 'root\'s\n');
    symlinkSync('../c/real.conf', join(b, 'hop'));
    const asWritten = join(r.root, 'a', 'exporter.conf');
    symlinkSync(join(b, 'hop'), asWritten);
    expect(writableByOthers(asWritten)).toBeUndefined();
    // neither the path as written nor the real file's path goes through b: only the walk sees it
    chownSync(b, r.nobody.uid, r.nobody.gid);
    expect(writableByOthers(asWritten)).toEqual({ path: b, why: `is owned by uid ${String(r.nobody.uid)}, not root` });
    expect(writableByOthers(real)).toBeUndefined();

    // the attack: nobody swaps the middle link for one to their own file, and root reading the
    // path as written now reads nobody's text
    const theirs = join(b, 'theirs.conf');
    execFileSync(process.execPath, ['-e', 'const fs=require("fs");fs.writeFileSync(process.argv[1],"nobody\'s\\n");fs.unlinkSync(process.argv[2]);fs.symlinkSync(process.argv[1],process.argv[2])', theirs, join(b, 'hop')],
      { uid: r.nobody.uid, gid: r.nobody.gid, stdio: 'ignore' });
    expect(readFileSync(asWritten, 'utf8')).toBe('nobody\'s\n');
    expect(writableByOthers(asWritten)?.path).toBe(b);
  });

  it('the directory the path is written in and the real file\'s directory count, and a link in a sticky dir must be root\'s', (ctx) => {
    const r = rig(ctx);
    const a = r.dir('a'); const c = r.dir('c');
    r.file('c/real.conf');
    const link = join(a, 'x.conf');
    symlinkSync(join(c, 'real.conf'), link);
    chmodSync(a, 0o770);
    expect(writableByOthers(link)).toEqual({ path: a, why: 'is writable by group or others (mode 770)' });
    chmodSync(a, 0o755);
    chmodSync(c, 0o757);
    expect(writableByOthers(link)).toEqual({ path: c, why: 'is writable by group or others (mode 757)' });
    chmodSync(c, 0o755);
    chmodSync(a, 0o1777);
    expect(writableByOthers(link)).toBeUndefined();
    lchownSync(link, r.nobody.uid, r.nobody.gid);
    expect(writableByOthers(link)?.path).toBe(a);
  });

  it('a symlink loop, a missing file and a file where a directory belongs are refused, not followed forever', (ctx) => {
    const r = rig(ctx);
    symlinkSync('loop2', join(r.root, 'loop1'));
    symlinkSync('loop1', join(r.root, 'loop2'));
    expect(writableByOthers(join(r.root, 'loop1'))?.why).toBe(`leads through more than ${String(MAX_SYMLINK_HOPS)} symbolic links`);
    expect(writableByOthers(join(r.root, 'absent'))).toEqual({ path: join(r.root, 'absent'), why: 'does not exist' });
    const f = r.file('f');
    expect(writableByOthers(join(f, 'x'))).toEqual({ path: f, why: 'is not a directory' });
    expect(rootOnlyPath(f)).toBe(false);
  });

  it('an absent file is left to the reader only where nobody else could create it first', (ctx) => {
    const r = rig(ctx);
    const mine = r.dir('mine');
    expect(writableByOthers(join(mine, 'x.pem'))).toEqual({ path: join(mine, 'x.pem'), why: 'does not exist' });
    expect(rootReadRefusal(join(mine, 'x.pem'))).toBeUndefined();
    const open = r.dir('open', 0o777);
    expect(writableByOthers(join(open, 'x.pem'))).toEqual({ path: open, why: 'is writable by group or others (mode 777)' });
    expect(rootReadRefusal(join(open, 'x.pem'))).toBe(`${join(open, 'x.pem')}: ${open} is writable by group or others (mode 777): another user could change what root reads here; refusing it`);
  });

  it('the allowed owner\'s directories are trusted like root\'s, nobody else\'s are not', (ctx) => {
    const r = rig(ctx);
    const state = r.dir('state', 0o770);
    chownSync(state, r.nobody.uid, r.nobody.gid);
    // group-writable stays refused even for the allowed owner's directory
    expect(writableByOthers(state, { createIn: true, owner: r.nobody.uid })).toEqual({ path: state, why: 'is writable by group or others (mode 770)' });
    chmodSync(state, 0o750);
    expect(rootOnlyPath(state, r.nobody.uid)).toBe(true);
    expect(rootOnlyPath(state)).toBe(false);
    expect(writableByOthers(state, { owner: r.nobody.uid + 1 })?.why).toBe(`is owned by uid ${String(r.nobody.uid)}, not root or uid ${String(r.nobody.uid + 1)}`);
  });
});
