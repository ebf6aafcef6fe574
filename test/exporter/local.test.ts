// The exporter's LOCAL lines (issue 18): UPSes read straight from their driver sockets, no upsd
// anywhere. As root with real hardnut dummy-ups drivers: the exporter (a root parent that only
// connects, and the jailed exporter it passes the sockets to) serves the driver's values, follows
// a change, calls the UPS stale when the driver dies and finds it again when it comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExporterConf } from '../../src/exporter/config.js';
import { hasExecutable, hasRefNut, refNut, requirePeer, requireRoot, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, runHardnut, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, type Proc, type TestDir } from '../support/stack.js';
import { childPids, statusField } from '../interop/upsmon-stack.js';
import { devText, httpGet, sample } from './stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

function requireStack(ctx: SkipContext): void {
  requireRoot(ctx, 'root: the exporter jails itself as nobody and the driver drops to nut (CI runs as root)');
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

/** ups.conf with dummy-ups UPSes `u` (a .dev file, rewritten by the test) and `s` (a .seq), and exporter.conf reading both locally. */
function localDir(port: number): TestDir {
  const d = makeTestDir({
    'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.dev\n\tdesc = "Local UPS"\n[s]\n\tdriver = dummy-ups\n\tport = s.seq\n',
    'u.dev': devText('OL', 91, 17),
    's.seq': 'battery.charge: 80\nups.status: OL CHRG\nTIMER 3600\n',
    'exporter.conf': `LISTEN 127.0.0.1 ${String(port)}\nLOCAL u\nLOCAL s\nPOLLINTERVAL 1\nMAXAGE 4\n`,
  });
  cleanups.push(() => d.cleanup());
  return d;
}

/** The inode of the TCP socket listening on 127.0.0.1:port (/proc/net/tcp, state 0A). */
function listenerInode(port: number): string {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = readFileSync('/proc/net/tcp', 'latin1').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === local && f[3] === '0A');
  return line?.[9] ?? 'none';
}

/** The socket inodes a process holds. */
function socketInodes(pid: number): string[] {
  return readdirSync(`/proc/${String(pid)}/fd`).flatMap((fd) => {
    try { return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${String(pid)}/fd/${fd}`))?.[1] ?? []].flat(); } catch { return []; }
  });
}

function setDev(d: TestDir, text: string): void {
  const f = join(d.etc, 'u.dev');
  writeFileSync(f, text);
  // a new mtime even within the same second, so dummy-ups sees the change
  const t = new Date(Date.now() + 2000);
  utimesSync(f, t, t);
}

describe('exporter.conf LOCAL lines', () => {
  it('are parsed with their line; a bad or repeated one, or a SERVER named local beside them, names file:line', () => {
    const ok = parseExporterConf('LOCAL u\nLOCAL s\n', 'e.conf');
    expect(ok.errors).toEqual([]);
    expect(ok.conf.locals).toEqual([{ ups: 'u', line: 1 }, { ups: 's', line: 2 }]);
    const bad = parseExporterConf('LOCAL u\nLOCAL u\nLOCAL a b\nLOCAL "x y"\nSERVER local 127.0.0.1\n', 'e.conf');
    expect(bad.errors.map((e) => e.message)).toEqual([
      "e.conf:2: LOCAL: UPS 'u' given twice",
      'e.conf:3: LOCAL <ups> (a UPS of ups.conf)',
      "e.conf:4: LOCAL: UPS name 'x y' must be letters, digits, '_', '.', '-' (up to 64)",
      "e.conf:5: SERVER local: the name is the server label of the LOCAL lines' UPSes",
    ]);
  });

  it('a LOCAL UPS that ups.conf lacks stops the exporter with file:line before anything starts', async () => {
    const d = makeTestDir({ 'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'exporter.conf': 'LOCAL u\nLOCAL nosuch\n' });
    cleanups.push(() => d.cleanup());
    const r = await runHardnut(['exporter', '-r', join(d.root, 'jail')], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(d.etc, 'exporter.conf')}:2: LOCAL nosuch: no [nosuch] section in ${join(d.etc, 'ups.conf')}`);
  });
});

describe('the exporter reading driver sockets, no upsd', () => {
  it("serves the driver's values, follows a change, goes stale when the driver dies or hangs and recovers when it returns; the reader is jailed", async (ctx) => {
    requireStack(ctx);
    const port = await freePort();
    const d = localDir(port);
    const drivers: Record<string, Proc> = {};
    for (const ups of ['u', 's']) {
      drivers[ups] = track(startHardnutDriver(d, 'dummy-ups', ups));
      await waitForSocket(join(d.state, `dummy-ups-${ups}`), 30_000);
    }
    const jail = join(d.root, 'jail');
    const exporter = track(startProcess(process.execPath, [HARDNUT, 'exporter', '-D', '-r', jail], d.env));
    const url = `http://127.0.0.1:${String(port)}`;
    const metrics = async (): Promise<string> => {
      if (exporter.child.exitCode !== null || exporter.child.signalCode !== null) throw new Error(`the exporter exited: ${exporter.output()}`);
      try { const r = await httpGet(`${url}/metrics`); return r.status === 200 ? r.body : ''; } catch { return ''; }
    };
    const u = { server: 'local', ups: 'u' };
    const s = { server: 'local', ups: 's' };
    const until = (what: string, pred: (m: string) => boolean, ms = 30_000): Promise<string> =>
      waitFor(what, async () => { const m = await metrics(); return pred(m) ? m : undefined; }, ms, 200)
        .catch(async (e: unknown) => { throw new Error(`${(e as Error).message}\n${exporter.output()}\nlast /metrics:\n${await metrics()}`); });

    // the driver's values, with the server label "local"
    let m = await until('both local UPSes up', (t) => sample(t, 'network_ups_tools_up', u) === 1 && sample(t, 'network_ups_tools_up', s) === 1);
    expect(sample(m, 'network_ups_tools_battery_charge', u)).toBe(91);
    expect(sample(m, 'network_ups_tools_ups_load', u)).toBe(17);
    expect(sample(m, 'network_ups_tools_ups_status', { ...u, flag: 'OL' })).toBe(1);
    expect(sample(m, 'network_ups_tools_ups_status', { ...u, flag: 'OB' })).toBe(0);
    expect(sample(m, 'network_ups_tools_battery_charge', s)).toBe(80);
    expect(sample(m, 'network_ups_tools_ups_status', { ...s, flag: 'CHRG' })).toBe(1);
    expect(sample(m, 'network_ups_tools_server_up', { server: 'local' })).toBe(1);
    const api = JSON.stringify(JSON.parse((await httpGet(`${url}/api/v1/servers`)).body) as unknown);
    expect(api).toContain('"local"');
    // the JSON API has the UPS, with its ups.conf description
    const one = (await httpGet(`${url}/api/v1/ups/local/u`)).body;
    expect(one).toContain('battery.charge');
    expect(one).toContain('"Local UPS"');
    // the status page (server-rendered) shows both, with their status
    const page = (await httpGet(`${url}/`)).body;
    expect(page).toMatch(/id="ups-local-u" data-status="OL"/);
    expect(page).toMatch(/id="ups-local-s" data-status="OL CHRG"/);

    // confined: the process that reads the sockets is nobody, in the jail, under seccomp; its parent connects only
    const parent = exporter.child.pid as number;
    const jailed = await waitFor('the jailed exporter', () => childPids(parent).find((p) => readFileSync(`/proc/${String(p)}/cmdline`, 'latin1').split('\0').includes('jailed')), 10_000);
    const st = readFileSync(`/proc/${String(jailed)}/status`, 'latin1');
    const nobody = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nobody:'))?.split(':')[2];
    expect(statusField(st, 'Uid').split(/\s+/)).toEqual([nobody, nobody, nobody, nobody]);
    expect(statusField(st, 'Seccomp')).toBe('2');
    expect(statusField(st, 'NoNewPrivs')).toBe('1');
    expect(statusField(st, 'CapEff')).toMatch(/^0+$/);
    expect(readlinkSync(`/proc/${String(jailed)}/root`)).toBe(jail);
    // the HTTP listener is the jailed child's: root holds no socket a client reaches
    const listener = listenerInode(port);
    expect(socketInodes(jailed)).toContain(listener);
    expect(socketInodes(parent)).not.toContain(listener);

    // a change in the driver shows up
    setDev(d, devText('OB DISCHRG', 55, 40));
    m = await until('u on battery at 55 %', (t) => sample(t, 'network_ups_tools_battery_charge', u) === 55);
    expect(sample(m, 'network_ups_tools_ups_status', { ...u, flag: 'OB' })).toBe(1);
    expect(sample(m, 'network_ups_tools_ups_status', { ...u, flag: 'OL' })).toBe(0);
    expect(sample(m, 'network_ups_tools_ups_load', u)).toBe(40);

    // the driver dies: u is stale (up 0, no values, a growing age); s is unaffected
    await (drivers.u as Proc).stop('SIGKILL');
    m = await until('u down', (t) => sample(t, 'network_ups_tools_up', u) === 0);
    expect(sample(m, 'network_ups_tools_stale', u)).toBe(1);
    expect(sample(m, 'network_ups_tools_battery_charge', u)).toBeUndefined();
    expect(sample(m, 'network_ups_tools_up', s)).toBe(1);
    const age1 = sample(m, 'network_ups_tools_data_age_seconds', u) as number;
    m = await until('u\'s data age growing', (t) => (sample(t, 'network_ups_tools_data_age_seconds', u) ?? 0) >= age1 + 2);
    expect(sample(m, 'network_ups_tools_up', u)).toBe(0);

    // the driver comes back: found again (the root parent reconnects on the jailed side's request)
    setDev(d, devText('OL', 66, 12));
    const again = track(startHardnutDriver(d, 'dummy-ups', 'u'));
    m = await until('u up again at 66 %', (t) => sample(t, 'network_ups_tools_up', u) === 1 && sample(t, 'network_ups_tools_battery_charge', u) === 66, 45_000);
    expect(sample(m, 'network_ups_tools_ups_status', { ...u, flag: 'OL' })).toBe(1);

    // a driver that hangs with its socket open (no reply to PING): stale after upsd's MAXAGE of
    // silence (15 s, local-state.ts), never served as fresh; it answers again: fresh again
    const hungAt = Date.now();
    process.kill(again.child.pid as number, 'SIGSTOP');
    try {
      m = await until('u stale while its driver hangs', (t) => sample(t, 'network_ups_tools_up', u) === 0, 45_000);
      expect(Date.now() - hungAt, 'not before MAXAGE').toBeGreaterThanOrEqual(15_000);
      expect(sample(m, 'network_ups_tools_battery_charge', u)).toBeUndefined();
      expect(sample(m, 'network_ups_tools_up', s)).toBe(1);
    } finally { process.kill(again.child.pid as number, 'SIGCONT'); }
    await until('u fresh again', (t) => sample(t, 'network_ups_tools_up', u) === 1, 45_000);

    // SIGTERM to the parent ends both, with status 0
    const code = await exporter.stop();
    expect(code, exporter.output()).toBe(0);
    expect(existsSync(`/proc/${String(jailed)}`), 'the jailed exporter ended with its parent').toBe(false);
  }, 240_000);
});

describe("the exporter reading a real NUT driver's socket", () => {
  it("Debian's dummy-ups: its values under server=\"local\", found by NUT's socket naming", async (ctx) => {
    requireStack(ctx);
    requirePeer(ctx, hasRefNut(), "Debian's NUT (apt-get install nut-server)");
    const port = await freePort();
    const d = localDir(port);
    writeFileSync(join(d.etc, 'exporter.conf'), `LISTEN 127.0.0.1 ${String(port)}\nLOCAL u\nPOLLINTERVAL 1\nMAXAGE 4\n`);
    track(startProcess(refNut.dummyUps, ['-a', 'u', '-F', ...userArgs()], d.env));
    await waitForSocket(join(d.state, 'dummy-ups-u'), 30_000);
    const exporter = track(startProcess(process.execPath, [HARDNUT, 'exporter', '-r', join(d.root, 'jail')], d.env));
    const m = await waitFor('u up', async () => {
      try { const t = (await httpGet(`http://127.0.0.1:${String(port)}/metrics`)).body; return sample(t, 'network_ups_tools_up', { server: 'local', ups: 'u' }) === 1 ? t : undefined; } catch { return undefined; }
    }, 30_000, 200).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${exporter.output()}`); });
    expect(sample(m, 'network_ups_tools_battery_charge', { server: 'local', ups: 'u' })).toBe(91);
    expect(sample(m, 'network_ups_tools_ups_status', { server: 'local', ups: 'u', flag: 'OL' })).toBe(1);
  }, 90_000);
});

// The attack model of upsmon's LOCALMONITOR test: code running in the real jailed exporter after it
// confined itself (a module preloaded through NODE_OPTIONS, which the child inherits; no hook in
// hardnut) writes on its real IPC descriptor (fd 3) with the child's own rights.
describe('the IPC channel from the jailed exporter to its root parent is bounded', () => {
  it('an endless message: root reads no more than the bound, kills the child and exits 1; a request for a UPS not in LOCAL gets nothing', async (ctx) => {
    requireStack(ctx);
    const port = await freePort();
    const d = localDir(port);
    for (const ups of ['u', 's']) {
      track(startHardnutDriver(d, 'dummy-ups', ups));
      await waitForSocket(join(d.state, `dummy-ups-${ups}`), 30_000);
    }
    const exploit = join(d.root, 'exploit.mjs');
    writeFileSync(exploit, [
      "import { writeSync } from 'node:fs';",
      "if (process.argv.includes('jailed')) {",
      "  const say = (m) => process.stderr.write(`exploit: uid ${process.getuid()} ${m}\\n`);",
      "  process.on('message', (m, h) => { if (m && (m.ups === 'other' || m.ups === 'u')) say(`got a reply for ${m.ups}${h ? ' with a descriptor' : ''}`); });",
      "  process.on('SIGURG', () => { process.send({ t: 'local-connect', ups: 'other' }); process.send({ t: 'local-connect', ups: 'u' }); say('asked for other, then u'); });",
      "  process.on('SIGUSR2', () => {",
      "    const chunk = Buffer.alloc(65536, 0x41);",
      "    chunk.write('{\"t\":\"local-connect\",\"ups\":\"');",
      '    let sent = 0;',
      '    const pump = () => {',
      "      try { sent += writeSync(3, chunk); } catch (e) { if (e.code !== 'EAGAIN') { say(`stopped after ${sent} bytes: ${e.code}`); return; } }",
      "      if (sent < 64 * 1024 * 1024) setImmediate(pump); else say('wrote 64 MiB');",
      '    };',
      "    say('starts an endless message');",
      '    pump();',
      '  });',
      '}',
      '',
    ].join('\n'));
    // `other` has a driver socket too (ups.conf defines it), but no LOCAL line names it
    writeFileSync(join(d.etc, 'ups.conf'), `${readFileSync(join(d.etc, 'ups.conf'), 'latin1')}[other]\n\tdriver = dummy-ups\n\tport = u.dev\n`);
    track(startHardnutDriver(d, 'dummy-ups', 'other'));
    await waitForSocket(join(d.state, 'dummy-ups-other'), 30_000);
    const nodeOptions = [process.env['NODE_OPTIONS'], `--import=file://${exploit}`].filter((o) => o).join(' ');
    const exporter = track(startProcess(process.execPath, [HARDNUT, 'exporter', '-r', join(d.root, 'jail')], { ...d.env, NODE_OPTIONS: nodeOptions }));
    const parent = exporter.child.pid as number;
    const url = `http://127.0.0.1:${String(port)}/metrics`;
    await waitFor('the exporter serving u', async () => {
      try { return sample((await httpGet(url)).body, 'network_ups_tools_up', { server: 'local', ups: 'u' }) === 1; } catch { return false; }
    }, 30_000, 200).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${exporter.output()}`); });
    const jailed = await waitFor('the jailed exporter', () => childPids(parent).find((p) => readFileSync(`/proc/${String(p)}/cmdline`, 'latin1').split('\0').includes('jailed')), 10_000);
    expect(statusField(readFileSync(`/proc/${String(jailed)}/status`, 'latin1'), 'Seccomp')).toBe('2');

    // a UPS no LOCAL line names is not connected for the child, whatever ups.conf says; the request
    // after it is served (root handles them in order, so the first was dropped, not delayed)
    process.kill(jailed, 'SIGURG');
    await waitFor('the reply for u', () => /exploit: uid 65534 got a reply for u with a descriptor/.test(exporter.output()) || undefined, 20_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${exporter.output()}`); });
    expect(exporter.output()).not.toMatch(/got a reply for other/);

    process.kill(jailed, 'SIGUSR2');
    const code = await new Promise<number | null>((resolve) => exporter.child.once('exit', (c) => resolve(c)));
    expect(code, exporter.output()).toBe(1);
    expect(exporter.output()).toMatch(/exporter: the jailed exporter sent an IPC message longer than 4096 bytes: killing it/);
    expect(exporter.output()).toMatch(/exploit: uid 65534 starts an endless message/);
    expect(exporter.output()).not.toMatch(/exploit: uid 65534 wrote 64 MiB/);
    expect(existsSync(`/proc/${String(jailed)}`), 'the child is gone').toBe(false);
  }, 120_000);
});
