#!/usr/bin/env node
// An SNMP UPS agent on loopback UDP for snmp-ups' tests and the demo: one UPS served through both
// the RFC 1628 UPS-MIB (ietf) and the APC PowerNet MIB, on net-snmp's Agent (v1, v2c, v3 with
// one user). Every request goes through a guarded handler: one malformed request is counted and
// dropped, never the end of the agent. GET and GET-NEXT answer from a flat OID table built from
// the state; every SET is recorded exactly as received (OID, type, value) and answered with
// success whatever its type, so tests can compare what two drivers send.
//
//   node snmp-ups-agent.mjs --port N [--address 127.0.0.1] [--control PATH] [--sysoid ietf|apc|<oid>]
//        [--community public] [--user JSON] [--state JSON]
//
// Control protocol (JSON lines on the Unix socket, as the serial simulators' sim-core.mjs):
//   {"cmd":"get"} / {"cmd":"set","state":{…}}   power: "OL" | "OB" | "OFF" | "BYPASS", lowBattery…
//   {"cmd":"sets"} → {"ok":true,"sets":[{oid,type,value}…]}   {"cmd":"clear"} forgets them
//   {"cmd":"forget"} → values written by SETs are no longer served (back to the state's)
//   {"cmd":"requests"} → counts of datagrams received (even when silent), GET/SET/garbage/errors     {"cmd":"garbage","on":bool}
//   {"cmd":"silent","on":bool}  {"cmd":"quit"}
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { dieWithParent, parseArgs, serveControl, garbage } from './sim-core.mjs';

const require = createRequire(import.meta.url);
const snmp = require('net-snmp');
const T = snmp.ObjectType;

const args = parseArgs(process.argv.slice(2));
const port = Number(args.port);
if (!(port > 0)) { console.error('usage: snmp-ups-agent.mjs --port N [--control PATH] …'); process.exit(2); }
const address = typeof args.address === 'string' ? args.address : '127.0.0.1';
const controlPath = typeof args.control === 'string' ? args.control : `/tmp/hn-snmp-agent-${process.pid}.ctl`;
const SYSOIDS = { ietf: '1.3.6.1.2.1.33', apc: '1.3.6.1.4.1.318.1.3.2.12' };
const sysOid = SYSOIDS[args.sysoid] ?? (typeof args.sysoid === 'string' ? args.sysoid : SYSOIDS.ietf);

const state = {
  power: 'OL', lowBattery: false, overload: false, replaceBattery: false, calibrating: false,
  charge: 100, runtimeMin: 42, batteryDeciVolts: 272, temperature: 28,
  inputVolts: 230, outputVolts: 230, load: 23, deciHz: 500,
  shutdownAfterDelay: -1, startupAfterDelay: -1, rebootWithDuration: -1,
  sysDescr: 'hardnut simulated UPS (SNMP agent)', sysContact: 'admin@example.org', sysLocation: 'rack 7',
  ...(typeof args.state === 'string' ? JSON.parse(args.state) : {}),
};
const sets = [];
const counts = { received: 0, get: 0, getnext: 0, set: 0, garbageSent: 0, dropped: 0, errors: 0 };
let garbageMode = false;
let silent = false;

const ON_BATTERY = () => state.power === 'OB';
const I = (v) => ({ type: T.Integer, value: v });
const S = (v) => ({ type: T.OctetString, value: Buffer.from(String(v), 'latin1') });
const G = (v) => ({ type: T.Gauge, value: v });
const TT = (v) => ({ type: T.TimeTicks, value: v });
const O = (v) => ({ type: T.OID, value: v });

/** Scalars set by SET (any type is stored as received and served back as it was set). */
const written = new Map();

/** The whole MIB view, rebuilt from the state on every request. */
function table() {
  const U = '1.3.6.1.2.1.33.1.';
  const A = '1.3.6.1.4.1.318.1.1.1.';
  const ob = ON_BATTERY();
  const inV = ob ? 0 : state.inputVolts;
  const ietfSource = { OL: 3, OB: 5, OFF: 2, BYPASS: 4, BOOST: 6, TRIM: 7 }[state.power] ?? 1;
  const apcStatus = { OL: 2, OB: 3, OFF: 7, BYPASS: 9, BOOST: 4, TRIM: 12 }[state.power] ?? 1;
  const t = new Map([
    ['1.3.6.1.2.1.1.1.0', S(state.sysDescr)],
    ['1.3.6.1.2.1.1.2.0', O(sysOid)],
    ['1.3.6.1.2.1.1.3.0', TT(Math.floor(process.uptime() * 100))],
    ['1.3.6.1.2.1.1.4.0', S(state.sysContact)],
    ['1.3.6.1.2.1.1.5.0', S('sim-ups')],
    ['1.3.6.1.2.1.1.6.0', S(state.sysLocation)],
    // RFC 1628 UPS-MIB
    [`${U}1.1.0`, S('HardNUT Sim')], [`${U}1.2.0`, S('SIM-UPS 1500')], [`${U}1.3.0`, S('UPS 1.2.3')], [`${U}1.4.0`, S('agent 4.5')],
    [`${U}1.5.0`, S('sim-ups')],
    [`${U}2.1.0`, I(state.lowBattery ? 3 : 2)], [`${U}2.2.0`, I(ob ? 37 : 0)], [`${U}2.3.0`, I(state.runtimeMin)],
    [`${U}2.4.0`, I(state.charge)], [`${U}2.5.0`, I(state.batteryDeciVolts)], [`${U}2.6.0`, I(ob ? 52 : 0)], [`${U}2.7.0`, I(state.temperature)],
    [`${U}3.1.0`, I(3)], [`${U}3.2.0`, I(1)], [`${U}3.3.1.1.1`, I(1)], [`${U}3.3.1.2.1`, I(ob ? 0 : state.deciHz)],
    [`${U}3.3.1.3.1`, I(inV)], [`${U}3.3.1.4.1`, I(ob ? 0 : 12)], [`${U}3.3.1.5.1`, I(ob ? 0 : 250)],
    [`${U}4.1.0`, I(ietfSource)], [`${U}4.2.0`, I(state.deciHz)], [`${U}4.3.0`, I(1)], [`${U}4.4.1.1.1`, I(1)],
    [`${U}4.4.1.2.1`, I(state.outputVolts)], [`${U}4.4.1.3.1`, I(11)], [`${U}4.4.1.4.1`, I(240)], [`${U}4.4.1.5.1`, I(state.load)],
    [`${U}6.1.0`, G(state.overload ? 1 : 0)],
    ...(state.overload ? [[`${U}6.3.8`, I(1)]] : []),
    [`${U}7.1.0`, O(`${U}7.7.${state.calibrating ? 5 : 1}`)], [`${U}7.3.0`, I(6)],
    [`${U}8.1.0`, I(1)], [`${U}8.2.0`, I(state.shutdownAfterDelay)], [`${U}8.3.0`, I(state.startupAfterDelay)],
    [`${U}8.4.0`, I(state.rebootWithDuration)], [`${U}8.5.0`, I(1)],
    [`${U}9.1.0`, I(230)], [`${U}9.2.0`, I(500)], [`${U}9.3.0`, I(230)], [`${U}9.4.0`, I(500)], [`${U}9.5.0`, I(1500)],
    [`${U}9.6.0`, I(1000)], [`${U}9.7.0`, I(2)], [`${U}9.8.0`, I(2)], [`${U}9.9.0`, I(180)], [`${U}9.10.0`, I(260)],
    // APC PowerNet
    [`${A}1.1.1.0`, S('Smart-UPS 1500')], [`${A}1.1.2.0`, S('UPS_IDEN')], [`${A}1.2.1.0`, S('UPS 09.3 / ID=18')],
    [`${A}1.2.2.0`, S('03/15/2019')], [`${A}1.2.3.0`, S('AS1911123456')],
    [`${A}2.1.1.0`, I(state.lowBattery ? 3 : 2)], [`${A}2.1.3.0`, S('03/15/2019')],
    [`${A}2.2.1.0`, G(state.charge)], [`${A}2.2.2.0`, G(state.temperature)], [`${A}2.2.3.0`, TT(state.runtimeMin * 6000)],
    [`${A}2.2.4.0`, I(state.replaceBattery ? 2 : 1)], [`${A}2.2.5.0`, I(0)], [`${A}2.2.6.0`, I(0)], [`${A}2.2.7.0`, I(24)],
    [`${A}2.2.8.0`, I(Math.round(state.batteryDeciVolts / 10))],
    [`${A}2.3.1.0`, G(state.charge * 10)], [`${A}2.3.2.0`, G(state.temperature * 10 + 4)], [`${A}2.3.4.0`, I(state.batteryDeciVolts)],
    [`${A}3.2.1.0`, G(inV)], [`${A}3.2.2.0`, G(ob ? 0 : inV + 2)], [`${A}3.2.3.0`, G(ob ? 0 : inV - 2)], [`${A}3.2.4.0`, G(ob ? 0 : state.deciHz / 10)],
    [`${A}3.2.5.0`, I(ob ? 4 : 1)],
    [`${A}3.3.1.0`, G(inV * 10 + 1)], [`${A}3.3.2.0`, G(ob ? 0 : inV * 10 + 20)], [`${A}3.3.3.0`, G(ob ? 0 : inV * 10 - 20)], [`${A}3.3.4.0`, G(ob ? 0 : state.deciHz)],
    [`${A}4.1.1.0`, I(apcStatus)], [`${A}4.2.1.0`, G(state.outputVolts)], [`${A}4.2.2.0`, G(state.deciHz / 10)], [`${A}4.2.3.0`, G(state.load)],
    [`${A}4.2.4.0`, G(2)], [`${A}4.2.8.0`, G(240)], [`${A}4.2.9.0`, G(300)],
    [`${A}4.3.1.0`, G(state.outputVolts * 10)], [`${A}4.3.2.0`, G(state.deciHz)], [`${A}4.3.3.0`, G(state.load * 10 + 1)], [`${A}4.3.4.0`, G(21)],
    [`${A}5.2.1.0`, I(230)], [`${A}5.2.2.0`, I(253)], [`${A}5.2.3.0`, I(208)], [`${A}5.2.6.0`, I(15)], [`${A}5.2.7.0`, I(4)],
    [`${A}5.2.8.0`, TT(12000)], [`${A}5.2.9.0`, TT(0)], [`${A}5.2.10.0`, TT(2000)],
    [`${A}6.1.1.0`, I(1)], [`${A}6.2.1.0`, I(1)], [`${A}6.2.4.0`, I(1)], [`${A}6.2.5.0`, I(1)], [`${A}6.2.6.0`, I(1)], [`${A}6.2.7.0`, I(1)],
    [`${A}7.2.2.0`, I(1)], [`${A}7.2.3.0`, I(1)], [`${A}7.2.4.0`, S('03/15/2019')], [`${A}7.2.5.0`, I(1)], [`${A}7.2.6.0`, I(state.calibrating ? 3 : 1)],
    [`${A}9.1.1.0`, I(1)],
  ]);
  for (const [oid, vb] of written) if (t.has(oid)) t.set(oid, vb);
  return t;
}

const cmp = (a, b) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
const bare = (oid) => String(oid).replace(/^\./, '');

function respond(agent, socket, message, rinfo, build) {
  const response = message.pdu.getResponsePduForRequest();
  build(response);
  agent.sendResponse(socket, rinfo, message, response);
}

function onGet(agent, socket, message, rinfo, next) {
  const t = table();
  const v1 = message.version === snmp.Version1;
  respond(agent, socket, message, rinfo, (r) => {
    r.varbinds = message.pdu.varbinds.map((vb, i) => {
      let oid = bare(vb.oid);
      if (next) oid = [...t.keys()].sort(cmp).find((k) => cmp(k, oid) > 0) ?? '';
      const hit = oid === '' ? undefined : t.get(oid);
      if (hit) return { oid, ...hit };
      if (v1) { r.errorStatus = snmp.ErrorStatus.NoSuchName; r.errorIndex = i + 1; return { oid: bare(vb.oid), type: T.Null, value: null }; }
      return { oid: bare(vb.oid), type: next ? T.EndOfMibView : T.NoSuchObject, value: null };
    });
    if (v1 && r.errorStatus) r.varbinds = message.pdu.varbinds.map((vb) => ({ oid: bare(vb.oid), type: T.Null, value: null }));
  });
}

function recordable(vb) {
  const v = vb.value;
  return { oid: bare(vb.oid), type: vb.type, value: Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'bigint' ? String(v) : v };
}

function onSet(agent, socket, message, rinfo) {
  for (const vb of message.pdu.varbinds) {
    const rec = recordable(vb);
    sets.push(rec);
    process.stderr.write(`snmp-ups-agent: SET ${rec.oid} type ${rec.type} ${JSON.stringify(rec.value)}\n`);
    // what a writable object does: the new value is read back (as the type it was written with)
    written.set(rec.oid, { type: vb.type, value: vb.value });
  }
  respond(agent, socket, message, rinfo, (r) => { r.varbinds = message.pdu.varbinds.map((vb) => ({ oid: bare(vb.oid), type: vb.type, value: vb.value })); });
}

const agent = snmp.createAgent({ port, address, disableAuthorization: false, accessControlModelType: snmp.AccessControlModelType.None }, (error) => {
  // the agent reports requests it could not process (bad community, undecodable PDU…)
  if (error) counts.errors++;
});
agent.getAuthorizer().addCommunity(typeof args.community === 'string' ? args.community : 'public');
if (typeof args.user === 'string') {
  const u = JSON.parse(args.user);
  agent.getAuthorizer().addUser({
    name: u.name, level: snmp.SecurityLevel[u.level],
    ...(u.authProtocol ? { authProtocol: snmp.AuthProtocols[u.authProtocol], authKey: u.authKey } : {}),
    ...(u.privProtocol ? { privProtocol: snmp.PrivProtocols[u.privProtocol], privKey: u.privKey } : {}),
  });
}
// our answers replace the MIB-backed ones
agent.getRequest = (socket, message, rinfo) => { counts.get++; onGet(agent, socket, message, rinfo, false); };
agent.getNextRequest = (socket, message, rinfo) => { counts.getnext++; onGet(agent, socket, message, rinfo, true); };
agent.getBulkRequest = agent.getNextRequest;
agent.setRequest = (socket, message, rinfo) => { counts.set++; onSet(agent, socket, message, rinfo); };

// every datagram through one guarded entry point (net-snmp's own handler throws on some inputs)
let junk = 0;
for (const socket of Object.values(agent.listener.sockets)) {
  socket.removeAllListeners('message');
  socket.on('message', (buffer, rinfo) => {
    counts.received++; // every datagram, answered or not
    if (silent) return;
    if (garbageMode) {
      junk++;
      counts.garbageSent++;
      // raw junk, a truncated SNMP sequence, and a well-formed but meaningless BER sequence, in turn
      const out = junk % 3 === 0 ? Buffer.from(garbage(40), 'latin1')
        : junk % 3 === 1 ? Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04])
          : Buffer.from([0x30, 0x07, 0x02, 0x01, 0x09, 0x04, 0x02, 0x41, 0x42]);
      socket.send(out, rinfo.port, rinfo.address, () => undefined);
      return;
    }
    try {
      agent.onMsg(socket, buffer, rinfo);
    } catch (err) {
      counts.dropped++;
      process.stderr.write(`snmp-ups-agent: dropped a request: ${err?.message ?? err}\n`);
    }
  });
}

const server = serveControl(controlPath, async (req) => {
  switch (req.cmd) {
    case 'get': return { ok: true, state };
    case 'set': Object.assign(state, req.state ?? {}); return { ok: true, state };
    case 'sets': return { ok: true, sets };
    case 'clear': sets.length = 0; return { ok: true };
    case 'forget': written.clear(); return { ok: true };
    case 'requests': return { ok: true, counts };
    case 'garbage': garbageMode = !!req.on; return { ok: true };
    case 'silent': silent = !!req.on; return { ok: true };
    case 'quit': setTimeout(() => shutdown(0), 10); return { ok: true };
    default: return { ok: false, error: `unknown command ${req.cmd}` };
  }
});

function shutdown(code) {
  server.close();
  rmSync(controlPath, { force: true });
  agent.close();
  process.exit(code);
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => shutdown(0));
dieWithParent(args, shutdown);
process.stdout.write(`${JSON.stringify({ ready: true, port, address, control: controlPath, pid: process.pid })}\n`);
