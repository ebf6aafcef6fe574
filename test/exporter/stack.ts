// Two real upsd (hardnut's, each with dummy-ups drivers on .dev files) and hardnut's exporter
// reading both, as a user would run them. Everything on loopback; stop() cleans up.
import { writeFileSync, utimesSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NutClient } from '../../src/client/index.js';
import {
  HARDNUT, freePort, makeTestDir, runHardnut, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';

export interface Upsd { dir: TestDir; port: number; drivers: Map<string, Proc>; upsd: Proc }
export interface ExporterStack {
  a: Upsd;
  b: Upsd;
  exporter: Proc;
  port: number;
  url: string;
  /** Rewrites a UPS's .dev file: dummy-ups re-reads it and upsd serves the new values. */
  setDev(u: Upsd, ups: string, dev: string): void;
  stop(): Promise<void>;
}

export const devText = (status: string, charge: number, load = 20): string =>
  `device.mfr: Hardnut\ndevice.model: Test ${status}\ndevice.serial: SN-${String(charge)}\ndevice.type: ups\nups.status: ${status}\nbattery.charge: ${String(charge)}\nbattery.runtime: 1800\nups.load: ${String(load)}\ninput.voltage: 230.5\noutput.voltage: 230.0\n`;

async function upsd(upses: Record<string, string>, procs: Proc[], dirs: TestDir[]): Promise<Upsd> {
  const port = await freePort();
  const conf = ['pollinterval = 1'];
  const files: Record<string, string> = {};
  for (const [name, dev] of Object.entries(upses)) {
    conf.push(`[${name}]`, '\tdriver = dummy-ups', `\tport = ${name}.dev`, `\tdesc = "UPS ${name}"`);
    files[`${name}.dev`] = dev;
  }
  const dir = makeTestDir({
    ...files,
    'ups.conf': `${conf.join('\n')}\n`,
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nMAXAGE 15\n`,
    'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n',
  });
  dirs.push(dir);
  const drivers = new Map<string, Proc>();
  for (const name of Object.keys(upses)) {
    const p = startHardnutDriver(dir, 'dummy-ups', name);
    procs.push(p);
    drivers.set(name, p);
    await waitForSocket(join(dir.state, `dummy-ups-${name}`), 30_000);
  }
  const u = startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], dir.env);
  procs.push(u);
  await waitFor(`upsd on ${String(port)} serving ${Object.keys(upses).join(', ')}`, async () => {
    try {
      const c = await NutClient.connect({ host: '127.0.0.1', port }, { startTls: 'never' });
      try {
        for (const name of Object.keys(upses)) await c.getVar(name, 'ups.status');
        return true;
      } finally { await c.close(); }
    } catch { return false; }
  }, 30_000, 200).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${u.output()}`); });
  return { dir, port, drivers, upsd: u };
}

/** Starts two upsd (a: ups1 and ups2, b: ups3) and the exporter on both. */
export async function startExporterStack(opts: { poll?: number; maxAge?: number; extraConf?: string } = {}): Promise<ExporterStack> {
  const procs: Proc[] = [];
  const dirs: TestDir[] = [];
  const stop = async (): Promise<void> => {
    for (const p of procs.reverse()) await p.stop();
    for (const d of dirs) d.cleanup();
  };
  try {
    const a = await upsd({ ups1: devText('OL', 100), ups2: devText('OL CHRG', 87, 35) }, procs, dirs);
    const b = await upsd({ ups3: devText('OB DISCHRG', 64, 50) }, procs, dirs);
    const port = await freePort();
    const edir = makeTestDir({
      'exporter.conf': `LISTEN 127.0.0.1 ${String(port)}\nSERVER alpha 127.0.0.1:${String(a.port)}\nSERVER beta "127.0.0.1:${String(b.port)}"\n`
        + `POLLINTERVAL ${String(opts.poll ?? 1)}\nMAXAGE ${String(opts.maxAge ?? 5)}\n${opts.extraConf ?? ''}`,
    });
    dirs.push(edir);
    const jail = join(edir.root, 'jail');
    const exporter = startProcess(process.execPath, [HARDNUT, 'exporter', '-r', jail], edir.env);
    procs.push(exporter);
    const url = `http://127.0.0.1:${String(port)}`;
    await waitFor('the exporter serving /metrics for three UPSes', async () => {
      if (exporter.child.exitCode !== null || exporter.child.signalCode !== null) throw new Error(`the exporter exited: ${String(exporter.child.exitCode ?? exporter.child.signalCode)}`);
      try {
        const r = await fetch(`${url}/metrics`);
        return r.ok && (await r.text()).split('\n').filter((l) => l.startsWith('network_ups_tools_up{') && l.endsWith(' 1')).length === 3;
      } catch { return false; }
    }, 30_000, 200).catch(async (e: unknown) => {
      const last = await fetch(`${url}/metrics`).then((r) => r.text(), (x: unknown) => String(x));
      throw new Error(`${(e as Error).message}\n${exporter.output()}\nlast /metrics:\n${last}`);
    });
    return {
      a, b, exporter, port, url, stop,
      setDev: (u, ups, dev) => {
        const f = join(u.dir.etc, `${ups}.dev`);
        writeFileSync(f, dev);
        // a new mtime even within the same second, so dummy-ups sees the change
        const t = new Date(Date.now() + 2000);
        utimesSync(f, t, t);
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** upsc's answer, through hardnut's upsc. */
export async function upsc(u: Upsd, ups: string, variable: string): Promise<string> {
  const r = await runHardnut(['upsc', `${ups}@127.0.0.1:${String(u.port)}`, variable], u.dir.env);
  if (r.code !== 0) throw new Error(`upsc ${ups} ${variable}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A fresh directory for a tool's scratch files (Prometheus' data, Chromium's profile). */
export function scratchDir(d: TestDir, name: string): string {
  const p = join(d.root, name);
  rmSync(p, { recursive: true, force: true });
  mkdirSync(p, { recursive: true });
  return p;
}

/** The value of one sample line `name{labels} value`, with the labels given (all must match). */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const body = line.slice(name.length + 1, close);
    const got = new Map([...body.matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1] as string, m[2] as string]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}
