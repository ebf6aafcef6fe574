// helpers/upsshutdown, the setuid shutdown helper, driven the way upsmon's dispatcher drives it:
// intents made by src/sandbox/shutdown-intent.ts (tweetnacl) and verified by the C helper
// (libsodium). Every action is a harmless stand-in (a marker file, a FIFO, `id`): never a real
// shutdown. Needs root (CI runs as root): setuid, chown, switching to nobody.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInitRequest, INIT_MAGIC, INIT_REQUEST_BYTES } from '../../src/protocol/initctl/index.js';
import { generateKeyPair, makeIntent, type IntentKeyPair } from '../../src/sandbox/shutdown-intent.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { canBuildHelpers, isRoot, requireHelperBuild } from '../support/peers.js';
import { buildHelper, EXIT, runAs, runHelper, writeRootFile, type HelperBuild } from './support.js';

/** The shutdown group of the setuid copy: any gid `nobody` is not in will do; no /etc/group edit. */
const SHUTDOWN_GID = 64_321;

let h: HelperBuild;
let keys: IntentKeyPair;
let marker: string;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface ConfOptions { method?: string; argv?: string[]; nonces?: string; initctl?: string; pubkey?: Uint8Array }
function writeConf(o: ConfOptions = {}): void {
  const lines = [
    '# test config',
    `pubkey ${hex(o.pubkey ?? keys.publicKey)}`,
    `method ${o.method ?? 'command'}`,
    `nonces ${o.nonces ?? join(h.state, 'nonces')}`,
  ];
  if ((o.method ?? 'command') === 'command') lines.push(`argv ${(o.argv ?? ['/usr/bin/touch', marker]).join(' ')}`);
  if (o.initctl !== undefined) lines.push(`initctl ${o.initctl}`);
  writeRootFile(h.conf, `${lines.join('\n')}\n`);
}

const poweroff = (line: string, args = ['poweroff']) => runHelper(h.bin, args, line);

beforeAll(() => {
  if (!isRoot() || !canBuildHelpers()) return;
  h = buildHelper();
  keys = generateKeyPair();
  marker = join(h.root, 'marker');
});
afterAll(() => h?.cleanup());

describe('upsshutdown build', () => {
  it('is a PIE with full RELRO, fortified, with a stack protector', (ctx) => {
    requireHelperBuild(ctx);
    expect(execFileSync('readelf', ['-h', h.bin], { encoding: 'utf8' })).toMatch(/Type:\s+DYN/);
    const dynamic = execFileSync('readelf', ['-d', h.bin], { encoding: 'utf8' });
    expect(dynamic).toMatch(/\(BIND_NOW\)|Flags:.*\bNOW\b/);
    expect(dynamic).toMatch(/FLAGS_1.*\bPIE\b/);
    expect(execFileSync('readelf', ['-lW', h.bin], { encoding: 'utf8' })).toMatch(/GNU_RELRO/);
    const symbols = execFileSync('readelf', ['--dyn-syms', '-W', h.bin], { encoding: 'utf8' });
    expect(symbols).toMatch(/__\w+_chk/); // _FORTIFY_SOURCE replaced at least one libc call
    expect(symbols).toMatch(/__stack_chk_fail/);
    expect(symbols).toMatch(/crypto_sign_verify_detached/);
  });
});

describe('upsshutdown with a valid intent', () => {
  it('performs exactly the configured command once; the same intent again is refused as a replay', (ctx) => {
    requireHelperBuild(ctx);
    writeConf();
    rmSync(marker, { force: true });
    const line = makeIntent('poweroff', keys.secretKey);
    const first = poweroff(line);
    expect(first.stderr).toBe('upsshutdown: poweroff requested by uid 0, method command\n');
    expect(first.status).toBe(EXIT.ok);
    expect(existsSync(marker)).toBe(true);

    rmSync(marker);
    const again = poweroff(line);
    expect(again.status).toBe(EXIT.noPerm);
    expect(again.stderr).toContain('refused: replayed intent');
    expect(existsSync(marker)).toBe(false);
  });

  it('accepts an intent 50 s old (the window is ±60 s)', (ctx) => {
    requireHelperBuild(ctx);
    writeConf();
    rmSync(marker, { force: true });
    expect(poweroff(makeIntent('poweroff', keys.secretKey, Date.now() - 50_000)).status).toBe(EXIT.ok);
    expect(existsSync(marker)).toBe(true);
  });

  it('check verifies the intent and exits 0 without acting', (ctx) => {
    requireHelperBuild(ctx);
    writeConf();
    rmSync(marker, { force: true });
    const r = runHelper(h.bin, ['check'], makeIntent('check', keys.secretKey));
    expect(r.status).toBe(EXIT.ok);
    expect(r.stdout).toBe('upsshutdown: intent ok, method command\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the action as full root with a cleared environment and no inherited fds', (ctx) => {
    requireHelperBuild(ctx);
    writeConf({ argv: ['/usr/bin/env'] });
    const env = runHelper(h.bin, ['poweroff'], makeIntent('poweroff', keys.secretKey), { HARDNUT_TEST_LEAK: 'yes', PATH: '/tmp/evil' });
    expect(env.status).toBe(EXIT.ok);
    expect(env.stdout.trim().split('\n').sort()).toEqual(['LC_ALL=C', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin']);

    // fd 3 is an open pipe in the helper's parent; the action must not see it.
    writeConf({ argv: ['/usr/bin/readlink', '/proc/self/fd/3'] });
    const fds = spawnSync(h.bin, ['poweroff'], { input: makeIntent('poweroff', keys.secretKey), stdio: ['pipe', 'pipe', 'pipe', 'pipe'], encoding: 'utf8' });
    expect(fds.stdout).toBe('');
    expect(fds.status).not.toBe(EXIT.ok); // readlink: no such fd

    writeConf({ argv: ['/usr/bin/id'] });
    const id = runHelper(h.bin, ['poweroff'], makeIntent('poweroff', keys.secretKey));
    expect(id.stdout).toMatch(/^uid=0\(root\) gid=0\(root\) groups=0\(root\)$/m);
  });

  it('systemctl method executes `systemctl poweroff` (a stand-in systemctl in the test build)', (ctx) => {
    requireHelperBuild(ctx);
    const out = join(h.root, 'systemctl-called');
    writeRootFile(h.fakeSystemctl, `#!/bin/sh\necho "$0 $*" > ${out}\n`, 0o755);
    writeConf({ method: 'systemctl' });
    const r = poweroff(makeIntent('poweroff', keys.secretKey));
    expect(r.status).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8')).toBe(`${h.fakeSystemctl} poweroff\n`);
  });

  it('initctl method writes the 384-byte runlevel-0 request to the FIFO standing in for init', (ctx) => {
    requireHelperBuild(ctx);
    const fifo = join(h.root, 'initctl');
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', ['-m', '600', fifo]);
    writeConf({ method: 'initctl', initctl: fifo });

    // Nobody reading: the helper fails at once rather than hanging.
    const unheard = poweroff(makeIntent('poweroff', keys.secretKey));
    expect(unheard.status).toBe(EXIT.osErr);
    expect(unheard.stderr).toContain('No such device or address');

    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = poweroff(makeIntent('poweroff', keys.secretKey));
      expect(r.stderr).toContain(`sent runlevel 0 to init via ${fifo}`);
      expect(r.status).toBe(EXIT.ok);
      const buf = Buffer.alloc(INIT_REQUEST_BYTES + 16);
      expect(readSync(reader, buf)).toBe(INIT_REQUEST_BYTES);
      expect(decodeInitRequest(buf.subarray(0, INIT_REQUEST_BYTES))).toEqual({ magic: INIT_MAGIC, cmd: 1, runlevel: '0', sleeptime: 5 });
      expect(buf.subarray(16, INIT_REQUEST_BYTES).every((b) => b === 0)).toBe(true);
    } finally {
      closeSync(reader);
    }
  });
});

describe('upsshutdown refuses', () => {
  const cases: Array<[string, () => string, number, string]> = [
    ['a missing intent', () => '', EXIT.dataErr, 'refused: no intent on stdin'],
    ['garbage', () => 'shutdown now please\n', EXIT.dataErr, 'refused: not a hardnut-intent version 1 line'],
    ['an unsigned intent', () => makeIntent('poweroff', keys.secretKey).replace(/ [0-9a-f]{128}\n$/, '\n'), EXIT.dataErr, 'refused: missing or malformed signature'],
    ['upper-case hex digits', () => makeIntent('poweroff', keys.secretKey).toUpperCase().replace('HARDNUT-INTENT 1 POWEROFF', 'hardnut-intent 1 poweroff'), EXIT.dataErr, 'refused: malformed nonce'],
    ['an over-long line', () => `${makeIntent('poweroff', keys.secretKey).trimEnd()}${' '.repeat(100)}\n`, EXIT.dataErr, 'refused: intent longer than 256 bytes'],
    ['a second line', () => `${makeIntent('poweroff', keys.secretKey)}\n`, EXIT.dataErr, 'refused: intent must be one line'],
    ['an intent for another verb', () => makeIntent('check', keys.secretKey), EXIT.dataErr, 'refused: intent is for check, not poweroff'],
    ['a wrongly signed intent', () => makeIntent('poweroff', generateKeyPair().secretKey), EXIT.noPerm, 'refused: bad signature'],
    ['a tampered timestamp', () => makeIntent('poweroff', keys.secretKey).replace(/^(hardnut-intent 1 poweroff )(\d+)/, (_m, p: string, t: string) => `${p}${Number(t) + 1}`), EXIT.noPerm, 'refused: bad signature'],
    ['an expired intent (2 min old)', () => makeIntent('poweroff', keys.secretKey, Date.now() - 120_000), EXIT.noPerm, 'refused: intent expired'],
    ['an intent from the future', () => makeIntent('poweroff', keys.secretKey, Date.now() + 120_000), EXIT.noPerm, 'refused: intent from the future'],
  ];
  for (const [what, line, status, message] of cases) {
    it(what, (ctx) => {
      requireHelperBuild(ctx);
      writeConf();
      rmSync(marker, { force: true });
      const r = poweroff(line());
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(status);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('any argument beyond one verb of the fixed set', (ctx) => {
    requireHelperBuild(ctx);
    writeConf();
    rmSync(marker, { force: true });
    for (const args of [[], ['poweroff', 'now'], ['reboot'], ['--help'], ['poweroff', '-c', '/tmp/x'], ['POWEROFF']]) {
      const r = runHelper(h.bin, args, makeIntent('poweroff', keys.secretKey));
      expect(r.status, args.join(' ')).toBe(EXIT.usage);
      expect(r.stderr).toContain('usage: upsshutdown poweroff|check');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a config that is missing, not root-owned, group/world-writable, a symlink, malformed, or in an unsafe directory', (ctx) => {
    requireHelperBuild(ctx);
    const nobody = lookupUser('nobody');
    expect(nobody).toBeDefined();
    const expectConfigRefused = (message: string): void => {
      const r = poweroff(makeIntent('poweroff', keys.secretKey));
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(EXIT.config);
      expect(existsSync(marker)).toBe(false);
    };
    rmSync(marker, { force: true });
    rmSync(h.conf, { force: true });
    expectConfigRefused('No such file or directory');

    writeConf();
    chownSync(h.conf, nobody?.uid ?? 65534, 0);
    expectConfigRefused('not owned by root');

    for (const mode of [0o664, 0o646]) {
      writeConf();
      chmodSync(h.conf, mode);
      expectConfigRefused('writable by group or others');
    }

    writeConf();
    const real = join(h.root, 'real.conf');
    copyFileSync(h.conf, real);
    rmSync(h.conf);
    symlinkSync(real, h.conf);
    expectConfigRefused('Too many levels of symbolic links');
    rmSync(h.conf);

    writeRootFile(h.conf, `pubkey ${hex(keys.publicKey)}\nmethod fly\nnonces /x\n`);
    expectConfigRefused(`${h.conf}:2: bad value`);
    writeRootFile(h.conf, `pubkey ${hex(keys.publicKey)}\nmethod command\nnonces /x\n`);
    expectConfigRefused('argv for method command');
    writeRootFile(h.conf, `pubkey ${hex(keys.publicKey)}\nmethod reboot\nnonces relative/path\n`);
    expectConfigRefused(`${h.conf}:3: path must be absolute`);

    writeConf();
    chmodSync(h.root, 0o775);
    try {
      expectConfigRefused('directory writable by group or others');
    } finally {
      chmodSync(h.root, 0o755);
    }
  });

  it('a nonce file that is a symlink, and more intents than the replay table holds within the window', (ctx) => {
    requireHelperBuild(ctx);
    const link = join(h.state, 'linked');
    symlinkSync('/etc/passwd', link);
    writeConf({ nonces: link });
    const r = poweroff(makeIntent('poweroff', keys.secretKey));
    expect(r.status).toBe(EXIT.config);
    expect(r.stderr).toContain('Too many levels of symbolic links');

    writeConf({ nonces: join(h.state, 'flood') });
    for (let i = 0; i < 64; i++) expect(runHelper(h.bin, ['check'], makeIntent('check', keys.secretKey)).status).toBe(EXIT.ok);
    const flood = runHelper(h.bin, ['check'], makeIntent('check', keys.secretKey));
    expect(flood.status).toBe(EXIT.noPerm);
    expect(flood.stderr).toContain('refused: more than 64 intents within 60 s');
    expect(statSync(join(h.state, 'flood')).mode & 0o777).toBe(0o600);
  });
});

describe('upsshutdown installed setuid root, mode 4750', () => {
  it('runs only for its group, and then as root', (ctx) => {
    requireHelperBuild(ctx);
    const dir = join(h.root, 'sbin');
    mkdirSync(dir, { mode: 0o755 });
    const bin = join(dir, 'upsshutdown');
    copyFileSync(h.bin, bin);
    chownSync(bin, 0, SHUTDOWN_GID);
    chmodSync(bin, 0o4750);
    writeConf({ argv: ['/usr/bin/id'] });
    const nobody = lookupUser('nobody');
    expect(nobody).toBeDefined();
    const outsider = { uid: nobody?.uid ?? 65534, gid: nobody?.gid ?? 65534, groups: [] };
    const member = { ...outsider, groups: [SHUTDOWN_GID] };

    const denied = runAs(outsider, bin, ['poweroff'], makeIntent('poweroff', keys.secretKey));
    expect(denied.error).toBe('EACCES');
    expect(denied.stdout + denied.stderr).toBe('');

    const allowed = runAs(member, bin, ['poweroff'], makeIntent('poweroff', keys.secretKey));
    expect(allowed.stderr).toContain(`poweroff requested by uid ${member.uid}`);
    expect(allowed.status).toBe(EXIT.ok);
    expect(allowed.stdout).toMatch(/^uid=0\(root\) gid=0\(root\) groups=0\(root\)$/m);

    // A member still needs the key: the setuid bit buys nothing without a valid signature.
    const forger = runAs(member, bin, ['poweroff'], makeIntent('poweroff', generateKeyPair().secretKey));
    expect(forger.status).toBe(EXIT.noPerm);
    expect(forger.stderr).toContain(`refused: bad signature (uid ${member.uid})`);
  });

  it('refuses to run when it is not setuid root', (ctx) => {
    requireHelperBuild(ctx);
    const bin = join(h.root, 'sbin', 'plain');
    mkdirSync(join(h.root, 'sbin'), { recursive: true, mode: 0o755 });
    copyFileSync(h.bin, bin);
    chmodSync(bin, 0o755);
    writeConf();
    rmSync(marker, { force: true });
    const nobody = lookupUser('nobody');
    const r = runAs({ uid: nobody?.uid ?? 65534, gid: nobody?.gid ?? 65534, groups: [] }, bin, ['poweroff'], makeIntent('poweroff', keys.secretKey));
    expect(r.status).toBe(EXIT.noPerm);
    expect(r.stderr).toContain('not running as root');
    expect(existsSync(marker)).toBe(false);
  });
});
