// Issue 18: the exporter, started as root, never reads a file another user can change. The attack
// is run: nobody (the exporter's own role user, what an exploited exporter would be) rewrites
// exporter.conf to listen where they choose, through the file, its directory or a symlink hop;
// the exporter refuses, names the path and the component, exits non-zero and listens nowhere.
// CERTFILE and CERTPATH likewise. With root's files the same setup starts (the check is what
// stops it). Root only; skipped elsewhere with the reason, required with CI=true.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { hasOpenssl, makeCerts } from '../upsd/support/certs.js';
import { DAEMON_USER_WHY, isRoot, requirePeer, runsDaemons, type SkipContext } from '../support/peers.js';
import { CLOSED_PORT, HARDNUT, freePort, makeTestDir, runHardnut, startProcess, waitFor, type TestDir } from '../support/stack.js';
import { httpGet } from './stack.js';

const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const u of undo.splice(0).reverse()) await u(); });

interface Nobody { uid: number; gid: number }

function rig(ctx: SkipContext): { d: TestDir; nobody: Nobody; conf: string; jail: string } {
  requirePeer(ctx, isRoot(), 'root (the check is root\'s; the attack chowns to nobody)');
  requirePeer(ctx, runsDaemons(), DAEMON_USER_WHY);
  const nobody = lookupUser('nobody');
  requirePeer(ctx, nobody !== undefined, 'the nobody user');
  const d = makeTestDir();
  undo.push(() => d.cleanup());
  // root's 0755 (safe), so that nobody can reach the files the attacks are on
  chmodSync(d.etc, 0o755);
  const conf = join(d.etc, 'exporter.conf');
  return { d, nobody: nobody as Nobody, conf, jail: join(d.root, 'jail') };
}

/** exporter.conf text: one SERVER (nothing listens there: the exporter starts all the same). */
const confText = (port: number, extra = ''): string => `LISTEN 127.0.0.1 ${String(port)}\nSERVER a 127.0.0.1:${String(CLOSED_PORT)}\n${extra}`;

/** As nobody: writes `text` to `path` (replacing what is there when its directory lets them). */
function asNobody(nobody: Nobody, path: string, text: string): void {
  execFileSync(process.execPath, ['-e', 'const fs=require("fs");try{fs.unlinkSync(process.argv[1])}catch{};fs.writeFileSync(process.argv[1],process.argv[2])', path, text],
    { uid: nobody.uid, gid: nobody.gid, stdio: 'ignore' });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Runs the exporter as root to its end; it must refuse, naming `path` and `component`, and bind nothing. */
async function expectRefused(r: { d: TestDir; jail: string }, port: number, path: string, component: string): Promise<void> {
  const out = await runHardnut(['exporter', '-r', r.jail], r.d.env, 30_000);
  expect(out.code).not.toBe(0);
  expect(out.stderr).toContain(`${path}: ${component}`);
  expect(out.stderr).toMatch(/another user could change what root reads here; refusing it/);
  expect(await listening(port)).toBe(false);
}

async function expectStarts(r: { d: TestDir; jail: string }, port: number): Promise<void> {
  const p = startProcess(process.execPath, [HARDNUT, 'exporter', '-r', r.jail], r.d.env);
  undo.push(() => p.stop());
  await waitFor('the exporter serving /metrics', async () => {
    if (p.child.exitCode !== null) throw new Error(`the exporter exited: ${p.output()}`);
    try { return (await httpGet(`http://127.0.0.1:${String(port)}/metrics`)).status === 200; } catch { return false; }
  }, 30_000, 200);
}

describe('the exporter as root refuses files another user can change', () => {
  it('exporter.conf owned by nobody, rewritten by nobody to listen on their port: refused, nothing listens', async (ctx) => {
    const r = rig(ctx);
    const port = await freePort();
    writeFileSync(r.conf, confText(port));
    chownSync(r.conf, r.nobody.uid, r.nobody.gid);
    const theirs = await freePort();
    asNobody(r.nobody, r.conf, confText(theirs, 'LISTEN 0.0.0.0 ' + String(theirs) + '\n'));
    await expectRefused(r, theirs, r.conf, `${r.conf} is owned by uid ${String(r.nobody.uid)}, not root`);
    expect(await listening(port)).toBe(false);
  }, 60_000);

  it('root\'s exporter.conf in a directory nobody can write (replaced by nobody): refused', async (ctx) => {
    const r = rig(ctx);
    const port = await freePort();
    writeFileSync(r.conf, confText(port));
    chownSync(r.d.etc, 0, 0);
    chmodSync(r.d.etc, 0o757);
    asNobody(r.nobody, r.conf, confText(port));
    await expectRefused(r, port, r.conf, `${r.d.etc} is writable by group or others (mode 757)`);
  }, 60_000);

  it('a symlink hop through nobody\'s directory: refused, naming that directory', async (ctx) => {
    const r = rig(ctx);
    const port = await freePort();
    // exporter.conf -> hop/link -> root's real file; only hop is nobody's
    const real = join(r.d.root, 'real.conf');
    writeFileSync(real, confText(port));
    const hop = join(r.d.root, 'hop');
    mkdirSync(hop, { mode: 0o755 });
    symlinkSync(real, join(hop, 'link'));
    symlinkSync(join(hop, 'link'), r.conf);
    chownSync(hop, r.nobody.uid, r.nobody.gid);
    // nobody points the middle link at their own text
    execFileSync(process.execPath, ['-e', 'const fs=require("fs");fs.writeFileSync(process.argv[1],process.argv[3]);fs.unlinkSync(process.argv[2]);fs.symlinkSync(process.argv[1],process.argv[2])',
      join(hop, 'mine.conf'), join(hop, 'link'), confText(port)], { uid: r.nobody.uid, gid: r.nobody.gid, stdio: 'ignore' });
    await expectRefused(r, port, r.conf, `${hop} is owned by uid ${String(r.nobody.uid)}, not root`);
    // the same chain under root's directories starts
    chownSync(hop, 0, 0);
    renameSync(real, join(hop, 'mine.conf'));
    await expectStarts(r, port);
  }, 120_000);

  it('CERTFILE or a CERTPATH directory nobody can write: refused; root\'s: starts', async (ctx) => {
    const r = rig(ctx);
    requirePeer(ctx, hasOpenssl(), 'the openssl command (apt-get install openssl)');
    const certDir = join(r.d.root, 'certs');
    mkdirSync(certDir, { mode: 0o755 });
    const certs = makeCerts(certDir);
    const port = await freePort();
    writeFileSync(r.conf, confText(port, `CERTFILE ${certs.server}\n`));
    chownSync(certs.server, r.nobody.uid, r.nobody.gid);
    await expectRefused(r, port, certs.server, `${certs.server} is owned by uid ${String(r.nobody.uid)}, not root`);
    chownSync(certs.server, 0, 0);

    const caDir = join(r.d.root, 'ca');
    mkdirSync(caDir, { mode: 0o755 });
    renameSync(certs.ca, join(caDir, 'ca.pem'));
    writeFileSync(r.conf, confText(port, `CERTVERIFY 1\nCERTPATH ${caDir}\n`));
    chmodSync(caDir, 0o777);
    // nobody could add their own CA to the directory root trusts
    await expectRefused(r, port, caDir, `${caDir} is writable by group or others (mode 777)`);
    chmodSync(caDir, 0o755);
    writeFileSync(r.conf, confText(port, `CERTFILE ${certs.server}\nCERTVERIFY 1\nCERTPATH ${caDir}\n`));
    const p = startProcess(process.execPath, [HARDNUT, 'exporter', '-r', r.jail], r.d.env);
    undo.push(() => p.stop());
    await waitFor('the exporter serving HTTPS', async () => {
      if (p.child.exitCode !== null) throw new Error(`the exporter exited: ${p.output()}`);
      try { return (await httpGet(`https://127.0.0.1:${String(port)}/metrics`, { ca: readFileSync(join(caDir, 'ca.pem'), 'latin1') })).status === 200; } catch { return false; }
    }, 30_000, 200);
  }, 150_000);
});
