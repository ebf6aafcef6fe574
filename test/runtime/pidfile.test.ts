// Pid and flag files in a directory someone else can write (issue 19): created anew, never
// through a planted link, and never waiting on a planted FIFO. The attacks against root-started
// processes are in root-files.test.ts; these hold for any user.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { readPid, readRegularFile, trustedPid, UnsafeFileError, writePidFile } from '../../src/runtime/pidfile.js';
import { writePowerDownFlag } from '../../src/upsmon/shared/shutdown.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'hn-pidfile-'));
  dirs.push(d);
  return d;
}

describe('writing', () => {
  it('a symlink planted at the pid file is replaced by a regular file; its target keeps its content', () => {
    const d = tmp();
    writeFileSync(join(d, 'victim'), 'precious\n');
    symlinkSync(join(d, 'victim'), join(d, 'upsd.pid'));
    writePidFile(join(d, 'upsd.pid'));
    expect(readFileSync(join(d, 'victim'), 'latin1')).toBe('precious\n');
    expect(lstatSync(join(d, 'upsd.pid')).isFile()).toBe(true);
    expect(readPid(join(d, 'upsd.pid'))).toBe(process.pid);
  });

  it('a reader never finds the pid file missing or empty while it is rewritten', async () => {
    // upsd -c, upsdrvctl stop and the duplicate-instance check read pid files while a daemon
    // (re)writes its own; between NUT's fopen and fprintf, or an unlink and a create, they found
    // nothing. A thread reads the file in a loop while this one rewrites it.
    const file = join(tmp(), 'upsd.pid');
    writePidFile(file);
    const state = new Int32Array(new SharedArrayBuffer(8)); // [0]: stop, [1]: reads so far
    const reader = new Worker([
      "const { readFileSync } = require('node:fs'); const { workerData: { file, state } } = require('node:worker_threads');",
      "let missing = 0, empty = 0;",
      "while (Atomics.load(state, 0) === 0) {",
      "  try { if (readFileSync(file, 'latin1') === '') empty++; } catch { missing++; }",
      "  Atomics.add(state, 1, 1);",
      "}",
      "require('node:worker_threads').parentPort.postMessage({ missing, empty });",
    ].join('\n'), { eval: true, workerData: { file, state } });
    const counts = new Promise<{ missing: number; empty: number }>((resolve, reject) => { reader.once('message', resolve); reader.once('error', reject); });
    // rewrite until the reader has read many times meanwhile, however slow its thread starts
    const READS = 20_000;
    let writes = 0;
    const end = Date.now() + 60_000;
    for (let from = Atomics.load(state, 1); Atomics.load(state, 1) - from < READS && Date.now() < end; writes++) writePidFile(file);
    Atomics.store(state, 0, 1);
    const seen = await counts;
    await reader.terminate();
    expect(Atomics.load(state, 1), 'reads while the file was rewritten').toBeGreaterThanOrEqual(READS);
    expect(seen, `over ${String(writes)} rewrites`).toEqual({ missing: 0, empty: 0 });
    expect(readPid(file)).toBe(process.pid);
    expect(readdirSync(dirname(file)), 'no temporary file left beside it').toEqual(['upsd.pid']);
  }, 90_000);

  it('POWERDOWNFLAG over a planted symlink or FIFO: a new regular file with the magic, nothing followed, nothing blocks', () => {
    const d = tmp();
    writeFileSync(join(d, 'victim'), 'precious\n');
    symlinkSync(join(d, 'victim'), join(d, 'killpower'));
    writePowerDownFlag(join(d, 'killpower'));
    expect(readFileSync(join(d, 'victim'), 'latin1')).toBe('precious\n');
    expect(readFileSync(join(d, 'killpower'), 'latin1')).toBe('upsmon-shutdown-file');
    rmSync(join(d, 'killpower'));
    execFileSync('mkfifo', [join(d, 'killpower')]);
    writePowerDownFlag(join(d, 'killpower')); // would hang here if it opened the FIFO for writing
    expect(lstatSync(join(d, 'killpower')).isFile()).toBe(true);
  });
});

describe('reading', () => {
  it('a FIFO or a symlink at a pid file is refused at once, not waited on or followed', () => {
    const d = tmp();
    execFileSync('mkfifo', [join(d, 'fifo.pid')]);
    expect(() => readRegularFile(join(d, 'fifo.pid'))).toThrow(UnsafeFileError);
    expect(readPid(join(d, 'fifo.pid'))).toBeUndefined();
    writeFileSync(join(d, 'real'), `${String(process.pid)}\n`);
    symlinkSync(join(d, 'real'), join(d, 'link.pid'));
    expect(() => readRegularFile(join(d, 'link.pid'))).toThrow(/symbolic link/);
    expect(trustedPid(join(d, 'link.pid'), 'upsd')).toEqual({ refused: `${join(d, 'link.pid')} is a symbolic link; refusing to follow it` });
    expect(trustedPid(join(d, 'none.pid'), 'upsd')).toEqual({ missing: true });
  });
});
