// Shared machinery of the serial UPS simulators (q1-ups.mjs, apc-smart-ups.mjs): a socat pty
// pair (the driver opens one end by its path, the simulator the other), a control socket for
// tests and the demo, a record of every byte the driver sent, and faults on demand: silence,
// garbage, an unplugged (vanished) device.
//
// Control protocol: one JSON object per line on a Unix socket, one JSON reply per line.
//   {"cmd":"get"}                      → {"ok":true,"state":{…}}
//   {"cmd":"set","state":{…}}          → merges into the state (alerts/side effects follow)
//   {"cmd":"rx"}                       → {"ok":true,"rx":"<latin1 bytes received>"}
//   {"cmd":"clear"}                    → forgets the bytes received so far
//   {"cmd":"silent","on":true|false}   → stop/resume answering (bytes are still recorded)
//   {"cmd":"garble","on":true|false}   → answer every command with garbage
//   {"cmd":"send","data":"<latin1>"}   → write these bytes to the driver now
//   {"cmd":"unplug"} / {"cmd":"replug"} → remove / recreate the pty pair (same paths)
//   {"cmd":"quit"}
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';

const require = createRequire(import.meta.url);
const { SerialPort } = require('serialport');

/**
 * With --die-with-parent the test holds the simulator's stdin open: end of file means the test's
 * process is gone (even killed), and the simulator must not outlive it.
 */
export function dieWithParent(args, shutdown) {
  if (args['die-with-parent'] !== true) return;
  process.stdin.on('end', () => shutdown(0));
  process.stdin.resume();
}

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else { out[key] = next; i++; }
  }
  return out;
}

function uidGid(user) {
  for (const line of readFileSync('/etc/passwd', 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(`no user ${user}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A serial UPS on a pty. `answer(bytes, sim)` is called with every chunk the driver sends;
 * it returns nothing and writes replies with sim.reply(text).
 */
export class SimulatedPort {
  constructor({ device, user, onData, log }) {
    this.device = device;
    this.simEnd = `${device}.sim`;
    this.user = user;
    this.onData = onData;
    this.log = log ?? (() => undefined);
    this.rx = '';
    this.silent = false;
    this.garble = false;
    this.socat = undefined;
    this.port = undefined;
    this.plugged = false;
  }

  async plug() {
    for (const p of [this.device, this.simEnd]) if (existsSync(p) || isLink(p)) rmSync(p, { force: true });
    // raw, no echo on both ends; the driver's end belongs to the driver's user
    const driverEnd = `pty,raw,echo=0,link=${this.device}`;
    const simEnd = `pty,raw,echo=0,link=${this.simEnd}`;
    this.socat = spawn('socat', [driverEnd, simEnd], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    this.socat.stderr.on('data', (d) => { err += d.toString(); });
    for (let i = 0; i < 100 && !(existsSync(this.device) && existsSync(this.simEnd)); i++) await sleep(20);
    if (!existsSync(this.device)) throw new Error(`socat did not create ${this.device}: ${err}`);
    if (this.user !== undefined) {
      // NUT's drivers open the port as the unprivileged user: give it the device, as udev would
      const { uid, gid } = uidGid(this.user);
      const pts = realpathSync(this.device);
      chownSync(pts, uid, gid);
      chmodSync(pts, 0o660);
    }
    this.port = new SerialPort({ path: this.simEnd, baudRate: 2400, autoOpen: false, lock: false, hupcl: false });
    this.port.on('error', (e) => this.log(`sim port error: ${e.message}`));
    this.port.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      this.rx += text;
      if (this.rx.length > 1 << 20) this.rx = this.rx.slice(-(1 << 19));
      this.onData(text);
    });
    await new Promise((resolve, reject) => this.port.open((e) => (e ? reject(e) : resolve())));
    this.plugged = true;
  }

  async unplug() {
    this.plugged = false;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise((r) => port.close(() => r()));
    const s = this.socat;
    this.socat = undefined;
    if (s && s.exitCode === null) {
      const gone = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      await gone;
    }
    for (const p of [this.device, this.simEnd]) rmSync(p, { force: true });
  }

  /** Writes a reply (latin1), unless silent; garbled when asked to. */
  reply(text) {
    if (this.silent || !this.port?.isOpen) return;
    this.port.write(Buffer.from(this.garble ? garbage(text.length + 3) : text, 'latin1'));
  }

  /** Writes bytes regardless of silence (unsolicited alerts, injected garbage). */
  send(text) {
    if (!this.port?.isOpen || this.silent) return;
    this.port.write(Buffer.from(text, 'latin1'));
  }
}

function isLink(p) {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}

let seed = 12345;
/** Deterministic junk: printable and control bytes, CRs and LFs included. */
export function garbage(n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    s += String.fromCharCode(seed % 256);
  }
  return s;
}

/** Serves the control socket; `handle(req)` returns the reply object (or a promise of it). */
export function serveControl(path, handle) {
  rmSync(path, { force: true });
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', async (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let reply;
        try { reply = await handle(JSON.parse(line)); } catch (e) { reply = { ok: false, error: String(e?.message ?? e) }; }
        if (!sock.destroyed) sock.write(`${JSON.stringify(reply)}\n`);
      }
    });
    sock.on('error', () => sock.destroy());
  });
  server.listen(path);
  return server;
}

/** The generic part of every simulator's control protocol. */
export async function commonControl(req, sim, state, apply) {
  switch (req.cmd) {
    case 'get': return { ok: true, state, plugged: sim.plugged };
    case 'set': apply(req.state ?? {}); return { ok: true, state };
    case 'rx': return { ok: true, rx: sim.rx };
    case 'clear': sim.rx = ''; return { ok: true };
    case 'silent': sim.silent = !!req.on; return { ok: true };
    case 'garble': sim.garble = !!req.on; return { ok: true };
    case 'send': sim.send(String(req.data ?? '')); return { ok: true };
    case 'unplug': await sim.unplug(); return { ok: true };
    case 'replug': await sim.plug(); return { ok: true };
    default: return undefined;
  }
}

/** Starts a simulator process's common parts and prints the READY line the tests wait for. */
export async function runSimulator({ name, args, onData, control, onReady }) {
  const device = args.device;
  if (!device) { console.error(`usage: node ${name} --device PATH [--control PATH] [--user nut] [--state JSON]`); process.exit(2); }
  const controlPath = args.control ?? `${device}.ctl`;
  const sim = new SimulatedPort({ device, user: args.user === true ? undefined : args.user, onData: (t) => onData(t, sim), log: (m) => process.stderr.write(`${name}: ${m}\n`) });
  await sim.plug();
  onReady?.(sim);
  const server = serveControl(controlPath, async (req) => {
    if (req.cmd === 'quit') { setTimeout(() => shutdown(0), 10); return { ok: true }; }
    return await control(req, sim) ?? { ok: false, error: `unknown command ${req.cmd}` };
  });
  const shutdown = async (code) => {
    server.close();
    rmSync(controlPath, { force: true });
    await sim.unplug();
    process.exit(code);
  };
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => void shutdown(0));
  dieWithParent(args, (code) => void shutdown(code));
  process.stdout.write(`${JSON.stringify({ ready: true, device, control: controlPath, pid: process.pid })}\n`);
  return sim;
}
