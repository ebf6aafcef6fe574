// `hardnut demo`: the quick start, the whole chain on loopback, no root needed:
//   dummy-ups replays conf/demo/outage.seq → hardnut upsd serves it → hardnut upsmon watches it
//   as primary → its notifications are printed live → at low battery it sets FSD, waits for
//   secondaries (none), and runs a harmless SHUTDOWNCMD that only says what it would do.
// Everything lives in a temp dir that is removed at the end. Run as root, the demo still runs
// every process as nobody: it shows the chain, not the privilege split.

import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NutClient } from '../client/client.js';
import { isRoot, lookupUser } from '../sandbox/drop-privileges.js';

/** The longest the demo runs if the shutdown never comes (it normally ends after ~20 s). */
export const DEMO_SECONDS = 45;
const POLL_MS = 250;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const seconds = argv[0] === '--seconds' && argv[1] ? Number(argv[1]) : DEMO_SECONDS;
  const confDir = fileURLToPath(new URL('../conf/demo', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'hardnut-demo-'));
  const etc = join(dir, 'etc');
  const state = join(dir, 'state');
  mkdirSync(etc);
  mkdirSync(state);
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const port = await freePort();
  const fill = (text: string): string => text.replaceAll('@PORT@', String(port)).replaceAll('@DIR@', dir).replaceAll('@CONF@', confDir);
  for (const f of ['ups.conf', 'upsd.conf', 'upsd.users', 'upsmon.conf']) writeFileSync(join(etc, f), fill(readFileSync(join(confDir, f), 'utf8')), { mode: 0o600 });
  copyFileSync(join(confDir, 'outage.seq'), join(etc, 'outage.seq'));

  // Root is not needed; if we have it, every process of the demo runs as nobody all the same.
  let ids: { uid: number; gid: number } | undefined;
  if (isRoot()) {
    const nobody = lookupUser('nobody');
    if (nobody) {
      ids = { uid: nobody.uid, gid: nobody.gid };
      for (const p of [dir, etc, state, events, ...['ups.conf', 'upsd.conf', 'upsd.users', 'upsmon.conf', 'outage.seq'].map((f) => join(etc, f))]) chownSync(p, nobody.uid, nobody.gid);
    }
  }
  // HARDNUT_WALL_PATH: upsmon's shutdown broadcast (wall) would reach every terminal of the machine
  const childEnv = { ...env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state, HARDNUT_WALL_PATH: '/bin/true' };
  const say = (s: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${s}\n`); };
  const procs: ChildProcess[] = [];
  const start = (args: string[], label: string, show: (line: string) => boolean): ChildProcess => {
    const c = spawn(process.execPath, [process.argv[1] as string, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv, ...(ids ?? {}) });
    let buf = '';
    c.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (show(line)) say(`${label}: ${line.startsWith(`${label}: `) ? line.slice(label.length + 2) : line}`);
      }
    });
    procs.push(c);
    return c;
  };

  // Ctrl-C, a closed terminal, or a reader that went away (`hardnut demo | head`: EPIPE) must
  // not leave the demo's daemons running, nor its directory: stop them, remove it, then exit
  const stopAll = async (): Promise<void> => {
    for (const c of [...procs].reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(r, 5000); c.once('exit', () => { clearTimeout(t); r(undefined); }); });
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let abandoning = false;
  const abandon = (code: number): void => {
    if (abandoning) return;
    abandoning = true;
    void stopAll().finally(() => process.exit(code));
  };
  const onSignal = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const [sig, code] of Object.entries(onSignal)) process.once(sig, () => abandon(code));
  process.stdout.on('error', () => abandon(1));

  say('hardnut demo: a simulated UPS replays a power outage; upsd serves it; upsmon watches it as primary');
  say(`files in ${dir} (removed at the end)`);
  let status = '';
  let shutdownSeen = false;
  let offset = 0;
  try {
    start(['dummy-ups', '-a', 'demo', '-F'], 'dummy-ups', (l) => /error|fatal/i.test(l));
    await waitFor(() => existsSync(join(state, 'dummy-ups-demo')), 10_000, 'the driver socket');
    say(`dummy-ups replays ${join(confDir, 'outage.seq')}`);
    start(['upsd', '-F'], 'upsd', (l) => /error|fatal/i.test(l));
    await waitFor(() => canConnect(port), 10_000, 'upsd');
    say(`upsd listens on 127.0.0.1:${port}`);
    const upsmon = start(['upsmon', '-F'], 'upsmon', (l) => !/^Network UPS Tools/.test(l));
    say(`upsmon monitors demo@127.0.0.1:${port} as primary; its notifications (NOTIFYCMD) follow`);
    const client = await NutClient.connect({ host: '127.0.0.1', port });
    const end = Date.now() + seconds * 1000;
    let upsmonExited = false;
    upsmon.once('exit', () => { upsmonExited = true; });
    while (Date.now() < end) {
      try {
        const s = await client.getVar('demo', 'ups.status');
        if (s !== status) { status = s; say(`${'ups.status'.padEnd(20)} ${s}   (${describeStatus(s)})`); }
      } catch { /* WAIT while upsd reads the driver */ }
      for (const line of readNew(events, offset)) {
        offset += Buffer.byteLength(line) + 1;
        const [kind, a, b, c] = line.split('|');
        if (kind === 'NOTIFY') say(`upsmon notifies ${a}${b ? ` (UPSNAME ${b})` : ''}: ${c ?? ''}`);
        if (kind === 'SHUTDOWNCMD') { shutdownSeen = true; say(`upsmon runs SHUTDOWNCMD: ${a ?? ''}`); }
      }
      if (shutdownSeen && upsmonExited) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    void client.close();
    if (!shutdownSeen) { process.stderr.write('demo: upsmon did not reach the shutdown in time\n'); return 1; }
    say('upsmon has exited after the shutdown step, as NUT\'s does (SHUTDOWNEXIT yes)');
    return 0;
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await stopAll();
    say('demo finished');
  }
}

const WORDS: Record<string, string> = {
  OL: 'on line power', OB: 'on battery', LB: 'battery low', CHRG: 'charging', DISCHRG: 'discharging',
  RB: 'replace battery', FSD: 'forced shutdown', ALARM: 'alarm', OFF: 'off', BYPASS: 'bypass',
};

function describeStatus(status: string): string {
  return status.split(' ').map((t) => WORDS[t] ?? t).join(', ');
}

/** Complete lines appended to `path` from byte `offset` on. */
function readNew(path: string, offset: number): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n).toString();
    const last = text.lastIndexOf('\n');
    return last < 0 ? [] : text.slice(0, last).split('\n');
  } finally {
    closeSync(fd);
  }
}

async function waitFor(ok: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
