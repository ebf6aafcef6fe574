// Fuzz target "script": the device-script parser (a hostile or broken script file) and the engine
// running the shipped scripts on top of whatever a device or line noise sends. Seeds: the shipped
// scripts, and real replies of the Q1 and APC simulators.
// Invariants: the parser returns a Script or throws a ScriptError citing file:line within the
// file, nothing else; an accepted script's status steps name only NUT's status words and its
// lines fit the documented limit; the engine never throws, ends every run by its budget however
// the bytes are cut and timed, and publishes only NUT names with printable values of at most 255
// characters.
import { describe } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ensure, fuzz, latin1, lineCount } from './harness.js';
import { mutated, lineEdit, withEdits } from './mutate.js';
import { BlockRun, ScriptError, parseScript, type Block, type Output, type Script } from '../../src/protocol/script/index.js';

const file = (p: string): Uint8Array => readFileSync(new URL(p, import.meta.url));
const SCRIPTS = [
  { name: 'megatec', data: file('../../conf/devices/megatec.script') },
  { name: 'apcsmart-basic', data: file('../../conf/devices/apcsmart-basic.script') },
  { name: 'mini', data: latin1('poll\n  send "Q1\\r"\n  expect "({a:num} {b:bit}{:rest}"\n  set input.voltage {a} decimals 1\n  status OB when {b} = 1\nend\n') },
  { name: 'checksums, and, fail, parity', data: latin1('parity even\ndatabits 7\npoll\n  send "QPIGS{crc16-xmodem raw}\\r"\n  expect "({a:num} {b:num}" check sum8 hex\n  status OL when {a} >= {b} scale 0.5 and {a} < {b} scale 1.5\n  fail "too high" when {a} > 999\nend\n') },
];
/** NUT's ups.status words, as NUT's docs list them (not the source's constant). */
const NUT_STATUS = new Set(['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'TEST', 'ALARM']);
const NAME = /^[a-z0-9]+(?:\.[a-z0-9_]+)*$/;
/** The documented line limit (README: 512 characters). */
const LINE_LIMIT = 512;

/** Fields that take any byte (fixed width, rest of line): the engine must still publish only printable values. */
const IDENT = parseScript('poll\n  send "I\\r"\n  expect "#{mfr:5} {model:rest}"\n  set device.mfr {mfr}\n  set device.model {model} trim\nend\n', 'ident.script');
const MEGATEC = parseScript(SCRIPTS[0]?.data as Uint8Array, 'megatec.script');
const APC = parseScript(SCRIPTS[1]?.data as Uint8Array, 'apcsmart-basic.script');
const REPLIES = [
  '(230.4 230.4 230.4 014 50.0 27.2 30.0 00001001\r', '(000.0 230.4 230.4 037 50.0 23.1 30.0 11000011\r',
  '#230.0 004 024.0 50.0\r', '#HARDN Q1-1000 V2.21\r', '#HARDNUT SIM     Q1-1000    V2.21     \r', 'Q1\r', '',
  'SM\r\n', 'Smart-UPS 1500\r\n', '08\r\n', '100.0\r\n', '27.36\r\n', '0130:\r\n', 'NA\r\n', 'OK\r\n', '!$%\r\n',
];

/** A seed reply with some bytes overwritten by any byte: what a noisy line does to a real answer. */
const noisy = fc.tuple(fc.constantFrom(...REPLIES), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 40 }))
  .map(([r, sets, tail]) => {
    const a = [...r];
    for (const [at, b] of sets) if (a.length > 0) a[at % a.length] = String.fromCharCode(b);
    return a.join('') + (tail.length % 3 === 0 ? tail : '');
  });

/** What the device does between engine events: send a chunk, or let time pass. */
const event = fc.oneof(
  { weight: 3, arbitrary: noisy.map((text) => ({ kind: 'bytes' as const, text })) },
  fc.integer({ min: 1, max: 3000 }).map((ms) => ({ kind: 'wait' as const, ms })),
  fc.string({ unit: 'binary', maxLength: 600 }).map((text) => ({ kind: 'bytes' as const, text })),
  // a run of bytes that never ends a frame
  fc.tuple(fc.constantFrom('9', 'A', ' ', '#'), fc.integer({ min: 1, max: 1500 })).map(([c, n]) => ({ kind: 'bytes' as const, text: c.repeat(n) })),
);

function checkOutput(o: Output, script: Script): void {
  ensure(o.write.length <= 256 * 64, () => 'a run wrote too much at once');
  if (o.done?.ok) {
    for (const e of o.done.effects) {
      if (e.kind === 'status') ensure(NUT_STATUS.has(e.token), () => `status ${e.token}`);
      if (e.kind === 'set') {
        ensure(NAME.test(e.name) && !e.name.startsWith('driver.'), () => `name ${e.name}`);
        ensure(e.value.length > 0 && e.value.length <= 255 && !/[^\x20-\x7e]/.test(e.value), () => `${e.name} = ${JSON.stringify(e.value)}`);
      }
    }
  }
  void script;
}

/** Plays events against one block; the run must end by its budget. */
function play(script: Script, block: Block, events: Array<{ kind: 'bytes'; text: string } | { kind: 'wait'; ms: number }>): void {
  let now = 1_000_000;
  const start = now;
  const run = new BlockRun(script.transport, block, { get: (n) => ({ 'battery.voltage.low': '20.80', 'battery.voltage.high': '26.00', 'ups.delay.shutdown': '30', 'ups.delay.start': '180' })[n] }, now);
  let o = run.start(now);
  checkOutput(o, script);
  for (const ev of events) {
    if (o.done) break;
    if (ev.kind === 'bytes') o = run.bytes(ev.text, now);
    else { now += ev.ms; o = run.timer(now); }
    checkOutput(o, script);
    // a frame is at most 1024 bytes (README): more without a frame end is dropped, not kept
    ensure(run.buffered <= 1024 + (ev.kind === 'bytes' ? ev.text.length : 0), () => `${run.buffered} bytes held`);
    ensure(o.wakeAt === null || o.wakeAt <= start + script.transport.budgetMs, () => 'asked to be woken after its budget');
  }
  // then silence: timers only, until it ends
  for (let i = 0; i < 200 && !o.done; i++) {
    ensure(o.wakeAt !== null, () => 'a running block asked for no timer');
    now = Math.max(now, o.wakeAt as number);
    o = run.timer(now);
    checkOutput(o, script);
  }
  ensure(o.done !== null, () => 'the run never ended');
  ensure(now - start <= script.transport.budgetMs + 3000, () => `the run took ${now - start} ms, budget ${script.transport.budgetMs}`);
}

describe('fuzz script', () => {
  fuzz('script', 'the parser: a Script, or a ScriptError at file:line inside the file; accepted scripts keep NUT status words and the line limit',
    fc.oneof(mutated(SCRIPTS, 8), withEdits(fc.constantFrom(...SCRIPTS), SCRIPTS, 6, lineEdit).map((s) => s.data)),
    (data) => {
      let s: Script;
      try {
        s = parseScript(data, 'dev.script');
      } catch (err) {
        ensure(err instanceof ScriptError, () => `threw ${String(err)}`);
        const e = err as ScriptError;
        ensure(e.line >= 0 && e.line <= lineCount(data), () => `line ${e.line} of ${lineCount(data)}`);
        ensure(e.message.startsWith(e.line > 0 ? `dev.script:${e.line}: ` : 'dev.script: '), () => e.message);
        return;
      }
      const text = Buffer.from(data).toString('latin1');
      ensure(text.split('\n').every((l) => l.replace(/\r$/, '').length <= LINE_LIMIT), () => 'accepted a line over the limit');
      const blocks = [s.poll, s.init, s.shutdown, ...s.instcmds.values(), ...s.setvars.values()].filter((b): b is Block => b !== undefined);
      for (const b of blocks) for (const st of b.steps) if (st.kind === 'status') ensure(NUT_STATUS.has(st.token), () => `status ${st.token} accepted`);
      // and the engine runs what was accepted, against silence
      play(s, s.poll, []);
    });

  fuzz('script', 'the engine on the shipped scripts: any bytes, any timing: ends by its budget, publishes only NUT names and printable values',
    fc.tuple(fc.nat(), fc.array(event, { maxLength: 24 })),
    ([pick, events]) => {
      const script = pick % 2 === 0 ? MEGATEC : APC;
      const blocks = [script.poll, script.init, script.shutdown, ...script.instcmds.values()].filter((b): b is Block => b !== undefined);
      play(script, blocks[Math.floor(pick / 2) % blocks.length] as Block, events);
    });

  fuzz('script', 'the engine: fields that take any byte still publish printable values only',
    fc.array(event, { maxLength: 8 }),
    (events) => play(IDENT, IDENT.poll, events));
});
