// hardnut upssched as upsmon runs it (§6): real processes, the real daemon, a real CMDSCRIPT.
// The daemon's idle exit is shortened through HARDNUT_UPSSCHED_IDLE_SECONDS (main.ts IDLE_ENV).
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWritableFile, makeTestDir, runHardnut, talk, waitFor, type TestDir } from '../support/stack.js';

interface Call { argv: string; upsName: string; notifyType: string; notifyMsg: string; at: number }

let dir: TestDir | undefined;
afterEach(() => { dir?.cleanup(); dir = undefined; });

/** A test dir with a CMDSCRIPT that appends "argv|UPSNAME|NOTIFYTYPE|NOTIFYMSG|ms" per run. */
function setup(atLines: string): { d: TestDir; env: NodeJS.ProcessEnv; pipe: string; calls: () => Call[] } {
  const d = makeTestDir();
  dir = d;
  const script = join(d.root, 'cmd.sh');
  // the daemon runs CMDSCRIPT as its user (nut when started as root), a client as its caller
  const out = daemonWritableFile(d, 'calls');
  writeFileSync(script, `#!/bin/sh\nprintf '%s|%s|%s|%s|%s\\n' "$*" "$UPSNAME" "$NOTIFYTYPE" "$NOTIFYMSG" "$(date +%s%3N)" >> '${out}'\n`);
  chmodSync(script, 0o755);
  const pipe = join(d.state, 'upssched.pipe');
  writeFileSync(join(d.etc, 'upssched.conf'),
    `CMDSCRIPT ${script} first-arg\nPIPEFN ${pipe}\nLOCKFN ${join(d.state, 'upssched.lock')}\n${atLines}`);
  const env: NodeJS.ProcessEnv = { ...d.env, HARDNUT_UPSSCHED_IDLE_SECONDS: '1' };
  delete env['UPSNAME'];
  delete env['NOTIFYTYPE'];
  delete env['NOTIFYMSG'];
  const calls = (): Call[] => readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [argv = '', upsName = '', notifyType = '', notifyMsg = '', at = '0'] = l.split('|');
    return { argv, upsName, notifyType, notifyMsg, at: Number(at) };
  });
  return { d, env, pipe, calls };
}

/** The timer that must fire, and the one ONLINE must cancel first (see the test below). */
const FIRE_S = 6;
const CANCEL_S = 50;

/** `upssched -l` rows: name, expiry (seconds since the epoch). */
function listing(out: string): Array<{ name: string; expires: number }> {
  return out.split('\n').filter(Boolean).map((l) => { const [name = '', expires = '0'] = l.split('\t'); return { name, expires: Number(expires) }; });
}

describe('hardnut upssched', () => {
  it('needs UPSNAME and NOTIFYTYPE, as NUT', async () => {
    const { env } = setup('AT ONBATT * EXECUTE now\n');
    const r = await runHardnut(['upssched', 'msg'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/UPSNAME and NOTIFYTYPE must be set/);
  });

  // Timer lengths are far longer than the tool calls that must happen while they run (each
  // `hardnut upssched` is a Node start, ~0.5 s idle and several seconds on a loaded machine); when
  // the timer fires is checked against the expiry the daemon itself reported, not the test's clock.
  it(`ONBATT starts timers and runs EXECUTE at once; ONLINE cancels one; the other fires once at its expiry with the env; then the daemon exits`, async () => {
    const { env, pipe, calls } = setup([
      `AT ONBATT * START-TIMER onbatt ${String(FIRE_S)}`,
      `AT ONBATT * START-TIMER cancelme ${String(CANCEL_S)}`,
      'AT ONBATT ups2 EXECUTE not-for-ups1',
      'AT onbatt ups1 EXECUTE now',
      'AT ONLINE * CANCEL-TIMER cancelme',
      '',
    ].join('\n'));
    const t0 = Date.now();
    const r1 = await runHardnut(['upssched', 'UPS ups1 on battery'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'ONBATT' });
    expect(r1.code, r1.stderr).toBe(0);
    // EXECUTE ran before upssched returned, as an argv: CMDSCRIPT's own argument, then the command.
    expect(calls().map((c) => [c.argv, c.upsName, c.notifyType])).toEqual([['first-arg now', 'ups1', 'ONBATT']]);
    expect(statSync(pipe).isSocket()).toBe(true);
    expect(statSync(pipe).mode & 0o777).toBe(0o660);

    const listed = listing((await runHardnut(['upssched', '-l'], env)).stdout);
    expect(listed.map((t) => t.name)).toEqual(['onbatt', 'cancelme']);
    const expires = listed[0]?.expires ?? 0;
    // the daemon's own expiry: FIRE_S after it started the timer, which was between t0 and now
    expect(expires * 1000).toBeGreaterThanOrEqual(t0 + FIRE_S * 1000 - 1000);
    expect(expires * 1000).toBeLessThanOrEqual(Date.now() + FIRE_S * 1000);

    // The socket speaks §6.3 to any peer: unknown verbs get ERR UNKNOWN.
    expect(await talk(pipe, 'FROB "x"\n', /\n/)).toBe('ERR UNKNOWN\n');

    const r2 = await runHardnut(['upssched', 'UPS ups1 on line power'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'ONLINE' });
    expect(r2.code, r2.stderr).toBe(0);
    const after = (await runHardnut(['upssched', '-l'], env)).stdout;
    // cancelme is gone; onbatt is still listed unless a very slow machine already saw it fire
    if (!calls().some((c) => c.argv === 'first-arg onbatt')) {
      expect(after).toMatch(/^onbatt\t\d+\t-?\d+\tONBATT\tups1\tUPS ups1 on battery\n$/);
    } else expect(after).not.toMatch(/cancelme/);

    const fired = await waitFor('the onbatt timer to fire', () => calls().find((c) => c.argv === 'first-arg onbatt'), FIRE_S * 1000 + 20_000);
    expect(fired).toMatchObject({ upsName: 'ups1', notifyType: 'ONBATT', notifyMsg: 'UPS ups1 on battery' });
    // expiry is listed in whole seconds (truncated), so the fire is at most 1 s "before" it
    expect(fired.at).toBeGreaterThanOrEqual(expires * 1000 - 1000);

    // No timer left → the daemon removes its socket and exits after its idle second. Had ONLINE
    // not cancelled cancelme, the daemon would still be waiting for it (CANCEL_S).
    await waitFor('the daemon to exit', () => !existsSync(pipe), 20_000);
    expect(Date.now()).toBeLessThan(t0 + CANCEL_S * 1000);
    expect(calls().map((c) => c.argv)).toEqual(['first-arg now', 'first-arg onbatt']);
    expect(existsSync(join(dir?.state ?? '', 'upssched.lock'))).toBe(false);
  }, 60_000);

  it('refuses to replace a PIPEFN that is not a socket', async () => {
    const { env, pipe, calls } = setup('AT ONBATT * START-TIMER t 1\n');
    writeFileSync(pipe, 'precious');
    const r = await runHardnut(['upssched', 'm'], { ...env, UPSNAME: 'u', NOTIFYTYPE: 'ONBATT' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a socket/);
    expect(readFileSync(pipe, 'utf8')).toBe('precious');
    expect(existsSync(join(dir?.state ?? '', 'upssched.lock'))).toBe(false);
    expect(calls()).toEqual([]);
  });

  it('CANCEL-TIMER with a command runs it when there was nothing to cancel', async () => {
    const { env, pipe, calls } = setup('AT ONLINE * CANCEL-TIMER gone was-not-running\n');
    const r = await runHardnut(['upssched', 'back'], { ...env, UPSNAME: 'u', NOTIFYTYPE: 'ONLINE' });
    expect(r.code, r.stderr).toBe(0);
    const c = await waitFor('the cancel command', () => calls()[0], 5000);
    expect(c).toMatchObject({ argv: 'first-arg was-not-running', upsName: 'u', notifyType: 'ONLINE', notifyMsg: 'back' });
    await waitFor('the daemon to exit', () => !existsSync(pipe), 10_000);
  }, 20_000);
});
