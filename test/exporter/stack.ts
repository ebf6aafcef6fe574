// Two real upsd (hardnut's, each with dummy-ups drivers on .dev files) and hardnut's exporter
// reading both, as a user would run them. Everything on loopback; stop() cleans up.
import { appendFileSync, readFileSync, writeFileSync, utimesSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { makeCerts, type CertSet } from '../upsd/support/certs.js';
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
  /** Test certificates (a CA, a server certificate for 127.0.0.1, another CA), when asked for. */
  certs: CertSet | undefined;
  /** GET through the exporter's own scheme, with the stack's CA and credentials. */
  get(path: string, opts?: GetOptions): Promise<HttpReply>;
  /** Rewrites a UPS's .dev file: dummy-ups re-reads it and upsd serves the new values. */
  setDev(u: Upsd, ups: string, dev: string): void;
  stop(): Promise<void>;
}

export const devText = (status: string, charge: number, load = 20): string =>
  `device.mfr: Hardnut\ndevice.model: Test ${status}\ndevice.serial: SN-${String(charge)}\ndevice.type: ups\nups.status: ${status}\nbattery.charge: ${String(charge)}\nbattery.runtime: 1800\nups.load: ${String(load)}\ninput.voltage: 230.5\noutput.voltage: 230.0\n`;

export interface HttpReply { status: number; headers: http.IncomingHttpHeaders; body: string }
/** `auth: null` sends no credentials even where the stack has some. */
export interface GetOptions { ca?: string; auth?: { user: string; password: string } | null; headers?: Record<string, string> }

/** One GET with node's own client (fetch cannot be given a CA): what a scraper or browser gets. */
export function httpGet(url: string, opts: GetOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth) headers['Authorization'] = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const done = (r: http.IncomingMessage): void => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => { body += d; });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
      r.on('error', reject);
    };
    const req = url.startsWith('https:')
      ? https.get(url, { headers, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) }, done)
      : http.get(url, { headers }, done);
    req.on('error', reject);
  });
}

export async function startUpsd(upses: Record<string, string>, procs: Proc[], dirs: TestDir[], extraConf = ''): Promise<Upsd> {
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
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nMAXAGE 15\n${extraConf}`,
    // the descriptions come from this test's own cmdvartab (DATAPATH = etc/), not from Debian's NUT:
    // without nut-server installed, /usr/share/nut/cmdvartab does not exist (seen as an ordinary user)
    cmdvartab: 'VARDESC battery.charge "Remaining battery charge, in percent"\nVARDESC ups.status "The UPS status flags"\n',
    'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n',
  });
  dirs.push(dir);
  appendFileSync(join(dir.etc, 'upsd.conf'), `\nDATAPATH ${dir.etc}\n`);
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

export interface StackOptions {
  poll?: number;
  maxAge?: number;
  /** More exporter.conf lines; a function when they name the test certificates. */
  extraConf?: string | ((c: CertSet) => string);
  /** More upsd.conf lines for server a (alpha) and b (beta). */
  upsdConf?: { a?: (c: CertSet) => string; b?: (c: CertSet) => string };
  /** Make test certificates (implied by the functions above). */
  certs?: boolean;
  /** The exporter serves HTTPS (its conf has CERTFILE). */
  https?: boolean;
  /** Credentials the stack's own requests send. */
  auth?: { user: string; password: string };
  /** `server:ups` pairs that must be up before the stack counts as started (default: all three). */
  expectUp?: string[];
}

/** Starts two upsd (a: ups1 and ups2, b: ups3) and the exporter on both. */
export async function startExporterStack(opts: StackOptions = {}): Promise<ExporterStack> {
  const procs: Proc[] = [];
  const dirs: TestDir[] = [];
  const stop = async (): Promise<void> => {
    for (const p of procs.reverse()) await p.stop();
    for (const d of dirs) d.cleanup();
  };
  try {
    let certs: CertSet | undefined;
    if (opts.certs === true || opts.https === true || typeof opts.extraConf === 'function' || opts.upsdConf !== undefined) {
      const cdir = makeTestDir();
      dirs.push(cdir);
      certs = makeCerts(cdir.root);
    }
    const withCerts = (f: ((c: CertSet) => string) | string | undefined): string => (typeof f === 'function' ? f(certs as CertSet) : f ?? '');
    const a = await startUpsd({ ups1: devText('OL', 100), ups2: devText('OL CHRG', 87, 35) }, procs, dirs, withCerts(opts.upsdConf?.a));
    const b = await startUpsd({ ups3: devText('OB DISCHRG', 64, 50) }, procs, dirs, withCerts(opts.upsdConf?.b));
    const port = await freePort();
    const edir = makeTestDir({
      'exporter.conf': `LISTEN 127.0.0.1 ${String(port)}\nSERVER alpha 127.0.0.1:${String(a.port)}\nSERVER beta "127.0.0.1:${String(b.port)}"\n`
        + `POLLINTERVAL ${String(opts.poll ?? 1)}\nMAXAGE ${String(opts.maxAge ?? 5)}\n`
        + `${opts.https === true ? `CERTFILE ${(certs as CertSet).server}\n` : ''}${withCerts(opts.extraConf)}`,
    });
    dirs.push(edir);
    const jail = join(edir.root, 'jail');
    const exporter = startProcess(process.execPath, [HARDNUT, 'exporter', '-D', '-D', '-r', jail], edir.env);
    procs.push(exporter);
    const url = `${opts.https === true ? 'https' : 'http'}://127.0.0.1:${String(port)}`;
    const get = (path: string, o: GetOptions = {}): Promise<HttpReply> => httpGet(`${url}${path}`, {
      ...(certs !== undefined ? { ca: readFileSync(certs.ca, 'latin1') } : {}), ...(opts.auth ? { auth: opts.auth } : {}), ...o,
    });
    const expectUp = opts.expectUp ?? ['alpha:ups1', 'alpha:ups2', 'beta:ups3'];
    const upNow = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('network_ups_tools_up{') && l.endsWith(' 1'))
      .map((l) => `${/server="([^"]*)"/.exec(l)?.[1] ?? ''}:${/ups="([^"]*)"/.exec(l)?.[1] ?? ''}`).sort();
    await waitFor(`the exporter serving /metrics for ${expectUp.join(', ')}`, async () => {
      if (exporter.child.exitCode !== null || exporter.child.signalCode !== null) throw new Error(`the exporter exited: ${String(exporter.child.exitCode ?? exporter.child.signalCode)}`);
      try {
        const r = await get('/metrics');
        return r.status === 200 && upNow(r.body).join(' ') === [...expectUp].sort().join(' ');
      } catch { return false; }
    }, 30_000, 200).catch(async (e: unknown) => {
      const last = await get('/metrics').then((r) => r.body, (x: unknown) => String(x));
      throw new Error(`${(e as Error).message}\n${exporter.output()}\nlast /metrics:\n${last}`);
    });
    return {
      a, b, exporter, port, url, certs, get, stop,
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

export interface Vector { metric: Record<string, string>; value: [number, string] }

/** Debian's real Prometheus with these scrape_configs lines, scraping every second. */
export class Prometheus {
  private constructor(readonly proc: Proc, readonly url: string) {}

  static async start(dir: string, scrapeConfigs: string[]): Promise<Prometheus> {
    const port = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', ...scrapeConfigs, ''].join('\n'));
    const proc = startProcess('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`, '--log.level=warn',
    ], process.env);
    return new Prometheus(proc, `http://127.0.0.1:${String(port)}`);
  }

  /** A PromQL instant query's vector; throws unless Prometheus answers success. */
  async query(q: string): Promise<Vector[]> {
    const body = await (await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json() as { status: string; data: { result: Vector[] } };
    if (body.status !== 'success') throw new Error(`PromQL ${q}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  /** The single value of a query, or undefined when it has none or several. */
  async one(q: string): Promise<number | undefined> {
    const r = await this.query(q);
    return r.length === 1 ? Number(r[0]?.value[1]) : undefined;
  }

  /** PromQL gives upsc's battery.charge and status flags for a UPS of each server (alpha ups2, beta ups3). */
  async agreesWithUpsc(s: ExporterStack, labels = ''): Promise<void> {
    for (const [srv, server, ups] of [[s.a, 'alpha', 'ups2'], [s.b, 'beta', 'ups3']] as const) {
      const charge = Number(await upsc(srv, ups, 'battery.charge'));
      const status = (await upsc(srv, ups, 'ups.status')).split(' ');
      const sel = `${labels}server="${server}",ups="${ups}"`;
      const got = await waitFor(`${ups}@${server} charge in Prometheus`, () => this.one(`network_ups_tools_battery_charge{${sel}}`), 20_000, 250);
      if (got !== charge) throw new Error(`${ups}@${server}: Prometheus has charge ${String(got)}, upsc ${String(charge)}`);
      const flags = (await this.query(`network_ups_tools_ups_status{${sel}} == 1`)).map((f) => f.metric['flag']).sort().join(' ');
      if (flags !== [...status].sort().join(' ')) throw new Error(`${ups}@${server}: Prometheus has flags ${flags}, upsc ${status.join(' ')}`);
    }
  }

  /** Waits until `q` is 1 (a job's up, say); a Prometheus that exits fails at once. */
  async waitUntilOne(what: string, q: string): Promise<void> {
    await waitFor(what, async () => {
      if (this.proc.child.exitCode !== null) throw new Error(`prometheus exited ${String(this.proc.child.exitCode)}: ${this.proc.output()}`);
      try { return (await this.one(q)) === 1; } catch { return false; }
    }, 60_000, 250).catch(async (e: unknown) => {
      const targets = await fetch(`${this.url}/api/v1/targets`).then((r) => r.text(), (x: unknown) => String(x));
      throw new Error(`${(e as Error).message}\n${this.proc.output()}\n${targets}`);
    });
  }
}
