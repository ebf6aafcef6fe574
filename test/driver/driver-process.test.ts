// hardnut's driver as a real process: its socket, signals, pid file, config errors, and hostile
// clients on its socket (issue 2 item 7).
import { describe, it, expect, afterEach } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { requireRoot } from '../support/peers.js';
import {
  HARDNUT, makeTestDir, rssKiB, runHardnut, startHardnutDriver, startProcess, talk, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
function track(p: Proc): Proc { cleanups.push(() => p.stop()); return p; }

const DEV = 'ups.mfr: Test\nups.status: OL\nbattery.charge: 90\n';
function setup(ups = '[u1]\n\tdriver = dummy-ups\n\tport = u1.dev\n'): TestDir {
  const d = makeTestDir({ 'ups.conf': ups, 'u1.dev': DEV });
  cleanups.push(() => d.cleanup());
  return d;
}
async function started(d: TestDir, extra: string[] = []): Promise<{ proc: Proc; sock: string }> {
  const proc = track(startHardnutDriver(d, 'dummy-ups', 'u1', extra));
  const sock = join(d.state, 'dummy-ups-u1');
  await waitForSocket(sock);
  return { proc, sock };
}

describe('driver socket', () => {
  it('is a socket of mode 0660, serves several clients, and SIGTERM removes it', async () => {
    const d = setup();
    const { proc, sock } = await started(d);
    const st = lstatSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    const replies = await Promise.all([1, 2, 3].map(() => talk(sock, 'PING\n', /PONG\n/)));
    expect(replies).toEqual(['PONG\n', 'PONG\n', 'PONG\n']);
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(join(d.state, 'dummy-ups-u1.pid'))).toBe(false);
  });

  it('replaces a stale socket left by a dead driver', async () => {
    const d = setup();
    const stale = net.createServer().listen(join(d.state, 'dummy-ups-u1'));
    await new Promise((r) => stale.once('listening', r));
    // close the listener without unlinking the file, as a killed driver leaves it
    (stale as unknown as { _handle: { close(): void } | null })._handle?.close();
    const { sock } = await started(d);
    expect(await talk(sock, 'PING\n', /PONG/)).toBe('PONG\n');
  });

  it('refuses a symlink or a regular file where its socket belongs, and starts nothing', async () => {
    for (const plant of ['symlink', 'file'] as const) {
      const d = setup();
      const path = join(d.state, 'dummy-ups-u1');
      if (plant === 'symlink') symlinkSync('/etc/passwd', path); else writeFileSync(path, 'not a socket');
      const r = await runHardnutDriverOnce(d);
      expect(r.code, plant).toBe(1);
      expect(r.stderr).toMatch(plant === 'symlink' ? /symbolic link/ : /not a socket/);
      expect(lstatSync(path).isSocket()).toBe(false);
      if (plant === 'file') expect(readFileSync(path, 'utf8')).toBe('not a socket');
    }
  });

  it('answers DUMPVALUE, DUMPSTATUS, GETPID, LOGOUT and NOBROADCAST/BROADCAST', async () => {
    const d = setup();
    const { proc, sock } = await started(d);
    expect(await talk(sock, 'DUMPVALUE battery.charge\n', /DUMPDONE\n/)).toBe('SETINFO battery.charge "90"\nSETFLAGS battery.charge RW\nDATAOK\nDUMPDONE\n');
    expect(await talk(sock, 'DUMPSTATUS\n', /DUMPDONE\n/)).toBe('SETINFO ups.status "OL"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\nDATAOK\nDUMPDONE\n');
    expect(await talk(sock, 'GETPID\n', /\n/)).toBe(`PID ${proc.child.pid}\n`);
    expect(await talk(sock, 'LOGOUT\n', /\n/)).toBe('OK Goodbye\n');

    // one client with broadcasts, one without; a SET from a third changes a value
    const collect = (cmd: string): { sock: net.Socket; data: () => string } => {
      const s = net.createConnection(sock);
      let got = '';
      s.on('data', (b: Buffer) => { got += b.toString(); });
      s.write(cmd);
      return { sock: s, data: () => got };
    };
    const loud = collect('PING\n');
    const quiet = collect('NOBROADCAST\nPING\n');
    await waitFor('pongs', () => loud.data().includes('PONG') && quiet.data().includes('PONG'));
    // the asking client gets its TRACKING result (and, broadcasts being on, the change itself)
    expect(await talk(sock, 'SET battery.charge "55" TRACKING abc-1\n', /TRACKING .*\n/)).toMatch(/TRACKING abc-1 0\n$/);
    await waitFor('broadcast', () => loud.data().includes('SETINFO battery.charge "55"'));
    expect(await talk(sock, 'INSTCMD load.off TRACKING id-2\n', /TRACKING .*\n/)).toBe('TRACKING id-2 1\n');
    // a barrier, not a sleep: the driver answers a client in order, so a PONG asked for now comes
    // after anything it had already sent that client
    const pong = async (c: { sock: net.Socket; data: () => string }): Promise<void> => {
      const n = c.data().split('PONG\n').length;
      c.sock.write('PING\n');
      await waitFor('PONG', () => c.data().split('PONG\n').length > n || undefined);
    };
    await pong(quiet);
    expect(quiet.data()).toBe('PONG\nPONG\n');
    // a SET to the same value is not broadcast again
    const before = loud.data();
    await talk(sock, 'SET battery.charge "55" TRACKING abc-3\n', /TRACKING .*\n/);
    await pong(loud);
    expect(loud.data()).toBe(`${before}PONG\n`);
    loud.sock.destroy();
    quiet.sock.destroy();
  });
});

/** Starts a driver expected to fail at once; returns its exit code and stderr. */
async function runHardnutDriverOnce(d: TestDir, ups = 'u1', extra: string[] = []) {
  return runHardnut(['dummy-ups', '-a', ups, '-F', ...extra], d.env, 15_000);
}

describe('bad config stops the driver before anything starts', () => {
  it('a malformed ups.conf: exit 1, file:line, no socket, no pid file', async () => {
    const d = setup('[u1]\n\tdriver = dummy-ups\n\tport = u1.dev\n\tdesc = "unbalanced # quote"\n');
    const r = await runHardnutDriverOnce(d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(d.etc, 'ups.conf')}:4`);
    expect(existsSync(join(d.state, 'dummy-ups-u1'))).toBe(false);
    expect(existsSync(join(d.state, 'dummy-ups-u1.pid'))).toBe(false);
  });

  it('an unknown driver variable, a missing section, a wrong driver name, a bad pollinterval', async () => {
    const d = setup('[u1]\n\tdriver = dummy-ups\n\tport = u1.dev\n\tbogus = 1\n[u2]\n\tdriver = apcsmart\n\tport = /dev/null\n[u3]\n\tdriver = dummy-ups\n\tport = u1.dev\n');
    const bogus = await runHardnutDriverOnce(d);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain(`${join(d.etc, 'ups.conf')}:4: 'bogus' is not a valid variable name for driver dummy-ups`);
    expect((await runHardnutDriverOnce(d, 'nope')).stderr).toMatch(/Section nope not found in ups.conf/);
    expect((await runHardnutDriverOnce(d, 'u2')).stderr).toMatch(/UPS \[u2\] is for driver apcsmart, but I'm dummy-ups/);
    const e = await runHardnutDriverOnce(d, 'u3', ['-i', '0']);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toMatch(/invalid pollinterval/);
  });
});

describe('foreground logs (NUT-like)', () => {
  it('-DDD: the data file, the socket, each poll, who connects and what changed, stamped like NUT', async () => {
    const d = setup();
    const { proc, sock } = await started(d, ['-DDD', '-i', '1']);
    await talk(sock, 'PING\n', /PONG\n/);
    await waitFor('a poll', () => proc.output().includes('[D1] upsdrv_updateinfo...'));
    writeFileSync(join(d.etc, 'u1.dev'), DEV.replace('battery.charge: 90', 'battery.charge: 42'));
    const out = await waitFor('the change broadcast', () => (proc.output().includes('SETINFO battery.charge "42"') ? proc.output() : undefined), 15_000);
    expect(out).toMatch(/^ {3}0\.\d{6}\tDebug level is 3, backgrounding mode requested as off$/m);
    expect(out).toContain(`[D1] Dummy (simulation) mode using data read once from ${join(d.etc, 'u1.dev')}`);
    expect(out).toContain(`[D2] dstate_init: sock ${sock} open`);
    expect(out).toContain('[D2] sock_connect: new client (1 connected)');
    expect(out).toContain('[D2] sock_close: client gone (0 connected)');
    expect(out).toContain('[D2] upsdrv_updateinfo: input file was already read once to the end, but changed later - re-reading');
    expect(out).toContain('[D3] send_to_all: SETINFO battery.charge "42"');
  });

  it('without -D: no debug lines and no time stamps', async () => {
    const d = setup();
    const { proc, sock } = await started(d);
    const quiet = net.createConnection(sock);
    quiet.write('INSTCMD no.such.cmd\n');
    await waitFor('the notice', () => proc.output().includes('instcmd: unknown command'));
    quiet.destroy();
    expect(proc.output()).toMatch(/^instcmd: unknown command \[no\.such\.cmd\] \[\(null\)\]$/m);
    expect(proc.output()).not.toContain('[D');
  });

  it('a state directory nut cannot write: names the directory, its owner and the chown/chmod', async (ctx) => {
    requireRoot(ctx);
    const d = setup();
    chownSync(d.state, 0, 0);
    chmodSync(d.state, 0o755);
    const r = await runHardnutDriverOnce(d, 'u1', userArgs());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Can't create the driver socket ${join(d.state, 'dummy-ups-u1')}: user nut may not write to the state directory ${d.state} (owner uid 0, group root, mode 0755). Fix: chown root:nut ${d.state}; chmod 0770 ${d.state}`);
    expect(r.stderr).not.toContain('EACCES');
  });
});

describe('hostile clients on the driver socket', () => {
  /** The bound this test states: driver RSS may not grow by more than this under attack. */
  const RSS_GROWTH_LIMIT_KIB = 48 * 1024;

  it('garbage, a 1 MB line, control/high bytes and 10,000 connections: no crash, bounded memory', async () => {
    const d = setup();
    const { proc, sock } = await started(d);
    const pid = proc.child.pid as number;
    await talk(sock, 'DUMPALL\n', /DUMPDONE/);
    const rssBefore = rssKiB(pid);

    // 1 MB without a newline: the driver cuts the client off instead of buffering
    const flood = await new Promise<string>((resolve) => {
      const s = net.createConnection(sock);
      s.on('connect', () => { s.write(Buffer.alloc(1 << 20, 0x41)); s.write('\nPING\n'); });
      s.on('close', () => resolve('closed'));
      s.on('error', () => resolve('closed'));
      s.on('data', (b: Buffer) => { if (b.includes('PONG')) resolve('answered'); });
    });
    expect(flood).toBe('closed');

    // control and high bytes in long lines (CVE-2012-2944's shape), then garbage verbs
    // lines under the socket's line limit, so they are parsed rather than cut off
    const hostile = Buffer.alloc(30_000);
    for (let i = 0; i < hostile.length; i++) hostile[i] = i % 2 ? 0x80 + (i % 0x7f) : 1 + (i % 8);
    hostile[hostile.length - 1] = 0x0a;
    const s = net.createConnection(sock);
    let reply = '';
    s.on('data', (b: Buffer) => { reply += b.toString('latin1'); });
    await new Promise((r) => s.once('connect', r));
    for (let i = 0; i < 30; i++) s.write(hostile);
    s.write('\nFOO BAR\nSET\nINSTCMD a b c d e f\nx "a#b"\nDUMPVALUE a\\"b\nPING\n');
    await waitFor('PONG after garbage', () => reply.includes('PONG'), 5000);
    s.destroy();

    // 10,000 connections opened and dropped, 200 at a time
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 200 }, () => new Promise<void>((resolve) => {
        const c = net.createConnection(sock);
        c.on('connect', () => { c.write('DUMPALL\n'); c.destroy(); resolve(); });
        c.on('error', () => resolve());
      })));
    }
    // a Unix socket whose listen backlog is still full refuses with EAGAIN: ask again until the
    // driver has caught up (it must, and must not have died)
    let pong = '';
    await waitFor('PONG after the connection flood', async () => {
      try { pong = await talk(sock, 'PING\n', /PONG/); return true; } catch { return false; }
    }, 20_000);
    expect(pong).toBe('PONG\n');
    expect(proc.child.exitCode).toBeNull();
    const growth = rssKiB(pid) - rssBefore;
    process.stdout.write(`driver RSS ${rssBefore} KiB before, growth ${growth} KiB after the attack (limit ${RSS_GROWTH_LIMIT_KIB})\n`);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_KIB);
  }, 120_000);
});

describe('pid file', () => {
  it('holds the driver pid while it runs', async () => {
    const d = setup();
    const { proc } = await started(d);
    const pidFile = join(d.state, 'dummy-ups-u1.pid');
    await waitFor('pid file', () => existsSync(pidFile));
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(proc.child.pid);
  });
});

describe('privileges', () => {
  it('a driver started as root runs as its user, with no supplementary groups', async (ctx) => {
    requireRoot(ctx);
    const d = setup();
    const { proc } = await started(d);
    const status = readFileSync(`/proc/${proc.child.pid}/status`, 'latin1');
    const nut = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nut:'))?.split(':');
    expect(nut).toBeDefined();
    const [uid, gid] = [nut?.[2], nut?.[3]];
    expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
    expect(status).toMatch(new RegExp(`^Gid:\\s+${gid}\\s+${gid}\\s+${gid}\\s+${gid}$`, 'm'));
    expect(status).toMatch(/^Groups:\s*$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
  });
});

describe('driver flags and modes', () => {
  it('-x sets a driver variable; -k runs the shutdown path (dummy-ups has none: exit 1, as NUT)', async () => {
    const d = setup();
    const { sock } = await started(d, ['-x', 'mode=dummy-loop']);
    expect(await talk(sock, 'DUMPVALUE driver.parameter.mode\n', /DUMPDONE/)).toMatch(/SETINFO driver.parameter.mode "dummy-loop"/);
    const k = await runHardnut(['dummy-ups', '-a', 'u1', '-k'], d.env);
    expect(k.code).toBe(1);
    expect(k.stderr).toMatch(/shutdown not supported/);
  });

  it('-D stays in the foreground and prints debug output', async () => {
    const d = setup();
    const proc = track(startProcessHardnut(d, ['dummy-ups', '-a', 'u1', '-D', '-D']));
    await waitForSocket(join(d.state, 'dummy-ups-u1'));
    await talk(join(d.state, 'dummy-ups-u1'), 'SET ups.mfr "X" TRACKING t1\n', /TRACKING .*\n/);
    await waitFor('debug line', () => proc.output().includes('setvar: ups.mfr'));
    expect(proc.child.exitCode).toBeNull();
    expect(Number(readFileSync(join(d.state, 'dummy-ups-u1.pid'), 'utf8'))).toBe(proc.child.pid);
  });

  it('a .seq loops back to its first line; a .dev is read again when it changes', async () => {
    const d = makeTestDir({
      'ups.conf': '[s]\n\tdriver = dummy-ups\n\tport = s.seq\n[o]\n\tdriver = dummy-ups\n\tport = o.dev\n',
      's.seq': 'ups.status: OL\nTIMER 1\nups.status: OB\nTIMER 1\n',
      'o.dev': 'battery.charge: 90\n',
    });
    cleanups.push(() => d.cleanup());
    track(startHardnutDriver(d, 'dummy-ups', 's', ['-i', '1']));
    track(startHardnutDriver(d, 'dummy-ups', 'o', ['-i', '1']));
    const seqSock = join(d.state, 'dummy-ups-s');
    const devSock = join(d.state, 'dummy-ups-o');
    await waitForSocket(seqSock);
    await waitForSocket(devSock);
    const status = async (): Promise<string> => /SETINFO ups.status "([^"]*)"/.exec(await talk(seqSock, 'DUMPSTATUS\n', /DUMPDONE/))?.[1] ?? '';
    const seen: string[] = [];
    await waitFor('OL → OB → OL', async () => {
      const s = await status();
      if (seen.at(-1) !== s) seen.push(s);
      return seen.join(',').includes('OL,OB,OL');
    }, 10_000, 100);
    writeFileSync(join(d.etc, 'o.dev'), 'battery.charge: 42\n');
    await waitFor('re-read .dev', async () => (await talk(devSock, 'DUMPVALUE battery.charge\n', /DUMPDONE/)).includes('"42"'), 6000, 200);
  }, 30_000);
});

function startProcessHardnut(d: TestDir, args: string[]): Proc {
  return startProcess(process.execPath, [HARDNUT, ...args, ...userArgs()], d.env);
}
