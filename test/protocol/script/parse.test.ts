// The device-script language (scripted-ups, issue 17): the shipped scripts parse to what a user
// relies on, every parse error names file:line, and the engine turns device bytes into NUT values,
// status tokens and command bytes — with linear matching and a hard budget per run.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  BlockRun, checksumText, MAX_LINE_LENGTH, MAX_REPLY_BYTES, MAX_STEPS_PER_BLOCK, ScriptError, matchPattern, parseScript,
  type Block, type Outcome, type Output, type Script,
} from '../../../src/protocol/script/index.js';

const MEGATEC = readFileSync(new URL('../../../conf/devices/megatec.script', import.meta.url));
const APC = readFileSync(new URL('../../../conf/devices/apcsmart-basic.script', import.meta.url));
const Q1_REPLY = '(230.4 230.4 230.4 014 50.0 27.2 30.0 00001001\r';

/** A minimal valid script with `body` appended (top-level lines or blocks). */
const mini = (body: string): string => `poll\n  send "Q1\\r"\n  expect "{x:num}"\n  set input.voltage {x}\nend\n${body}`;

function errorOf(text: string): ScriptError {
  try {
    parseScript(text, 'dev.script');
  } catch (err) {
    if (err instanceof ScriptError) return err;
    throw err;
  }
  throw new Error('parsed');
}

/** Runs a block to its end: `device(sent)` answers each write (or stays silent), time moves by timer events only. */
function runBlock(script: Script, block: Block, device: (sent: string) => string, env: { get?: (n: string) => string | undefined; param?: string; value?: string } = {}): { outcome: Outcome; wire: string[]; at: number } {
  let now = 0;
  const wire: string[] = [];
  const run = new BlockRun(script.transport, block, { get: env.get ?? (() => undefined), ...(env.param !== undefined ? { param: env.param } : {}), ...(env.value !== undefined ? { value: env.value } : {}) }, now);
  let out: Output = run.start(now);
  for (let guard = 0; guard < 1000; guard++) {
    if (out.write) wire.push(out.write);
    if (out.done) return { outcome: out.done, wire, at: now };
    const reply = out.write ? device(out.write) : '';
    if (reply) { out = run.bytes(reply, now); continue; }
    now = out.wakeAt as number;
    out = run.timer(now);
  }
  throw new Error('run did not end');
}

describe('device scripts: the shipped ones parse', () => {
  it('megatec: Q1 poll, F/I init, ten commands, two kept delays, a shutdown sequence', () => {
    const s = parseScript(MEGATEC, 'megatec.script');
    expect(s.transport).toMatchObject({ kind: 'serial', baud: 2400, dtr: true, rts: false, framing: { kind: 'terminator', text: '\r' }, timeoutMs: 1000 });
    expect([...s.instcmds.keys()].sort()).toEqual([
      'beeper.toggle', 'load.off', 'load.on', 'shutdown.return', 'shutdown.stayoff', 'shutdown.stop',
      'test.battery.start', 'test.battery.start.deep', 'test.battery.start.quick', 'test.battery.stop',
    ]);
    expect([...s.variables.values()].map((v) => [v.name, v.option])).toEqual([['ups.delay.start', 'ondelay'], ['ups.delay.shutdown', 'offdelay']]);
    expect(s.init).toBeDefined();
    expect(s.shutdown).toBeDefined();
  });

  it('apcsmart-basic: smart mode at init, CRLF lines, the status byte as hex', () => {
    const s = parseScript(APC, 'apcsmart-basic.script');
    expect(s.transport.framing).toEqual({ kind: 'terminator', text: '\r\n' });
    expect(s.instcmds.has('test.battery.start')).toBe(true);
  });

  it('apcsmart-basic init: a setting the model lacks (NA) is not published; the others are, minutes as seconds', () => {
    const s = parseScript(APC, 'apcsmart-basic.script');
    const answers: Record<string, string> = { Y: 'SM', '\x01': 'Smart-UPS 1500', n: 'QS1', b: '601.3.I', c: 'NA', q: '02', u: 'NA', l: '196' };
    const r = runBlock(s, s.init as Block, (sent) => `${answers[sent] ?? 'NA'}\r\n`);
    if (!r.outcome.ok) throw new Error(r.outcome.reason);
    const set = new Map(r.outcome.effects.flatMap((e) => (e.kind === 'set' ? [[e.name, e.value] as const] : [])));
    expect(set.get('battery.runtime.low')).toBe('120');
    expect(set.get('input.transfer.low')).toBe('196');
    expect(set.has('ups.id')).toBe(false);
    expect(set.has('input.transfer.high')).toBe(false);
    expect(set.has('ups.delay.start')).toBe(false);
  });
});

describe('device scripts: every error names file:line', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['unknown directive', 'bogus 1\n', 6, /unknown directive 'bogus'/],
    ['unknown step', 'init\n  frobnicate\nend\n', 7, /unknown step 'frobnicate'/],
    ['block without end', 'init\n  send "x"\n', 6, /block 'init' has no 'end'/],
    ['end without block', 'end\n', 6, /'end' without a block/],
    ['unterminated string', 'init\n  send "abc\nend\n', 7, /unterminated string/],
    ['bad escape', 'init\n  send "\\q"\nend\n', 7, /unknown escape/],
    ['bad \\x', 'init\n  send "\\xZZ"\nend\n', 7, /two hex digits/],
    ['status token NUT does not have', 'init\n  status ONFIRE\nend\n', 7, /not a NUT status token/],
    ['status from a capture is impossible', 'init\n  status {x}\nend\n', 7, /not a NUT status token/],
    ['capture used before defined', 'init\n  set ups.load {nope}\nend\n', 7, /no capture \{nope\}/],
    ['capture defined twice', 'init\n  expect "{a:num} {a:num}"\nend\n', 7, /defined twice/],
    ['unknown field class', 'init\n  expect "{a:regex}"\nend\n', 7, /unknown field class 'regex'/],
    ['rest not last', 'init\n  expect "{a:rest}x"\nend\n', 7, /rest\} must be the last/],
    ['field without class', 'init\n  expect "{a}"\nend\n', 7, /needs \{name:class\}/],
    ['reserved variable', 'init\n  set driver.name "x"\nend\n', 7, /cannot be set by a script/],
    ['ups.status by set', 'init\n  set ups.status "OL"\nend\n', 7, /cannot be set by a script/],
    ['bad NUT name', 'init\n  set Input-Voltage "1"\nend\n', 7, /not a NUT variable name/],
    ['timeout out of range', 'timeout 999999\n', 6, /timeout must be 10…10000/],
    ['baud not standard', 'baud 1234\n', 6, /baud must be one of/],
    ['parity mark', 'parity mark\n', 6, /parity must be none, even or odd, not 'mark'/],
    ['databits 5', 'databits 5\n', 6, /databits must be 7…8, not 5/],
    ['parity on a tcp transport', 'parity even\ntransport tcp\n', 6, /parity and databits are serial line settings/],
    ['framing twice', 'terminator "\\r"\nlength 5\n', 7, /'framing' given twice/],
    ['terminator too long', 'terminator "abcde"\n', 6, /terminator must be 1…4 bytes/],
    ['unknown conversion', 'init\n  expect "{a:num}"\n  set ups.load {a} eval 1\nend\n', 8, /unknown conversion 'eval'/],
    ['param outside instcmd', 'init\n  send "{param}"\nend\n', 7, /param exists only in an instcmd/],
    ['unknown template op', 'instcmd x.y\n  send "{param exp 2}"\nend\n', 7, /unknown operation 'exp'/],
    ['instcmd default outside its range', 'instcmd test.battery.start range 60..120 default 5\nend\n', 6, /default 5 is not allowed/],
    ['empty range', 'instcmd a.b range 9..1\nend\n', 6, /range 9..1 is empty/],
    ['variable without default', 'variable ups.delay.start range 0..10\n', 6, /needs a default/],
    ['variable option not NUT\'s', 'variable ups.delay.start default 1 option port\n', 6, /option must be one of ondelay offdelay, not 'port'/],
    ['variable option twice', 'variable ups.delay.start default 1 option ondelay\nvariable ups.delay.reboot default 1 option ondelay\n', 7, /option ondelay given to two variables/],
    ['bad comparison', 'init\n  status OL when $x ~ 1\nend\n', 7, /unknown comparison '~'/],
    ['duplicate instcmd', 'instcmd a.b\nend\ninstcmd a.b\nend\n', 8, /'instcmd a.b' given twice/],
    ['checksum not in the list', 'init\n  expect "x" check md5 hex\nend\n', 7, /unknown checksum 'md5' \(sum8 xor8 crc16-xmodem\)/],
    ['checksum without encoding', 'init\n  expect "x" check sum8\nend\n', 7, /missing checksum encoding/],
    ['checksum in send with more words', 'init\n  send "Q{sum8 hex pad 2}"\nend\n', 7, /\{sum8 hex\|raw\} takes only its encoding/],
    ['quote inside a word', 'init\n  set ups.type {x} map 1="a b"\nend\n', 7, /a quote inside a word/],
  ];
  for (const [what, body, line, msg] of cases) {
    it(what, () => {
      const e = errorOf(mini(body));
      expect(e.code).toBe('ERR_SCRIPT');
      expect(e.line).toBe(line);
      expect(e.message).toMatch(new RegExp(`^dev\\.script:${line}: `));
      expect(e.message).toMatch(msg);
    });
  }

  it('parity and databits reach the transport (7E1, 8O1); 8N1 when not given', () => {
    expect(parseScript(mini('parity even\ndatabits 7\n'), 'dev.script').transport).toMatchObject({ parity: 'even', dataBits: 7 });
    expect(parseScript(mini('parity odd\n'), 'dev.script').transport).toMatchObject({ parity: 'odd', dataBits: 8 });
    expect(parseScript(mini(''), 'dev.script').transport).toMatchObject({ parity: 'none', dataBits: 8 });
  });

  it('checksums from the fixed list: the known vectors, appended to a send, verified and cut off a reply', () => {
    expect(checksumText({ name: 'crc16-xmodem', enc: 'hex' }, '123456789')).toBe('31C3');
    expect(checksumText({ name: 'crc16-xmodem', enc: 'raw' }, 'QPIGS')).toBe('\xb7\xa9');
    expect(checksumText({ name: 'sum8', enc: 'hex' }, 'ABC')).toBe('C6');
    expect(checksumText({ name: 'xor8', enc: 'raw' }, 'AB')).toBe('\x03');
    const s = parseScript('poll\n  send "QPIGS{crc16-xmodem raw}\\r"\n  expect "({v:num} {w:word}" check sum8 hex\n  set input.voltage {v}\n  status OL when {w} = OK\nend\n', 'dev.script');
    const body = '(230.0 OK';
    const good = runBlock(s, s.poll, () => `${body}${checksumText({ name: 'sum8', enc: 'hex' }, body)}\r`);
    expect(good.wire).toEqual(['QPIGS\xb7\xa9\r']);
    expect(good.outcome).toEqual({ ok: true, effects: [{ kind: 'set', name: 'input.voltage', value: '230.0' }, { kind: 'status', token: 'OL' }] });
    const bad = runBlock(s, s.poll, () => `(231.0 OK${checksumText({ name: 'sum8', enc: 'hex' }, body)}\r`).outcome;
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.reason).toMatch(/fails its sum8 checksum/);
    expect(runBlock(s, s.poll, () => 'C\r').outcome.ok).toBe(false);
  });

  it('no poll block', () => {
    expect(errorOf('init\nend\n').message).toBe("dev.script: no 'poll' block");
  });

  it('hostile files: too large, too many lines, binary junk, an endless string — an error, never a hang', () => {
    expect(errorOf('#'.repeat(64 * 1024 + 1)).message).toBe('dev.script: larger than 65536 bytes');
    expect(errorOf('\n'.repeat(2001)).message).toBe('dev.script: more than 2000 lines');
    expect(errorOf('\x00\xff\x1b[31m\n').message).toMatch(/^dev\.script:1: unknown directive/);
    expect(errorOf(`name "${'\\'.repeat(300)}`).message).toMatch(/^dev\.script:1: (unterminated string|line longer)/);
  });

  it('limits: a line too long, too many steps', () => {
    expect(errorOf(mini(`name "${'x'.repeat(MAX_LINE_LENGTH)}"\n`)).message).toMatch(/^dev\.script:6: line longer than 512/);
    const many = Array.from({ length: MAX_STEPS_PER_BLOCK + 1 }, () => '  send "x"\n').join('');
    expect(errorOf(mini(`init\n${many}end\n`)).message).toMatch(/^dev\.script:71: more than 64 steps/);
  });
});

describe('device scripts: the engine on the megatec script', () => {
  const s = parseScript(MEGATEC, 'megatec.script');
  const vars: Record<string, string> = { 'battery.voltage.low': '20.80', 'battery.voltage.high': '26.00', 'ups.delay.shutdown': '120', 'ups.delay.start': '60' };
  const get = (n: string): string | undefined => vars[n];

  it('a Q1 reply becomes the values and status nutdrv_qx publishes', () => {
    const r = runBlock(s, s.poll, (sent) => (sent === 'Q1\r' ? Q1_REPLY : ''), { get });
    expect(r.wire).toEqual(['Q1\r']);
    if (!r.outcome.ok) throw new Error(r.outcome.reason);
    const set = Object.fromEntries(r.outcome.effects.flatMap((e) => (e.kind === 'set' ? [[e.name, e.value]] : [])));
    expect(set).toEqual({
      'input.voltage': '230.4', 'input.voltage.fault': '230.4', 'output.voltage': '230.4', 'ups.load': '14', 'input.frequency': '50.0',
      'battery.voltage': '27.20', 'ups.temperature': '30.0', 'ups.beeper.status': 'enabled', 'battery.charge': '100',
    });
    expect(r.outcome.effects.filter((e) => e.kind === 'status')).toEqual([{ kind: 'status', token: 'OL' }]);
  });

  it('on battery, low battery, shutdown active: OB LB FSD and the alarm', () => {
    const r = runBlock(s, s.poll, () => '(000.0 230.4 230.4 014 50.0 22.0 30.0 11000011\r', { get });
    if (!r.outcome.ok) throw new Error(r.outcome.reason);
    expect(r.outcome.effects.filter((e) => e.kind !== 'set')).toEqual([
      { kind: 'status', token: 'OB' }, { kind: 'status', token: 'LB' }, { kind: 'status', token: 'FSD' }, { kind: 'alarm', text: 'Shutdown imminent!' },
    ]);
  });

  it('bit 5 is TRIM, BYPASS or BOOST by output/input voltage as nutdrv_qx decides (0.5 / 0.95 / 1.05 / 1.5); outside, the poll fails', () => {
    const status = (ov: string): string[] | string => {
      const r = runBlock(s, s.poll, () => `(230.0 230.0 ${ov} 014 50.0 27.2 30.0 00101001\r`, { get });
      if (!r.outcome.ok) return r.outcome.reason;
      return r.outcome.effects.flatMap((e) => (e.kind === 'status' ? [e.token] : []));
    };
    expect(status('114.9')).toBe('output voltage too low');
    expect(status('115.0')).toEqual(['OL', 'TRIM']);
    expect(status('218.4')).toEqual(['OL', 'TRIM']);
    expect(status('218.5')).toEqual(['OL', 'BYPASS']);
    expect(status('241.4')).toEqual(['OL', 'BYPASS']);
    expect(status('241.5')).toEqual(['OL', 'BOOST']);
    expect(status('344.9')).toEqual(['OL', 'BOOST']);
    expect(status('345.0')).toBe('output voltage too high');
  });

  it('when … and …: every condition must hold; a value compared with a capture must be a number', () => {
    const sc = parseScript('poll\n  send "Q\\r"\n  expect "{a:word} {b:word}"\n  status OL when {a} < {b} scale 2 and {a} > 1\nend\n', 'dev.script');
    const tokens = (reply: string): Outcome => runBlock(sc, sc.poll, () => `${reply}\r`).outcome;
    expect(tokens('3 2')).toEqual({ ok: true, effects: [{ kind: 'status', token: 'OL' }] });
    expect(tokens('1 2')).toEqual({ ok: true, effects: [] });
    expect(tokens('5 2')).toEqual({ ok: true, effects: [] });
    expect(tokens('3 x').ok).toBe(false);
    expect(errorOf(mini('init\n  status OL when $a = 1 and $b = 1 and $c = 1 and $d = 1 and $e = 1\nend\n')).message).toMatch(/^dev\.script:7: more than 4 conditions/);
    expect(errorOf(mini('init\n  status OL when $a = 1 or $b = 1\nend\n')).message).toMatch(/^dev\.script:7: unexpected 'or' \(expected 'and'\)/);
  });

  it('commands: the bytes nutdrv_qx sends, with parameters and kept delays', () => {
    const cmd = (name: string, param?: string, env = get): string[] => runBlock(s, s.instcmds.get(name) as Block, () => '', { get: env, ...(param ? { param } : {}) }).wire;
    expect(cmd('shutdown.return')).toEqual(['S02R0001\r']);
    expect(cmd('shutdown.return', undefined, (n) => ({ 'ups.delay.shutdown': '30', 'ups.delay.start': '0' })[n])).toEqual(['S.5\r']);
    expect(cmd('shutdown.stayoff')).toEqual(['S02R0000\r']);
    expect(cmd('test.battery.start', '180')).toEqual(['T03\r']);
    expect(cmd('test.battery.start')).toEqual(['T10\r']);
    expect(cmd('beeper.toggle')).toEqual(['Q\r']);
  });

  it('a command the unit echoes back (refused) fails; silence is accepted', () => {
    const block = s.instcmds.get('beeper.toggle') as Block;
    expect(runBlock(s, block, () => '').outcome.ok).toBe(true);
    const refused = runBlock(s, block, (sent) => sent);
    expect(refused.outcome.ok).toBe(false);
  });

  it('a silent device fails the poll at the step timeout, a chattering one within the budget', () => {
    const silent = runBlock(s, s.poll, () => '', { get });
    expect(silent.outcome).toMatchObject({ ok: false, reason: /no reply within 1000 ms/ });
    expect(silent.at).toBe(s.transport.timeoutMs);
    // bytes without the terminator, forever: the reply cap ends it
    const run = new BlockRun(s.transport, s.poll, { get }, 0);
    run.start(0);
    let out: Output | undefined;
    let fed = 0;
    for (let t = 0; t < 100_000 && !out?.done; t++) { out = run.bytes('x'.repeat(64), t); fed += 64; }
    expect(out?.done).toMatchObject({ ok: false, reason: /longer than 1024 bytes/ });
    expect(fed).toBeLessThanOrEqual(MAX_REPLY_BYTES + 64);
    // a slow trickle of non-terminated bytes: the step deadline ends it however often bytes come
    const slow = new BlockRun(s.transport, s.poll, { get }, 0);
    slow.start(0);
    let o2: Output | undefined;
    let t = 0;
    for (; t < 10_000 && !o2?.done; t += 100) o2 = slow.bytes('y', t);
    expect(o2?.done).toMatchObject({ ok: false });
    expect(t).toBeLessThanOrEqual(s.transport.timeoutMs + 100);
  });
});

describe('device-side writable variables (setvar blocks)', () => {
  it('the value goes into the bytes sent, the rule is the script\'s, the reply decides', () => {
    const s = parseScript('poll\n  send "Q\\r"\n  expect "{a:num}"\n  set input.voltage {a}\nend\nsetvar input.transfer.high values 253 264 271\n  send "HT{value}\\r"\n  expect "OK {echo:int}"\n  set input.transfer.high {echo}\nend\n', 'sv.script');
    const block = s.setvars.get('input.transfer.high') as Block;
    expect(block.rule).toEqual({ kind: 'values', values: ['253', '264', '271'] });
    const ok = runBlock(s, block, (sent) => `OK ${sent.slice(2, 5)}\r`, { value: '264' });
    expect(ok.wire).toEqual(['HT264\r']);
    expect(ok.outcome).toEqual({ ok: true, effects: [{ kind: 'set', name: 'input.transfer.high', value: '264' }] });
    expect(runBlock(s, block, () => 'NO\r', { value: '264' }).outcome.ok).toBe(false);
  });
});

describe('the engine never exceeds a block\'s budget', () => {
  it('a device that answers every query just inside the step timeout: the APC poll stops at its budget', () => {
    const s = parseScript(APC, 'apcsmart-basic.script');
    const run = new BlockRun(s.transport, s.poll, { get: () => undefined }, 0);
    let now = 0;
    let out = run.start(now);
    const answers: Record<string, string> = { Q: '08', f: '100.0', B: '27.36', j: '0130:', L: '230.4', F: '50.00', O: '230.4', P: '023.4', C: '029.2' };
    let asked = 0;
    let pending: { at: number; text: string } | undefined;
    while (!out.done) {
      if (out.write) { asked++; pending = { at: now + 900, text: `${answers[out.write] ?? 'NA'}\r\n` }; }
      // whichever comes first: the device's answer or the engine's wake-up
      if (pending && (out.wakeAt === null || pending.at < out.wakeAt)) {
        now = pending.at;
        const text = pending.text;
        pending = undefined;
        out = run.bytes(text, now);
      } else {
        now = out.wakeAt as number;
        out = run.timer(now);
      }
    }
    // nine queries at 0.9 s each would take 8.1 s; the budget is 6 s
    expect(out.done).toMatchObject({ ok: false, reason: 'budget of 6000 ms spent' });
    expect(now).toBeLessThanOrEqual(s.transport.budgetMs);
    expect(asked).toBe(7);
  });

  it('a catastrophic-for-backtracking pattern on a longest-possible reply: the run ends at once, far inside its budget', () => {
    const s = parseScript('budget 1000\npoll\n  send "x\\r"\n  expect "{a:word}{b:word}{c:num}{d:num}.{e:int}{f:rest}"\nend\n', 'evil.script');
    const run = new BlockRun(s.transport, s.poll, { get: () => undefined }, 0);
    run.start(0);
    const t0 = process.hrtime.bigint();
    const out = run.bytes(`${'1'.repeat(MAX_REPLY_BYTES - 1)}\r`, 0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(out.done).toMatchObject({ ok: false, reason: /does not match/ });
    expect(ms).toBeLessThan(100);
  });
});

describe('the pattern matcher is linear: no backtracking on a hostile reply', () => {
  it('(a+)+b-style input: a long run that almost matches costs linear time', () => {
    const s = parseScript('poll\n  send "x"\n  expect "{a:word}{b:word}{c:num}.{d:num}z"\nend\n', 'evil.script');
    const expectStep = s.poll.steps[1];
    if (expectStep?.kind !== 'expect') throw new Error('no expect');
    const reply = 'a'.repeat(200_000);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) expect(matchPattern(expectStep.pattern, reply)).toBeNull();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // ten scans of 200 kB: a backtracking engine takes hours on this, a linear one milliseconds
    expect(ms).toBeLessThan(2000);
    expect(matchPattern(expectStep.pattern, 'ab12.5z')).toBeNull(); // word is maximal: it eats the b too
    const ok = parseScript('poll\n  send "x"\n  expect "#{a:3} {b:hex},{c:word}/{d:rest}"\nend\n', 'ok.script').poll.steps[1];
    if (ok?.kind !== 'expect') throw new Error('no expect');
    expect(Object.fromEntries(matchPattern(ok.pattern, '#abc 1F,foo/the rest') ?? [])).toEqual({ a: 'abc', b: '1F', c: 'foo', d: 'the rest' });
  });
});
