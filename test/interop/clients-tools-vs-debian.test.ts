// hardnut's upsc, upscmd, upsrw and upslog against Debian's, on the same Debian upsd (issue 3,
// item 5): same stdout, same stderr, same exit code, for normal and error cases.
//
// Two deliberate differences are normalised here, and nothing else: the version banner of the
// usage texts, and the "Init SSL without certificate database" notice Debian's NSS build of
// libupsclient prints on every connection (noise from a build option, not part of any output a
// script parses).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { hasRefNut, isRoot, requirePeer } from '../support/peers.js';
import { HARDNUT, run, runHardnut, waitFor } from '../support/stack.js';
import { startDebianStack, type DebianStack } from './clients-stack.js';

const peer = hasRefNut() && isRoot();
const PEER = "Debian's NUT (apt-get install nut-server nut-client) and root";
let stack: DebianStack;
/**
 * A port where nothing listens: tcpmux's port 1. A free port picked at start-up could be taken by
 * another test file's listener before this one connects (one CI run saw upslog connect there);
 * no test binds port 1, and the kernel never hands out a port below 1024 for port 0.
 */
const dead = 1;
beforeAll(async () => {
  if (!peer) return;
  stack = await startDebianStack();
}, 90_000);
afterAll(async () => { await stack?.close(); });

const NSS_NOTICE = /^Init SSL without certificate database\n/gm;
const normalise = (s: string): string => s.replace(NSS_NOTICE, '').replace(/^Network UPS Tools (\S+) .*$/gm, 'Network UPS Tools $1 <version>');

interface Outcome { code: number; stdout: string; stderr: string }

async function both(args: string[]): Promise<{ theirs: Outcome; ours: Outcome }> {
  const [tool, ...rest] = args as [string, ...string[]];
  // by name, not path: glibc's getopt messages start with argv[0]
  const theirs = await run(tool, rest, { ...stack.dir.env, PATH: `/bin:${stack.dir.env['PATH'] ?? ''}` });
  const ours = await runHardnut([tool, ...rest], stack.dir.env);
  return {
    theirs: { code: theirs.code, stdout: normalise(theirs.stdout), stderr: normalise(theirs.stderr) },
    ours: { code: ours.code, stdout: normalise(ours.stdout), stderr: normalise(ours.stderr) },
  };
}

/** Runs each case with both tools and expects identical outcomes. */
async function same(cases: string[][]): Promise<void> {
  for (const args of cases) {
    const { theirs, ours } = await both(args);
    expect(ours, args.join(' ')).toEqual(theirs);
  }
}

const H = (): string => `127.0.0.1:${stack.port}`;
const D = (): string => `127.0.0.1:${dead}`;
const AUTH = ['-u', 'admin', '-p', 'adminpass'];

describe('tools print what Debian\'s print', () => {
  it('upsc', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    await same([
      ['upsc', `ups1@${H()}`], ['upsc', `rwups@${H()}`], ['upsc', `ups1@${H()}`, 'ups.status'], ['upsc', `rwups@${H()}`, 'ups.mfr'],
      ['upsc', `ups1@${H()}`, 'ups.bogus'], ['upsc', `ups1@${H()}`, 'bogus'], ['upsc', `nope@${H()}`], ['upsc', `nope@${H()}`, 'ups.status'],
      ['upsc', '-l', H()], ['upsc', '-L', H()], ['upsc', '-c', `ups1@${H()}`], ['upsc', '-c', `nope@${H()}`],
      ['upsc', `ups1@${H()}`, 'server.version'], ['upsc', `ups1@${H()}`, 'a.b', 'extra'],
      ['upsc', `ups1@${D()}`], ['upsc', '-l', D()], ['upsc', 'ups1@nosuchhost.invalid'],
      ['upsc'], ['upsc', 'ups1@'], ['upsc', 'ups1@127.0.0.1:0'], ['upsc', 'ups1@127.0.0.1:abc'], ['upsc', '-l', '[::1'], ['upsc', '-l', '127.0.0.1:abc'],
    ]);
  }, 120_000);

  it('upscmd', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    await same([
      ['upscmd', '-l', `ups1@${H()}`], ['upscmd', '-l', `rwups@${H()}`], ['upscmd', '-l', `nope@${H()}`],
      ['upscmd', ...AUTH, `ups1@${H()}`, 'load.off'], ['upscmd', ...AUTH, '-w', `ups1@${H()}`, 'load.off'],
      ['upscmd', ...AUTH, '-w', `rwups@${H()}`, 'test.battery.start.quick'], ['upscmd', ...AUTH, '-w', `rwups@${H()}`, 'test.battery.start.quick', '15'],
      ['upscmd', '-u', 'admin', '-p', 'wrong', `ups1@${H()}`, 'load.off'], ['upscmd', '-u', 'reader', '-p', 'readerpass', `ups1@${H()}`, 'load.off'],
      ['upscmd', ...AUTH, `ups1@${H()}`, 'bogus.cmd'], ['upscmd', ...AUTH, `ups1@${H()}`, 'bogus'], ['upscmd', ...AUTH, `nope@${H()}`, 'load.off'],
      ['upscmd', ...AUTH, '-w', '-t', '0', `ups1@${H()}`, 'load.off'], ['upscmd', '-t', 'abc', `ups1@${H()}`, 'load.off'],
      ['upscmd', ...AUTH, `ups1@${D()}`, 'load.off'], ['upscmd', 'ups1@', 'load.off'], ['upscmd', ...AUTH, `ups1@${H()}`],
      ['upscmd'], ['upscmd', '-h'], ['upscmd', '-x'], ['upscmd', '-u'],
    ]);
  }, 120_000);

  it('upsrw, with ENUM, RANGE and STRING variables', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    await same([
      ['upsrw', `rwups@${H()}`], ['upsrw', `ups1@${H()}`], ['upsrw', `nope@${H()}`], ['upsrw', '-l', `rwups@${H()}`],
      ['upsrw', '-s', 'ups.delay.shutdown=30', ...AUTH, `ups1@${H()}`], ['upsrw', '-s', 'ups.delay.shutdown=25', ...AUTH, '-w', `ups1@${H()}`],
      ['upsrw', '-s', 'input.transfer.low=170', ...AUTH, '-w', `rwups@${H()}`], ['upsrw', '-s', 'ups.test.interval=7', ...AUTH, '-w', `rwups@${H()}`],
      ['upsrw', `rwups@${H()}`],
      ['upsrw', '-s', 'input.transfer.low=155', ...AUTH, `rwups@${H()}`], ['upsrw', '-s', 'ups.id=waytoolong', ...AUTH, `rwups@${H()}`],
      ['upsrw', '-s', 'battery.charge=5', ...AUTH, `rwups@${H()}`], ['upsrw', '-s', 'ups.id=two words', ...AUTH, `rwups@${H()}`],
      ['upsrw', '-s', 'ups.delay.shutdown=30', '-u', 'admin', '-p', 'wrong', `ups1@${H()}`],
      ['upsrw', '-s', 'bogus=30', ...AUTH, `ups1@${H()}`], ['upsrw', '-s', 'bogus.var=30', ...AUTH, `ups1@${H()}`],
      ['upsrw', '-s', 'x.y=1', '-l', `rwups@${H()}`], ['upsrw', '-t', 'abc', `ups1@${H()}`], ['upsrw', `ups1@${D()}`],
      ['upsrw'], ['upsrw', '-h'], ['upsrw', '-V'],
    ]);
  }, 120_000);

  it('errors while the driver is stale, then gone', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const cases = [
      ['upsc', `rwups@${H()}`], ['upsc', `rwups@${H()}`, 'ups.status'], ['upscmd', '-l', `rwups@${H()}`], ['upsrw', `rwups@${H()}`],
      ['upscmd', ...AUTH, `rwups@${H()}`, 'beeper.toggle'], ['upsrw', '-s', 'ups.id=x', ...AUTH, `rwups@${H()}`],
    ];
    stack.fake.state.dataStale();
    await waitFor('stale', async () => (await run('/bin/upsc', [`rwups@${H()}`, 'ups.status'], stack.dir.env)).stderr.includes('Data stale'), 10_000, 100);
    await same(cases);
    const { ours } = await both(['upsc', `rwups@${H()}`, 'ups.status']);
    expect(ours).toEqual({ code: 1, stdout: '', stderr: 'Error: Data stale\n' });
    stack.fake.state.dataOk();
    await stack.fake.stop();
    await waitFor('driver gone', async () => (await run('/bin/upsc', [`rwups@${H()}`, 'ups.status'], stack.dir.env)).stderr.includes('Driver not connected'), 10_000, 100);
    try {
      await same(cases);
      const gone = await both(['upsc', `rwups@${H()}`]);
      expect(gone.ours).toEqual({ code: 1, stdout: '', stderr: 'Error: Driver not connected\n' });
    } finally {
      await stack.fake.start();
      await waitFor('rwups back', async () => (await run('/bin/upsc', [`rwups@${H()}`, 'ups.status'], stack.dir.env)).code === 0, 20_000, 200);
    }
  }, 120_000);
});

describe('hardnut tool behaviour beyond NUT 2.8.0', () => {
  it('upsc -j prints NUT master\'s JSON', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const vars = await runHardnut(['upsc', '-j', `ups1@${H()}`], stack.dir.env);
    expect(vars.code).toBe(0);
    const parsed = JSON.parse(vars.stdout) as Record<string, string>;
    expect(parsed['ups.status']).toBe('OL');
    expect(vars.stdout.startsWith('{\n  "')).toBe(true);
    expect((await runHardnut(['upsc', '-j', '-l', H()], stack.dir.env)).stdout).toBe('[\n  "ups1",\n  "rwups"\n]\n');
    expect((await runHardnut(['upsc', '-j', '-L', H()], stack.dir.env)).stdout).toBe('{\n  "ups1": "hardnut driver",\n  "rwups": "simulated in the test"\n}\n');
    expect((await runHardnut(['upsc', '-j', `rwups@${H()}`, 'ups.mfr'], stack.dir.env)).stdout).toBe('"Fake \\"Quoted\\" Inc."\n');
    expect(await runHardnut(['upsc', '-j', `ups1@${H()}`, 'ups.bogus'], stack.dir.env))
      .toEqual({ code: 1, stdout: '{"error": "Variable not supported by UPS"}\n', stderr: 'Error: Variable not supported by UPS\n' });
    expect(await runHardnut(['upsc', '-j', `nope@${H()}`], stack.dir.env))
      .toEqual({ code: 1, stdout: '{\n  "error": "Unknown UPS"\n}\n', stderr: 'Error: Unknown UPS\n' });
    expect((await runHardnut(['upsc', '-j', `ups1@${D()}`], stack.dir.env)).stdout).toBe('{"error": "Connection failure: Connection refused"}\n');
  });

  it('missing credentials are asked for on a terminal only', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const r = await runHardnut(['upscmd', `ups1@${H()}`, 'load.off'], stack.dir.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: no username given (use -u) and stdin is not a terminal to ask for one\n');
    const p = await runHardnut(['upsrw', '-s', 'ups.id=x', '-u', 'admin', `ups1@${H()}`], stack.dir.env);
    expect(p.stderr).toBe('Error: no password given (use -p) and stdin is not a terminal to ask for one\n');
    const v = await runHardnut(['upsrw', '-s', 'ups.id', ...AUTH, `ups1@${H()}`], stack.dir.env);
    expect([v.code, v.stderr]).toEqual([1, 'Error: no value given for ups.id (use -s ups.id=VALUE) and stdin is not a terminal to ask for one\n']);
  });
});

describe('upslog', () => {
  it('logs the same line as Debian\'s upslog for the same format', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const format = '%VAR ups.status% %VAR battery.charge% %VAR bogus% %VAR no.such% [%UPSHOST%] %% %foo% %VAR%';
    const theirs = await firstLine('/bin/upslog', ['-s', `ups1@${H()}`, '-l', '-', '-i', '1', '-f', format, ...asRoot()]);
    const ours = await runHardnut(['upslog', '-s', `ups1@${H()}`, '-l', '-', '-i', '1', '-d', '1', '-f', format], stack.dir.env);
    expect(ours.code).toBe(0);
    const lines = ours.stdout.split('\n');
    expect(lines[0]).toMatch(/^Network UPS Tools upslog /);
    expect(lines[1]).toBe(`logging status of ups1@${H()} to - (1s intervals)`);
    expect(lines[2]).toBe(theirs);
    expect(theirs).toBe(`OL 100 INVALID NA [ups1@${H()}] % INVALID INVALID`);
  });

  it('writes a line per interval, to a file, until -d lines are done', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const file = join(stack.dir.state, 'interval.log');
    const t0 = Date.now();
    const r = await runHardnut(['upslog', '-s', `ups1@${H()}`, '-l', file, '-i', '1', '-d', '4', '-F', '-f', '%ETIME% %VAR ups.status%'], stack.dir.env);
    const took = Date.now() - t0;
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    const times = lines.map((l) => Number(l.split(' ')[0]));
    for (const l of lines) expect(l).toMatch(/^\d+ OL$/);
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(2);
    expect(times[3]! - times[0]!).toBeLessThanOrEqual(4);
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(existsSync(join(stack.dir.state, 'upslog.pid'))).toBe(false);
  });

  it('several UPSes with -m, every UPS of a server with *', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const a = join(stack.dir.state, 'a.log');
    const b = join(stack.dir.state, 'b.log');
    const r = await runHardnut(['upslog', '-m', `ups1@${H()},${a}`, '-m', `rwups@${H()},${b}`, '-m', `rwups@${H()},${a}`, '-i', '1', '-d', '2', '-F', '-f', '%UPSHOST% %VAR ups.status%'], stack.dir.env);
    expect(r.code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(`ups1@${H()} OL\nrwups@${H()} OL\nups1@${H()} OL\nrwups@${H()} OL\n`);
    expect(readFileSync(b, 'utf8')).toBe(`rwups@${H()} OL\nrwups@${H()} OL\n`);
    const all = await runHardnut(['upslog', '-m', `*@${H()},-`, '-i', '1', '-d', '1', '-N', '-f', '%VAR ups.status%'], stack.dir.env);
    expect(all.stdout.split('\n').slice(-3)).toEqual([`ups1@${H()}\tOL`, `rwups@${H()}\tOL`, '']);
  });

  it('a server that is down gives NA lines and a warning; SIGHUP reopens the log, SIGTERM ends it', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const down = await runHardnut(['upslog', '-s', `ups1@${D()}`, '-l', '-', '-i', '1', '-d', '2'], stack.dir.env);
    expect(down.stderr).toContain('Warning: initial connect failed: Connection failure: Connection refused\n');
    expect(down.stdout.split('\n').slice(2, 4).map((l) => l.replace(/^\d{8} \d{6} /, ''))).toEqual(['NA NA NA [NA] NA NA', 'NA NA NA [NA] NA NA']);

    const file = join(stack.dir.state, 'hup.log');
    const child = spawn(process.execPath, [HARDNUT, 'upslog', '-s', `ups1@${H()}`, '-l', file, '-i', '1', '-F', '-f', '%VAR ups.status%'], { env: stack.dir.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('first line', () => existsSync(file) && readFileSync(file, 'utf8').includes('OL'), 10_000);
    renameSync(file, `${file}.1`);
    child.kill('SIGHUP');
    await waitFor('lines in the new file', () => existsSync(file) && readFileSync(file, 'utf8').includes('OL'), 10_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('Signal 1: reopening log file');
    expect(stderr).toContain('Signal 15: exiting');
  });
});

function asRoot(): string[] {
  return ['-u', 'root'];
}

/** Runs Debian's upslog until its first log line (the third stdout line) and returns it. */
function firstLine(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: stack.dir.env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no line from upslog: ${JSON.stringify(out)}`)); }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      const line = lines.find((l) => !l.startsWith('Network UPS Tools') && !l.startsWith('logging status'));
      if (line !== undefined && lines.length > lines.indexOf(line) + 1) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(line);
      }
    });
  });
}
