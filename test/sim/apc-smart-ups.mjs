#!/usr/bin/env node
// An APC Smart-UPS on a pty (spec §10.2), for apcsmart tests, the interop comparison with
// Debian's apcsmart, and the demo.
//
//   node test/sim/apc-smart-ups.mjs --device /tmp/x/ups [--control /tmp/x/ups.ctl] [--user nut] [--state '{"power":"OB"}']
//
// Dumb until it gets `Y` (answers SM); then single-character queries answered with CRLF
// lines, `NA` for what it does not know, the `a` command set and the ^Z capability string,
// `-` to step an enumerated value or to write an 8-character string, `@nnn`, and the commands
// that must be sent twice (K, Z, ^N). Power changes are announced with alert characters
// (! $ % + # ? =) the moment the control socket makes them.
import { commonControl, parseArgs, runSimulator } from './sim-core.mjs';

const state = {
  power: 'OL',
  lowBattery: false,
  replaceBattery: false,
  overload: false,
  trim: false,
  boost: false,
  calibrating: false,
  /** Raw `Q` reply instead of the computed one (malformed-reply tests). */
  statusReply: null,
  smart: false,
  vars: {
    C: '029.2', P: '023.4', E: '336', X: 'NO', r: '000', p: '020', c: 'UPS_IDEN', L: '230.4', F: '50.00',
    s: 'H', 9: 'FF', l: '196', u: '253', G: 'O', M: '232.0', N: '228.1', O: '230.4', o: '230', T: '123.4',
    x: '11/29/21', f: '100.0', e: '00', B: '27.36', g: '024', j: '0130:', q: '02', k: '0', n: 'QS1234567890',
    m: '11/29/21', '\x01': 'Smart-UPS 1500', b: '601.3.I', V: 'NA',
  },
  cmdset: '3.!$%+?=#|.\x01\x0e\x1a-9@ABCDEFGKLMNOPQRSTUVWXYZbcefgjklmnopqrsux',
  /** Settable values per variable: [locale, values…] ('4' = every locale). */
  caps: {
    u: ['I', '253', '264', '271', '280'],
    l: ['I', '196', '188', '208', '204'],
    e: ['4', '00', '15', '30', '90'],
    p: ['4', '020', '180', '300', '600'],
    q: ['4', '02', '05', '07', '10'],
    r: ['4', '000', '060', '180', '300'],
    s: ['4', 'H', 'M', 'L', 'L'],
    E: ['4', '336', '168', 'ON ', 'OFF'],
    k: ['4', '0', 'T', '5', 'N'],
  },
  /** Raw ^Z reply instead of the one built from `caps` (malformed-reply tests). */
  capsOverride: null,
  /** Last shutdown-type command carried out ('K', 'Z', 'S', '@nnn', '^N'), for tests. */
  lastAction: null,
};

const args = parseArgs(process.argv.slice(2));
let sim;

function statusByte() {
  let s = 0;
  if (state.calibrating) s |= 0x01;
  if (state.trim) s |= 0x02;
  if (state.boost) s |= 0x04;
  if (state.power === 'OL') s |= 0x08;
  if (state.power === 'OB') s |= 0x10;
  if (state.overload) s |= 0x20;
  if (state.lowBattery) s |= 0x40;
  if (state.replaceBattery) s |= 0x80;
  return s.toString(16).toUpperCase().padStart(2, '0');
}

/** Applies a state patch; changes the driver would hear about come as alert characters. */
function apply(patch) {
  const before = { ...state };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'vars' || k === 'caps') Object.assign(state[k], v);
    else state[k] = v;
  }
  if (!sim) return;
  let alerts = '';
  if (before.power !== state.power) alerts += state.power === 'OB' ? '!' : state.power === 'OL' ? '$' : '';
  if (before.lowBattery !== state.lowBattery) alerts += state.lowBattery ? '%' : '+';
  if (!before.replaceBattery && state.replaceBattery) alerts += '#';
  if (before.overload !== state.overload) alerts += state.overload ? '?' : '=';
  if (alerts !== '' && state.smart) sim.send(alerts);
}
if (typeof args.state === 'string') apply(JSON.parse(args.state));

function capsReply() {
  if (state.capsOverride !== null) return state.capsOverride;
  let s = '#';
  for (const [cmd, [loc, ...values]] of Object.entries(state.caps)) {
    const len = values[0]?.length ?? 0;
    s += cmd + loc + String.fromCharCode(48 + values.length) + String.fromCharCode(48 + len) + values.join('');
  }
  return s;
}

const line = (text) => `${text}\r\n`;
const STRING_VARS = new Set(['c', 'x']);
/** Commands that act only when sent twice, 0.5–5 s apart. */
const REPEAT = new Set(['K', 'Z', '\x0e']);
let lastVar = null;
let collecting = null; // { kind: 'digits' | 'string', text, timer }
let firstPress = null; // { ch, t }

function finishCollect() {
  const c = collecting;
  collecting = null;
  clearTimeout(c.timer);
  if (c.kind === 'digits') {
    state.lastAction = `@${c.text}`;
    sim.reply(line('OK'));
  } else {
    state.vars[c.var] = c.text.replace(/\r+$/, '');
    sim.reply(line('OK'));
  }
}

function onChar(ch) {
  if (collecting) {
    collecting.text += ch;
    const want = collecting.kind === 'digits' ? 3 : 8;
    if (collecting.text.length >= want) finishCollect();
    return;
  }
  if (!state.smart && ch !== 'Y') return; // dumb mode: only Y is heard
  const queried = lastVar;
  lastVar = null;
  if (REPEAT.has(ch)) {
    const now = Date.now();
    if (firstPress && firstPress.ch === ch && now - firstPress.t >= 500 && now - firstPress.t <= 5000) {
      firstPress = null;
      state.lastAction = ch === '\x0e' ? '^N' : ch;
      if (ch === 'K') sim.reply(line('OK'));
      return;
    }
    firstPress = { ch, t: now };
    return;
  }
  firstPress = null;
  switch (ch) {
    case 'Y': state.smart = true; sim.reply(line('SM')); return;
    case 'R': state.smart = false; sim.reply(line('BYE')); return;
    case '\x1b': return;
    case 'Q': sim.reply(line(state.statusReply ?? statusByte())); return;
    case 'a': sim.reply(line(state.cmdset)); return;
    case '\x1a': sim.reply(line(capsReply())); return;
    case '@':
      collecting = { kind: 'digits', text: '', timer: setTimeout(() => { if (collecting?.text.length === 2) finishCollect(); else collecting = null; }, 1500) };
      return;
    case '-': {
      if (queried !== null && STRING_VARS.has(queried)) {
        collecting = { kind: 'string', var: queried, text: '', timer: setTimeout(() => { collecting = null; }, 3000) };
        return;
      }
      const caps = queried !== null ? state.caps[queried] : undefined;
      if (!caps) { sim.reply(line('NO')); return; }
      const values = caps.slice(1);
      const i = values.indexOf(state.vars[queried]);
      state.vars[queried] = values[(i + 1) % values.length];
      sim.reply(line('OK'));
      return;
    }
    case 'S':
      if (state.power === 'OB') { state.lastAction = 'S'; sim.reply(line('OK')); } else sim.reply(line('NA'));
      return;
    case 'A': case 'U': sim.reply(line('OK')); return;
    case 'W': state.vars.X = 'OK'; sim.reply(line('OK')); return;
    case 'D': state.calibrating = !state.calibrating; sim.reply(line('OK')); return;
    case '^': sim.reply(line('BYP')); return;
    default: break;
  }
  const value = state.vars[ch];
  if (value !== undefined) {
    lastVar = ch;
    sim.reply(line(value));
    return;
  }
  sim.reply(line('NA'));
}

sim = await runSimulator({
  name: 'apc-smart-ups',
  args,
  onData: (text, s) => { sim = s; for (const ch of text) onChar(ch); },
  control: (req, s) => {
    if (req.cmd === 'get' || req.cmd === 'set') {
      if (req.cmd === 'set') apply(req.state ?? {});
      return { ok: true, state: { ...state, caps: undefined, capsReply: capsReply() }, plugged: s.plugged };
    }
    if (req.cmd === 'replug') state.smart = false; // a replugged UPS starts dumb
    return commonControl(req, s, state, apply);
  },
});
