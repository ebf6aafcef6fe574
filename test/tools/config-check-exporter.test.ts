// `hardnut config check` on exporter.conf (issue 18): the exporter's own reader (file:line), and as
// root what the exporter would refuse to read: exporter.conf, CERTFILE or a server's CERTPATH that
// another user (nobody) can change. The root cases are skipped elsewhere with the reason, required
// with CI=true.
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/tools/config-check.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';

const CONF_SAMPLES = new URL('../../conf/', import.meta.url).pathname;
let tmp: string;
let out: string;
let err: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hardnut-config-check-exporter-'));
  chmodSync(tmp, 0o755);
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(tmp, { recursive: true, force: true });
});

function nobody(ctx: SkipContext): { uid: number; gid: number } {
  requirePeer(ctx, isRoot(), 'root (only root\'s exporter checks who can write its files)');
  const n = lookupUser('nobody');
  requirePeer(ctx, n !== undefined, 'the nobody user');
  return n as { uid: number; gid: number };
}

function conf(text: string): string {
  const dir = join(tmp, 'etc');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'exporter.conf'), text, { mode: 0o600 });
  return dir;
}

describe('hardnut config check: exporter.conf', () => {
  it('hardnut\'s conf/exporter.conf sample checks clean', async () => {
    const dir = join(tmp, 'samples');
    mkdirSync(dir, { mode: 0o755 });
    copyFileSync(join(CONF_SAMPLES, 'exporter.conf'), join(dir, 'exporter.conf'));
    chmodSync(join(dir, 'exporter.conf'), 0o600);
    expect(await main(['check', dir], {})).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`checked 1 file in ${dir}: 0 errors, 0 warnings\n`);
  });

  it('bad lines are errors at file:line, per-SERVER TLS words included', async () => {
    const dir = conf('SERVER a 127.0.0.1 FORCESSL 2\nSERVER b 127.0.0.1 CERTVERIFY 1\nFROB\n');
    expect(await main(['check', dir], {})).toBe(1);
    const f = join(dir, 'exporter.conf');
    expect(err).toContain(`${f}:1: error: SERVER: FORCESSL 0|1`);
    expect(err).toContain(`${f}:2: error: SERVER b: CERTVERIFY 1 needs CERTPATH`);
    expect(err).toContain(`${f}:3: error: unknown directive 'FROB'`);
  });

  it('as root: an exporter.conf nobody owns, or in a directory nobody can write, is an error naming the component', async (ctx) => {
    const n = nobody(ctx);
    const dir = conf('SERVER a 127.0.0.1\n');
    const f = join(dir, 'exporter.conf');
    chownSync(f, n.uid, n.gid);
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${f}: error: ${f} is owned by uid ${String(n.uid)}, not root: another user could change what root reads here; refusing it: the exporter refuses to start`);
    chownSync(f, 0, 0);
    chmodSync(dir, 0o777);
    err = '';
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${dir} is writable by group or others (mode 777)`);
    chmodSync(dir, 0o755);
    err = '';
    out = '';
    expect(await main(['check', dir], {})).toBe(0);
    expect(out).toBe(`checked 1 file in ${dir}: 0 errors, 0 warnings\n`);
  });

  it('as root: a server\'s CERTPATH or the CERTFILE in nobody\'s directory is an error at its line', async (ctx) => {
    const n = nobody(ctx);
    const theirs = join(tmp, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    writeFileSync(join(theirs, 'ca.pem'), 'x');
    writeFileSync(join(theirs, 'exporter.pem'), 'x');
    chownSync(theirs, n.uid, n.gid);
    const dir = conf(`LISTEN 127.0.0.1\nSERVER a 127.0.0.1 CERTVERIFY 1 CERTPATH ${join(theirs, 'ca.pem')}\nCERTFILE ${join(theirs, 'exporter.pem')}\n`);
    const f = join(dir, 'exporter.conf');
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${f}:2: error: CERTPATH ${join(theirs, 'ca.pem')}: ${theirs} is owned by uid ${String(n.uid)}, not root`);
    expect(err).toContain(`${f}: error: CERTFILE ${join(theirs, 'exporter.pem')}: ${theirs} is owned by uid ${String(n.uid)}, not root`);
  });

  it('as root: upsd.users in a directory nobody can write is an error (upsd refuses it)', async (ctx) => {
    nobody(ctx);
    const dir = join(tmp, 'etc');
    mkdirSync(dir, { mode: 0o757 });
    chmodSync(dir, 0o757);
    writeFileSync(join(dir, 'upsd.users'), '[admin]\n\tpassword = x\n\tactions = SET\n', { mode: 0o600 });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsd.users')}: error: ${dir} is writable by group or others (mode 757): another user could change what root reads here; refusing it: upsd refuses to start`);
  });
});
