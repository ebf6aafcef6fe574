// Issue 18 for upsd: started as root, it never reads an upsd.users, CERTFILE or CERTPATH another
// user can change. The attack is run: nobody writes an upsd.users giving themselves every right
// (through a directory they may write), or owns the certificate and key; upsd exits non-zero at
// once naming the path and the component, and serves nothing. Root only; skipped elsewhere with
// the reason, required with CI=true.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { hasOpenssl, makeCerts } from './support/certs.js';
import { DAEMON_USER_WHY, isRoot, requirePeer, runsDaemons, type SkipContext } from '../support/peers.js';
import { freePort, makeTestDir, runHardnut, userArgs, type TestDir } from '../support/stack.js';

const undo: Array<() => void> = [];
afterEach(() => { for (const u of undo.splice(0).reverse()) u(); });

function upsdDir(ctx: SkipContext, port: number): { d: TestDir; nobody: { uid: number; gid: number } } {
  requirePeer(ctx, isRoot(), 'root (the check is root\'s; the attack chowns to nobody)');
  requirePeer(ctx, runsDaemons(), DAEMON_USER_WHY);
  const nobody = lookupUser('nobody');
  requirePeer(ctx, nobody !== undefined, 'the nobody user');
  const d = makeTestDir({
    'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n',
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`,
    'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n',
    'u.dev': 'ups.status: OL\n',
  });
  undo.push(() => d.cleanup());
  return { d, nobody: nobody as { uid: number; gid: number } };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function expectRefused(d: TestDir, port: number, want: string): Promise<void> {
  const r = await runHardnut(['upsd', '-F', ...userArgs()], d.env, 30_000);
  expect(r.code).not.toBe(0);
  expect(`${r.stdout}${r.stderr}`).toContain(want);
  expect(`${r.stdout}${r.stderr}`).toMatch(/another user could change what root reads here; refusing it/);
  expect(await listening(port)).toBe(false);
}

describe('upsd as root refuses files another user can change', () => {
  it('upsd.users rewritten by nobody (the config directory is theirs to write): refused, nothing served', async (ctx) => {
    const port = await freePort();
    const { d, nobody } = upsdDir(ctx, port);
    chmodSync(d.etc, 0o757);
    // nobody replaces upsd.users with one that makes them an administrator
    execFileSync(process.execPath, ['-e', 'const fs=require("fs");const f=process.argv[1];fs.unlinkSync(f);fs.writeFileSync(f,"[mallory]\\n\\tpassword = x\\n\\tactions = SET FSD\\n\\tinstcmds = ALL\\n")', join(d.etc, 'upsd.users')],
      { uid: nobody.uid, gid: nobody.gid, stdio: 'ignore' });
    await expectRefused(d, port, `${join(d.etc, 'upsd.users')}: ${d.etc} is writable by group or others (mode 757)`);
  }, 60_000);

  it('CERTFILE owned by nobody, or CERTPATH in nobody\'s directory: refused', async (ctx) => {
    requirePeer(ctx, hasOpenssl(), 'the openssl command (apt-get install openssl)');
    const port = await freePort();
    const { d, nobody } = upsdDir(ctx, port);
    const certDir = join(d.root, 'certs');
    mkdirSync(certDir, { mode: 0o755 });
    const c = makeCerts(certDir);
    writeFileSync(join(d.etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${c.server}\n`);
    chownSync(c.server, nobody.uid, nobody.gid);
    await expectRefused(d, port, `CERTFILE ${c.server}: ${c.server} is owned by uid ${String(nobody.uid)}, not root`);
    chownSync(c.server, 0, 0);
    const caDir = join(certDir, 'ca');
    mkdirSync(caDir, { mode: 0o755 });
    chownSync(caDir, nobody.uid, nobody.gid);
    writeFileSync(join(d.etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${c.server}\nCERTPATH ${caDir}\nCERTREQUEST 1\n`);
    await expectRefused(d, port, `CERTPATH ${caDir}: ${caDir} is owned by uid ${String(nobody.uid)}, not root`);
  }, 90_000);
});
