// Fuzz target "apcsmart": what an APC Smart-UPS (or line noise) can send to apcsmart. Seeds: the
// simulator's replies and capability string, alert characters, mutated.
// Invariants: the reply reader never keeps an ignored character, an end of line or more than 511
// characters; the capability parser never throws and never makes a value longer than declared;
// the whole driver — start-up, polls, commands and SETs over the real transport and termios
// emulation, fed arbitrary bytes — never throws anything but a DriverError at start-up, and its
// state stays publishable with a ups.status of NUT's tokens.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { playPlan, checkPublished } from './driver-plan.js';
import { QuietLogger } from '../support/quiet-logger.js';
import { ensure, fuzz, fuzzAsync, latin1 } from './harness.js';
import { mutated } from './mutate.js';
import { ReplyBuffer, readSettings, parseCapabilities, commandSetChars, convertData, SER_AA, SER_CC, SER_CS, SER_HA, SER_TO } from '../../src/protocol/apcsmart/index.js';
import { TtyDiscipline, APC_TTY, type ByteLink } from '../../src/driver/serial/index.js';
import { ApcDriver } from '../../src/driver/drivers/apcsmart.js';
import { SerialApcIo } from '../../src/driver/drivers/apcsmart-transport.js';
import { DriverState } from '../../src/driver/dstate.js';
import { DriverError } from '../../src/core/errors.js';

const SEEDS = [
  'SM\r\n', '08\r\n', '!50\r\n', 'NA\r\n', 'OK\r\n', '*', '601.3.I\r\n', 'Smart-UPS 1500\r\n', '0130:\r\n',
  '3.!$%+?=#|.\x01\x0e\x1a-9@ABCDEFGKLMNOPQRSTUVWXYZbcefgjklmnopqrsux\r\n',
  '#uI43253264271280lI43196188208204e44200153090p443020180300600s441HMLLE443336168ON OFF\r\n',
  '##uI43253264271280\r\n', '!$%+#?=|&\r\n', '123.4\r\n', '20.5,21.0,,\r\n',
].map((s, i) => ({ name: `seed${i}`, data: latin1(s) }));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const chunk = mutated(SEEDS, 5).map(text);
const TOKENS = new Set(['OL', 'OB', 'LB', 'RB', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST']);


/** What the simulated Smart-UPS answers (test/sim/apc-smart-ups.mjs, condensed). */
const ANSWERS: Record<string, string> = {
  Y: 'SM', Q: '08', V: 'NA', b: '601.3.I', a: '3.!$%+?=#|.\x01\x0e\x1a-9@ABCDEFGKLMNOPQRSTUVWXYZbcefgjklmnopqrsux',
  '\x1a': '#uI43253264271280lI43196188208204e44200153090p443020180300600s441HMLLE443336168ON OFF',
  C: '029.2', P: '023.4', E: '336', X: 'NO', r: '000', p: '020', c: 'UPS_IDEN', L: '230.4', F: '50.00', s: 'H', 9: 'FF',
  l: '196', u: '253', G: 'O', M: '232.0', N: '228.1', O: '230.4', o: '230', T: '123.4', x: '11/29/21', f: '100.0', e: '00',
  B: '27.36', g: '024', j: '0130:', q: '02', k: '0', n: 'QS1234567890', m: '11/29/21', '\x01': 'Smart-UPS 1500',
  '-': 'OK', A: 'OK', U: 'OK', W: 'OK', D: 'OK', S: 'NA', K: 'OK', R: 'BYE',
};

/** How the line misbehaves at one command: answer right, not at all, with junk, or junk first. */
type Fault = { kind: 'real' } | { kind: 'timeout' } | { kind: 'noise'; text: string } | { kind: 'prefix'; text: string };

/** A port in front of a simulated Smart-UPS whose answers are disturbed by a script of faults. */
class FaultyUps implements ByteLink {
  isOpen = true;
  onLost: ((reason: string) => void) | undefined;
  onTraffic: ((dir: 'in' | 'out', text: string) => void) | undefined;
  private readonly tty = new TtyDiscipline(APC_TTY);
  private i = 0;
  constructor(private readonly faults: readonly Fault[]) {}
  async read(_timeoutMs: number, max = 512): Promise<string | null> {
    return this.tty.read(max);
  }
  async write(t: string): Promise<void> {
    for (const ch of t) {
      const f = this.faults[this.i++ % this.faults.length] as Fault;
      const real = ANSWERS[ch];
      if (f.kind === 'timeout') continue;
      if (f.kind === 'noise') { this.tty.push(f.text); continue; }
      if (f.kind === 'prefix') this.tty.push(f.text);
      if (real !== undefined) this.tty.push(`${real}\r\n`);
    }
  }
  discardInput(): void { this.tty.flush(); }
  async setLines(): Promise<void> { /* none */ }
  async close(): Promise<void> { this.isOpen = false; }
}

let deep = 0;

describe('fuzz apcsmart', () => {
  fuzz('apcsmart', 'reply reader: no ignored characters, no end of line, bounded', fc.tuple(fc.array(chunk, { maxLength: 6 }), fc.constantFrom(0, SER_AA, SER_CC, SER_CS, SER_HA | SER_TO)), ([chunks, flags]) => {
    const s = readSettings(flags);
    const buf = new ReplyBuffer();
    for (const c of chunks) {
      const out = buf.feed(c, s, (ch) => ensure(s.alerts.includes(ch), () => `alert ${ch} outside the alert set`));
      ensure(buf.text.length <= 511, () => 'reply longer than the buffer');
      ensure(![...buf.text].some((ch) => ch === '\n' || ch === '\0' || s.ignore.includes(ch) || s.alerts.includes(ch)), () => `kept a filtered character: ${JSON.stringify(buf.text)}`);
      if (out.kind !== 'more') break;
    }
  });

  fuzz('apcsmart', 'capabilities, command set, conversions: typed results only', fc.tuple(chunk, fc.constantFrom('hours', 'minutes', 'reason', 'volt' as const)), ([c, fmt]) => {
    const caps = parseCapabilities(c);
    // a length is one character above '0': at most 0x7f - 0x30 (bytes above 0x7f count as negative)
    for (const e of caps.entries) for (const v of e.values) ensure(v.length <= 0x7f - 0x30, () => 'value longer than a length can say');
    ensure(caps.entries.length <= c.length, () => 'more entries than characters');
    const cmds = commandSetChars(c);
    ensure(cmds === null || !cmds.includes('.'), () => 'command set kept a point');
    ensure(typeof convertData(fmt, c) === 'string', () => 'conversion');
  });

  const fault: fc.Arbitrary<Fault> = fc.oneof(
    { weight: 12, arbitrary: fc.constant({ kind: 'real' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'timeout' } as const) },
    { weight: 1, arbitrary: chunk.map((text) => ({ kind: 'noise', text }) as const) },
    { weight: 1, arbitrary: chunk.map((text) => ({ kind: 'prefix', text }) as const) },
  );
  const script = fc.array(fault, { minLength: 1, maxLength: 80 });
  const ops = fc.array(fc.oneof(
    fc.constant(['poll'] as const),
    fc.tuple(fc.constant('cmd' as const), fc.constantFrom('load.off', 'load.on', 'shutdown.return', 'shutdown.stayoff', 'calibrate.start', 'test.panel.start', 'x.y'), fc.option(fc.constantFrom('at:5', 'cs', '', 'zz'), { nil: undefined })),
    fc.tuple(fc.constant('set' as const), fc.constantFrom('input.transfer.high', 'ups.id', 'battery.date', 'ups.load'), fc.string({ maxLength: 10 })),
    fc.tuple(fc.constant('clock' as const), fc.nat({ max: 20 })),
  ), { maxLength: 15 });

  fuzzAsync('apcsmart', 'the whole driver on arbitrary bytes: only DriverError at start-up, sane state after', fc.tuple(script, ops), async ([s, plan]) => {
    const state = new DriverState();
    const clock = { now: 5000 };
    const link = new FaultyUps(s);
    const ctx = { upsName: 'f', port: '/dev/null', confPath: '/tmp', state, log: new QuietLogger('f'), vars: new Map<string, string | null>() };
    const drv = new ApcDriver(ctx, {
      io: async () => {
        const io = new SerialApcIo({ path: '/dev/null', lock: false, raw: false, log: ctx.log, openLink: async () => link, sleep: async () => undefined });
        await io.open();
        return io;
      },
      nowS: () => clock.now,
    });
    if (!(await playPlan(drv, clock, plan))) return;
    deep++;
    await drv.cleanup();
    checkPublished(state, TOKENS);
  });

  it('the driver fuzz got past start-up (the faults do not drown the UPS)', () => {
    expect(deep).toBeGreaterThan(0);
  });
});
