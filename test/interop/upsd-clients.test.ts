// Debian's NUT clients against hardnut's upsd (issue 3): upsc, upscmd, upsrw and PyNUT print exactly
// what they print against Debian's upsd, both servers serving the same driver socket (hardnut's
// dummy-ups). Also: hardnut's upsd serving Debian's dummy-ups, and the one-write LIST (a declared
// difference: same bytes, fewer packets, no delayed-ACK stall).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { hasExecutable, hasRefNut, refNut, requirePeer } from '../support/peers.js';
import {
  freePort, makeTestDir, run, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, writeFiles,
  type Proc, type TestDir,
} from '../support/stack.js';
import { ask, startDebianUpsd, startHardnutUpsd } from '../upsd/support/upsd-stack.js';

const DEV = readFileSync(new URL('../fixtures/ups1.dev', import.meta.url), 'utf8');
const UPS_CONF = '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "Static test UPS"\n[ghost]\n\tdriver = dummy-ups\n\tport = ghost.dev\n';
const USERS = '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tinstcmds = ALL\n[mon]\n\tpassword = monpass\n\tupsmon primary\n';
const PY = '/usr/bin/python3';
const UPSCMD = '/bin/upscmd';
const UPSRW = '/bin/upsrw';

const ready = hasRefNut() && hasExecutable(UPSCMD) && hasExecutable(UPSRW);
let shared: TestDir;
let debEtc: TestDir;
let hnEtc: TestDir;
const procs: Proc[] = [];
let debPort = 0;
let hnPort = 0;

beforeAll(async () => {
  if (!ready) return;
  [debPort, hnPort] = [await freePort(), await freePort()];
  // one state directory (one driver socket) for both servers; each server has its own etc
  shared = makeTestDir({ 'ups.conf': UPS_CONF, 'ups1.dev': DEV });
  debEtc = makeTestDir({ 'ups.conf': UPS_CONF, 'upsd.users': USERS, 'upsd.conf': `LISTEN 127.0.0.1 ${String(debPort)}\n` });
  hnEtc = makeTestDir({ 'ups.conf': UPS_CONF, 'upsd.users': USERS, 'upsd.conf': `LISTEN 127.0.0.1 ${String(hnPort)}\n` });
  for (const d of [debEtc, hnEtc]) d.env = { ...d.env, NUT_STATEPATH: shared.state, NUT_ALTPIDPATH: d.state };
  procs.push(startHardnutDriver(shared, 'dummy-ups', 'ups1'));
  await waitForSocket(join(shared.state, 'dummy-ups-ups1'));
  procs.push(await startDebianUpsd(debEtc, debPort));
  procs.push(await startHardnutUpsd(hnEtc, hnPort));
  for (const port of [debPort, hnPort]) {
    await waitFor('data', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 15_000, 100);
  }
}, 60_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  for (const d of [shared, debEtc, hnEtc]) d?.cleanup();
});

type Out = { code: number; stdout: string; stderr: string };
async function both(cmd: string, args: (port: number) => string[]): Promise<[Out, Out]> {
  return [await run(cmd, args(debPort), debEtc.env), await run(cmd, args(hnPort), hnEtc.env)];
}

describe("Debian's clients print the same against both servers", () => {
  const cases: Array<[string, string, (p: number) => string[]]> = [
    ['upsc -l', refNut.upsc, (p) => ['-l', `127.0.0.1:${String(p)}`]],
    ['upsc -L', refNut.upsc, (p) => ['-L', `127.0.0.1:${String(p)}`]],
    ['upsc ups', refNut.upsc, (p) => [`ups1@127.0.0.1:${String(p)}`]],
    ['upsc ups var', refNut.upsc, (p) => [`ups1@127.0.0.1:${String(p)}`, 'battery.charge']],
    ['upsc ups status', refNut.upsc, (p) => [`ups1@127.0.0.1:${String(p)}`, 'ups.status']],
    ['upsc: unknown UPS', refNut.upsc, (p) => [`nope@127.0.0.1:${String(p)}`]],
    ['upsc: unknown variable', refNut.upsc, (p) => [`ups1@127.0.0.1:${String(p)}`, 'no.such.var']],
    ['upsc: driver not connected', refNut.upsc, (p) => [`ghost@127.0.0.1:${String(p)}`]],
    ['upsc -c (LIST CLIENT)', refNut.upsc, (p) => ['-c', `ups1@127.0.0.1:${String(p)}`]],
    ['upsrw -l', UPSRW, (p) => [`ups1@127.0.0.1:${String(p)}`]],
    ['upscmd -l', UPSCMD, (p) => ['-l', `ups1@127.0.0.1:${String(p)}`]],
    ['upscmd -l: driver not connected', UPSCMD, (p) => ['-l', `ghost@127.0.0.1:${String(p)}`]],
    ['upsrw SET with credentials', UPSRW, (p) => ['-s', 'ups.id=hello', '-u', 'admin', '-p', 'adminpass', `ups1@127.0.0.1:${String(p)}`]],
    ['upsrw SET with a wrong password', UPSRW, (p) => ['-s', 'ups.id=hello', '-u', 'admin', '-p', 'nope', `ups1@127.0.0.1:${String(p)}`]],
    ['upsrw SET of a read-only variable', UPSRW, (p) => ['-s', 'device.type=x', '-u', 'admin', '-p', 'adminpass', `ups1@127.0.0.1:${String(p)}`]],
    ['upscmd INSTCMD with credentials', UPSCMD, (p) => ['-u', 'admin', '-p', 'adminpass', `ups1@127.0.0.1:${String(p)}`, 'load.off']],
    ['upscmd unknown command', UPSCMD, (p) => ['-u', 'admin', '-p', 'adminpass', `ups1@127.0.0.1:${String(p)}`, 'no.such.cmd']],
    ['upscmd without the right', UPSCMD, (p) => ['-u', 'mon', '-p', 'monpass', `ups1@127.0.0.1:${String(p)}`, 'load.off']],
  ];
  for (const [what, cmd, args] of cases) {
    it(what, async (ctx) => {
      requirePeer(ctx, ready, "Debian's NUT clients (apt-get install nut-client)");
      const [deb, hn] = await both(cmd, args);
      expect(deb.stdout + deb.stderr, 'Debian printed something').not.toBe('');
      expect(hn).toEqual(deb);
    });
  }

  it('PyNUT: GetUPSList, GetUPSVars, GetRWVars, GetUPSCommands, and a refused login', async (ctx) => {
    requirePeer(ctx, ready && hasExecutable(PY), 'python3-nut (PyNUT) for /usr/bin/python3');
    const script = [
      'import sys, PyNUT',
      'c = PyNUT.PyNUTClient(host="127.0.0.1", port=int(sys.argv[1]), login="admin", password="adminpass")',
      'print(sorted(c.GetUPSList().items()))',
      'print(sorted(c.GetUPSVars("ups1").items()))',
      'print(sorted(c.GetRWVars("ups1").items()))',
      'print(sorted(c.GetUPSCommands("ups1").items()))',
      'try:',
      '  PyNUT.PyNUTClient(host="127.0.0.1", port=int(sys.argv[1]), login="admin", password="wrong").GetUPSVars("nope")',
      'except Exception as e:',
      '  print("error:", e)',
    ].join('\n');
    const [deb, hn] = await both(PY, (p) => ['-c', script, String(p)]);
    expect(deb.code, deb.stderr).toBe(0);
    expect(deb.stdout).toContain("b'ups1'");
    expect(hn).toEqual(deb);
  });
});

describe('declared difference: a multi-line reply leaves in one write', () => {
  /** Sends LIST VAR `n` times on one plain connection; per reply: how many reads it took, and how long. */
  async function listTimings(port: number, n: number): Promise<{ chunks: number[]; ms: number[]; replies: string[] }> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    const chunks: number[] = [];
    const ms: number[] = [];
    const replies: string[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      let count = 0;
      let got = '';
      await new Promise<void>((resolve) => {
        const on = (d: Buffer): void => {
          count++;
          got += d.toString('latin1');
          if (got.endsWith('END LIST VAR ups1\n')) { s.removeListener('data', on); resolve(); }
        };
        s.on('data', on);
        s.write('LIST VAR ups1\n');
      });
      chunks.push(count);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      replies.push(got);
    }
    s.destroy();
    return { chunks, ms, replies };
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

  it('hardnut: each LIST arrives in one read, without the delayed-ACK stall NUT 2.8.0 costs; the bytes are the same', async (ctx) => {
    requirePeer(ctx, ready, "Debian's NUT");
    const hn = await listTimings(hnPort, 20);
    const deb = await listTimings(debPort, 20);
    console.log(`LIST VAR round trip, plain client: hardnut median ${median(hn.ms).toFixed(2)} ms in ${String(median(hn.chunks))} read(s); `
      + `Debian upsd median ${median(deb.ms).toFixed(2)} ms in ${String(median(deb.chunks))} read(s)`);
    expect(hn.chunks.every((c) => c === 1)).toBe(true);
    expect(median(hn.ms)).toBeLessThan(15);
    expect(median(deb.chunks)).toBeGreaterThan(1);
    expect(hn.replies[0]).toBe(deb.replies[0]);
  });
});

describe("hardnut's upsd serves Debian's dummy-ups", () => {
  const local: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => { for (const c of local.splice(0)) await c(); });

  it('upsc through hardnut prints the .dev values from Debian\'s driver', async (ctx) => {
    requirePeer(ctx, hasRefNut(), "Debian's NUT (dummy-ups)");
    const port = await freePort();
    const dir = makeTestDir();
    writeFiles(dir, {
      'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "Debian driver"\n',
      'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': USERS, 'ups1.dev': DEV,
    });
    const upsd = await startHardnutUpsd(dir, port);
    // stop the driver before upsd disconnects: Debian's 2.8.0 dummy-ups spins after a client leaves
    local.push(async () => { await upsd.stop(); dir.cleanup(); });
    const drv = startProcess(refNut.dummyUps, ['-a', 'ups1', '-F', ...userArgs()], dir.env);
    local.unshift(() => drv.stop());
    const out = await waitFor('data from Debian dummy-ups', async () => {
      const r = await run(refNut.upsc, [`ups1@127.0.0.1:${String(port)}`], dir.env);
      return r.code === 0 && r.stdout.includes('battery.charge: 100') ? r.stdout : undefined;
    }, 20_000, 200);
    expect(out).toContain('device.model: Static 1500');
    expect(out).toContain('driver.name: dummy-ups');
    expect(out).toContain('ups.status: OL');
    expect(out).toContain('x.quoted: two  words and "escaped"');
    expect(out).toMatch(/driver\.version: 2\.8\.0/);
  }, 60_000);
});
