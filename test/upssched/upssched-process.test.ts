// hardnut upssched as upsmon runs it (§6): real processes, the real daemon, a real CMDSCRIPT.
// The daemon's idle exit is shortened through HARDNUT_UPSSCHED_IDLE_SECONDS (main.ts IDLE_ENV).
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestDir, runHardnut, talk, waitFor, type TestDir } from '../support/stack.js';

interface Call { argv: string; upsName: string; notifyType: string; notifyMsg: string; at: number }

let dir: TestDir | undefined;
afterEach(() => { dir?.cleanup(); dir = undefined; });

/** A test dir with a CMDSCRIPT that appends "argv|UPSNAME|NOTIFYTYPE|NOTIFYMSG|ms" per run. */
function setup(atLines: string): { d: TestDir; env: NodeJS.ProcessEnv; pipe: string; calls: () => Call[] } {
  const d = makeTestDir();
  dir = d;
  const script = join(d.root, 'cmd.sh');
  const out = join(d.root, 'calls');
  writeFileSync(script, `#!/bin/sh\nprintf '%s|%s|%s|%s|%s\\n' "$*" "$UPSNAME" "$NOTIFYTYPE" "$NOTIFYMSG" "$(date +%s%3N)" >> '${out}'\n`);
  chmodSync(script, 0o755);
  const pipe = join(d.state, 'upssched.pipe');
  writeFileSync(join(d.etc, 'upssched.conf'),
    `CMDSCRIPT ${script} first-arg\nPIPEFN ${pipe}\nLOCKFN ${join(d.state, 'upssched.lock')}\n${atLines}`);
  const env: NodeJS.ProcessEnv = { ...d.env, HARDNUT_UPSSCHED_IDLE_SECONDS: '1' };
  delete env['UPSNAME'];
  delete env['NOTIFYTYPE'];
  delete env['NOTIFYMSG'];
  const calls = (): Call[] => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []).map((l) => {
    const [argv = '', upsName = '', notifyType = '', notifyMsg = '', at = '0'] = l.split('|');
    return { argv, upsName, notifyType, notifyMsg, at: Number(at) };
  });
  return { d, env, pipe, calls };
}

describe('hardnut upssched', () => {
  it('needs UPSNAME and NOTIFYTYPE, as NUT', async () => {
    const { env } = setup('AT ONBATT * EXECUTE now\n');
    const r = await runHardnut(['upssched', 'msg'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/UPSNAME and NOTIFYTYPE must be set/);
  });

  it('ONBATT starts timers and runs EXECUTE at once; ONLINE cancels one; the other fires once after ~1 s with the env; then the daemon exits', async () => {
    const { env, pipe, calls } = setup([
      'AT ONBATT * START-TIMER onbatt 1',
      'AT ONBATT * START-TIMER cancelme 2',
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

    const listed = await runHardnut(['upssched', '-l'], env);
    expect(listed.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])).toEqual(['onbatt', 'cancelme']);

    // The socket speaks §6.3 to any peer: unknown verbs get ERR UNKNOWN.
    expect(await talk(pipe, 'FROB "x"\n', /\n/)).toBe('ERR UNKNOWN\n');

    const r2 = await runHardnut(['upssched', 'UPS ups1 on line power'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'ONLINE' });
    expect(r2.code, r2.stderr).toBe(0);
    const after = await runHardnut(['upssched', '-l'], env);
    expect(after.stdout).toMatch(/^onbatt\t\d+\t-?\d+\tONBATT\tups1\tUPS ups1 on battery\n$/);

    const fired = await waitFor('the onbatt timer to fire', () => calls().find((c) => c.argv === 'first-arg onbatt'), 8000);
    expect(fired).toMatchObject({ upsName: 'ups1', notifyType: 'ONBATT', notifyMsg: 'UPS ups1 on battery' });
    expect(fired.at - t0).toBeGreaterThanOrEqual(900);
    expect(fired.at - t0).toBeLessThan(6000);

    // Idle for 1 s → the daemon removes its socket and exits; by then cancelme (2 s) would have fired.
    await waitFor('the daemon to exit', () => !existsSync(pipe), 10_000);
    expect(Date.now() - t0).toBeGreaterThan(2000);
    expect(calls().map((c) => c.argv)).toEqual(['first-arg now', 'first-arg onbatt']);
    expect(existsSync(join(dir?.state ?? '', 'upssched.lock'))).toBe(false);
  }, 30_000);

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
