#!/usr/bin/env node
// A Megatec/Q1 UPS on a pty (spec §10.1), for nutdrv_qx tests, the interop comparison with
// Debian's nutdrv_qx, and the demo.
//
//   node test/sim/q1-ups.mjs --device /tmp/x/ups [--control /tmp/x/ups.ctl] [--user nut] [--state '{"utilityFail":true}']
//
// Answers Q1, F and I; takes T, TL, Tnn, CT, Q, Sn, SnRmmmm and C without a reply (as real units
// do); echoes anything else back (how a Megatec unit refuses a command). State changes and
// faults through the control socket (sim-core.mjs).
import { commonControl, parseArgs, runSimulator } from './sim-core.mjs';

const state = {
  inputVoltage: 230.4,
  inputFaultVoltage: 230.4,
  outputVoltage: 230.4,
  load: 14,
  frequency: 50.0,
  batteryVoltage: 27.2,
  temperature: 30.0,
  utilityFail: false,
  batteryLow: false,
  bypassActive: false,
  upsFailed: false,
  lineInteractive: true,
  testing: false,
  shutdownActive: false,
  beeper: true,
  rating: { voltage: 230.0, current: 4, batteryVoltage: 24.0, frequency: 50.0 },
  info: { company: 'HARDNUT SIM', model: 'Q1-1000', version: 'V2.21' },
  /** When set, sent instead of the Q1 reply (tests of malformed replies). */
  q1Reply: null,
};

const args = parseArgs(process.argv.slice(2));
if (typeof args.state === 'string') apply(JSON.parse(args.state));

function apply(patch) {
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'rating' || k === 'info') Object.assign(state[k], v);
    else state[k] = v;
  }
}

const fixed = (v, width, digits) => v.toFixed(digits).padStart(width, '0').slice(-width);
/** S.SS for per-cell units, SS.S for a whole string: always four characters. */
const battery = (v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2)).slice(0, 4);

function q1Reply() {
  if (state.q1Reply !== null) return state.q1Reply;
  const bits = [state.utilityFail, state.batteryLow, state.bypassActive, state.upsFailed, state.lineInteractive, state.testing, state.shutdownActive, state.beeper]
    .map((b) => (b ? '1' : '0')).join('');
  return `(${fixed(state.inputVoltage, 5, 1)} ${fixed(state.inputFaultVoltage, 5, 1)} ${fixed(state.outputVoltage, 5, 1)} ${String(Math.round(state.load)).padStart(3, '0')} ${fixed(state.frequency, 4, 1)} ${battery(state.batteryVoltage)} ${fixed(state.temperature, 4, 1)} ${bits}\r`;
}

function ratingReply() {
  const r = state.rating;
  return `#${fixed(r.voltage, 5, 1)} ${String(r.current).padStart(3, '0')} ${fixed(r.batteryVoltage, 5, 1)} ${fixed(r.frequency, 4, 1)}\r`;
}

function infoReply() {
  const i = state.info;
  return `#${i.company.padEnd(15).slice(0, 15)} ${i.model.padEnd(10).slice(0, 10)} ${i.version.padEnd(10).slice(0, 10)}\r`;
}

let testTimer;
function startTest(ms) {
  state.testing = true;
  clearTimeout(testTimer);
  if (ms > 0) testTimer = setTimeout(() => { state.testing = false; }, ms);
}

/** One command (without its CR). Returns the reply, or '' for none. */
function answer(cmd) {
  if (cmd === 'Q1') return q1Reply();
  if (cmd === 'F') return ratingReply();
  if (cmd === 'I') return infoReply();
  if (cmd === 'T') { startTest(10_000); return ''; }
  if (cmd === 'TL') { startTest(0); return ''; }
  if (/^T\d\d$/.test(cmd)) { startTest(Number(cmd.slice(1)) * 60_000); return ''; }
  if (cmd === 'CT') { clearTimeout(testTimer); state.testing = false; return ''; }
  if (cmd === 'Q') { state.beeper = !state.beeper; return ''; }
  if (/^S(\.[2-9]|0\d|10)(R\d{4})?$/.test(cmd)) { state.shutdownActive = true; return ''; }
  if (cmd === 'C') { state.shutdownActive = false; return ''; }
  return `${cmd}\r`;
}

let pending = '';
await runSimulator({
  name: 'q1-ups',
  args,
  onData: (text, sim) => {
    pending += text;
    let cr;
    while ((cr = pending.indexOf('\r')) >= 0) {
      const cmd = pending.slice(0, cr);
      pending = pending.slice(cr + 1);
      const reply = answer(cmd);
      if (reply !== '') sim.reply(reply);
    }
    if (pending.length > 4096) pending = '';
  },
  control: (req, sim) => commonControl(req, sim, state, apply),
});
