// initctl mode: the dispatcher opens init's FIFO while root, keeps only the fd, and writes the
// runlevel-0 request at shutdown. A FIFO in a temp dir stands in for init.
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { chmodSync, closeSync, constants, mkdtempSync, openSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeInitRequest, INIT_MAGIC, INIT_REQUEST_BYTES } from '../../src/protocol/initctl/index.js';
import { InitctlChannel, InitctlError } from '../../src/sandbox/initctl.js';
import { UnsafePathError } from '../../src/core/errors.js';
import { isRoot, requirePeer } from '../support/peers.js';

const dir = mkdtempSync(join(tmpdir(), 'hn-initctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function fifo(mode = 0o600): string {
  const path = join(dir, `initctl-${count++}`);
  execFileSync('mkfifo', ['-m', mode.toString(8), path]);
  chmodSync(path, mode);
  return path;
}

/** Plays init: holds the read end open, returns what was written. */
function listen(path: string): { read(): Buffer; close(): void } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return {
    read: () => {
      const buf = Buffer.alloc(4096);
      let n = 0;
      try { n = readSync(fd, buf); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err; }
      return buf.subarray(0, n);
    },
    close: () => closeSync(fd),
  };
}

describe('InitctlChannel', () => {
  it('writes exactly one 384-byte request for runlevel 0 to the FIFO', () => {
    const path = fifo();
    const init = listen(path);
    const channel = InitctlChannel.open(path);
    try {
      channel.requestRunlevel('0');
      const got = init.read();
      expect(got.length).toBe(INIT_REQUEST_BYTES);
      expect(decodeInitRequest(got)).toEqual({ magic: INIT_MAGIC, cmd: 1, runlevel: '0', sleeptime: 5 });
    } finally {
      channel.close();
      init.close();
    }
    expect(() => channel.requestRunlevel('0')).toThrow(/closed/);
  });

  it('fails at once, not hanging, when nothing reads the FIFO (init is not sysvinit)', () => {
    const path = fifo();
    expect(() => InitctlChannel.open(path)).toThrow(InitctlError);
    expect(() => InitctlChannel.open(path)).toThrow(/nothing reads it/);
  });

  it('reports a reader that went away at write time', () => {
    const path = fifo();
    const init = listen(path);
    const channel = InitctlChannel.open(path);
    init.close();
    expect(() => channel.requestRunlevel('0')).toThrow(/no longer reads it/);
    channel.close();
  });

  it('refuses what is not init\'s FIFO: a regular file, a FIFO writable by others, a missing path', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(() => InitctlChannel.open(file)).toThrow(UnsafePathError);
    expect(() => InitctlChannel.open(file)).toThrow(/not a FIFO/);

    const open = fifo(0o622);
    const init = listen(open);
    try {
      expect(() => InitctlChannel.open(open)).toThrow(/writable by group or others/);
    } finally {
      init.close();
    }
    expect(() => InitctlChannel.open(join(dir, 'missing'))).toThrow(/cannot open \(ENOENT\)/);
  });

  it('follows a symlink to the FIFO (Debian\'s /dev/initctl is one)', () => {
    const path = fifo();
    const link = join(dir, 'dev-initctl');
    symlinkSync(path, link);
    const init = listen(path);
    const channel = InitctlChannel.open(link);
    channel.requestRunlevel('0');
    expect(init.read().length).toBe(INIT_REQUEST_BYTES);
    channel.close();
    init.close();
  });

  it('keeps working after the privilege drop, when reopening the FIFO is no longer possible', (ctx) => {
    requirePeer(ctx, isRoot(), 'root');
    const path = fifo();
    chmodSync(dir, 0o755);
    // The real module, bundled, in a child that opens as root and then becomes nobody.
    const bundle = join(dir, 'initctl.mjs');
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/sandbox/initctl.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });
    const child = join(dir, 'child.mjs');
    writeFileSync(child, [
      `import { InitctlChannel } from ${JSON.stringify(bundle)};`,
      'const channel = InitctlChannel.open(process.argv[2]);',
      'process.setgroups([]); process.setgid(65534); process.setuid(65534);',
      'let reopen = "reopened";',
      'try { InitctlChannel.open(process.argv[2]); } catch (err) { reopen = err.message; }',
      'channel.requestRunlevel("0");',
      'console.log(`${process.getuid()} ${reopen}`);',
    ].join('\n'));
    const init = listen(path);
    try {
      const out = execFileSync(process.execPath, [child, path], { encoding: 'utf8' });
      expect(out).toBe(`65534 ${path}: cannot open (EACCES)\n`);
      expect(decodeInitRequest(init.read())).toMatchObject({ magic: INIT_MAGIC, runlevel: '0' });
    } finally {
      init.close();
    }
  });
});
