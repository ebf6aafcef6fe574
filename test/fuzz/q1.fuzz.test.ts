// Fuzz target "q1": what a Megatec/Q1 UPS (or line noise) can send to nutdrv_qx. Seeds: real
// replies (NUT's test table, the simulator's), mutated.
// Invariants: reply parsing never throws and a numeric value is always digits and a point; the
// termios emulation hands out exactly the bytes that arrived, one line per read; the whole
// driver, fed arbitrary replies for start-up, polls, commands and SETs, never throws anything
// but a DriverError at start-up, publishes only valid names and ≤ 255-character values, and a
// ups.status made of NUT's tokens.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { playPlan, checkPublished } from './driver-plan.js';
import { QuietLogger } from '../support/quiet-logger.js';
import { ensure, fuzz, fuzzAsync, latin1 } from './harness.js';
import { mutated } from './mutate.js';
import { MEGATEC, processAnswer, infoValue } from '../../src/protocol/q1/index.js';
import { TtyDiscipline, QX_TTY } from '../../src/driver/serial/index.js';
import { QxDriver } from '../../src/driver/drivers/nutdrv-qx.js';
import type { QxReply, QxTransport } from '../../src/driver/drivers/nutdrv-qx-transport.js';
import { DriverState } from '../../src/driver/dstate.js';
import { DriverError } from '../../src/core/errors.js';

const SEEDS = [
  '(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r',
  '(230.4 230.4 230.4 014 50.0 27.2 30.0 11111111\r',
  '(226.0 195.0 226.0 014 49.0 2.27 30.0 00101001\r',
  '#230.0 004 024.0 50.0\r',
  '#HARDNUT SIM     Q1-1000    V2.21     \r',
  '#-------------   ------     VT12046Q  \r',
  'Q1\r', '(ACK\r', '(NAK\r', '',
].map((s, i) => ({ name: `seed${i}`, data: latin1(s) }));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const reply = mutated(SEEDS, 6).map(text);
const NUMERIC_ITEMS = new Set(MEGATEC.items.filter((i) => i.dfl !== null && i.dfl !== '%s' && i.preprocess === undefined));
const TOKENS = new Set(['ALARM', 'OL', 'OB', 'LB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD']);

let deep = 0;


describe('fuzz q1', () => {
  fuzz('q1', 'any reply, any item: a typed result, numeric values stay numeric', fc.tuple(reply, fc.nat()), ([r, n]) => {
    const item = MEGATEC.items[n % MEGATEC.items.length];
    if (!item) return;
    const a = processAnswer(item, r.slice(0, 511), Math.min(r.length, 511));
    if (!a.ok) return;
    const v = infoValue(item, a.value, { input: '230.0', output: r.slice(13, 18) });
    if (v.kind === 'set' && NUMERIC_ITEMS.has(item)) ensure(/^\d+(\.\d+)?$/.test(v.value), () => `${item.name} = ${v.value}`);
  });

  fuzz('q1', 'termios emulation: reads give back exactly what arrived, one line at most', fc.array(fc.string({ unit: 'binary-ascii', maxLength: 80 }), { maxLength: 12 }), (chunks) => {
    const t = new TtyDiscipline(QX_TTY);
    let got = '';
    for (const c of chunks) {
      t.push(c);
      for (let r = t.read(511); r !== null; r = t.read(511)) {
        const eol = r.search(/[\r\n]/);
        ensure(eol < 0 || eol === r.length - 1, () => `a read returned more than one line: ${JSON.stringify(r)}`);
        got += r;
      }
    }
    const all = chunks.join('');
    ensure(all.startsWith(got), () => 'reads are not a prefix of the input');
    ensure(!/[\r\n]/.test(all.slice(got.length)), () => 'a complete line was never returned');
  });

  /** At each command the UPS answers right, not at all, with junk, junk first, or the port fails. */
  type Fault = { kind: 'real' | 'timeout' | 'error' } | { kind: 'noise' | 'prefix'; text: string };
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    { weight: 10, arbitrary: fc.constant({ kind: 'real' } as const) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'timeout' } as const, { kind: 'error' } as const) },
    { weight: 2, arbitrary: reply.map((text) => ({ kind: 'noise', text }) as const) },
    { weight: 1, arbitrary: reply.map((text) => ({ kind: 'prefix', text }) as const) },
  );
  const replies = fc.array(fault, { minLength: 1, maxLength: 40 });
  const real = (cmd: string): string => {
    const c = cmd.slice(0, -1);
    if (c === 'Q1') return '(230.4 230.4 230.4 014 50.0 27.2 30.0 00001001\r';
    if (c === 'F') return '#230.0 004 024.0 50.0\r';
    if (c === 'I') return '#HARDNUT SIM     Q1-1000    V2.21     \r';
    return /^(T|TL|T\d\d|CT|Q|S.*|C)$/.test(c) ? '' : cmd;
  };
  const ops = fc.array(fc.oneof(
    fc.constant(['poll'] as const),
    fc.tuple(fc.constant('cmd' as const), fc.constantFrom('beeper.toggle', 'shutdown.return', 'test.battery.start', 'load.off', 'x.y'), fc.option(fc.string({ maxLength: 6 }), { nil: undefined })),
    fc.tuple(fc.constant('set' as const), fc.constantFrom('ups.delay.start', 'ups.delay.shutdown', 'ups.load'), fc.string({ maxLength: 8 })),
    fc.tuple(fc.constant('clock' as const), fc.nat({ max: 100 })),
  ), { maxLength: 25 });

  fuzzAsync('q1', 'the whole driver on arbitrary replies: only DriverError at start-up, sane state after', fc.tuple(replies, ops, fc.boolean()), async ([rs, script, autodetect]) => {
    let i = 0;
    const transport: QxTransport = {
      command: async (cmd): Promise<QxReply> => {
        const f = rs[i++ % rs.length] as Fault;
        if (f.kind === 'error') return null;
        const r = (f.kind === 'timeout' ? '' : f.kind === 'noise' ? f.text : f.kind === 'prefix' ? f.text + real(cmd) : real(cmd)).slice(0, 511);
        return { len: r.length, answer: r };
      },
      close: async () => undefined,
    };
    const state = new DriverState();
    const clock = { now: 1000 };
    const vars = new Map<string, string | null>(autodetect ? [] : [['protocol', 'megatec']]);
    const drv = new QxDriver({ upsName: 'f', port: '/dev/null', confPath: '/tmp', state, log: new QuietLogger('f'), vars }, { transport: async () => transport, nowS: () => clock.now });
    if (!(await playPlan(drv, clock, script))) return;
    deep++;
    checkPublished(state, TOKENS);
  });

  it('the driver fuzz got past start-up (the faults do not drown the UPS)', () => {
    expect(deep).toBeGreaterThan(0);
  });
});
