// HARDNUT_SECCOMP (src/sandbox/seccomp.ts seccompMode) is a debugging and profiling knob. As root
// the filter is on by default; a daemon started with the knob set to off or log must say so at
// every start, so that a unit or an init script that kept it is seen in the log, and /proc must
// show that the knob did what the warning says.
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_USER_WHY, hasExecutable, requirePeer, requireRoot, runsDaemons } from '../support/peers.js';
import { HARDNUT, makeTestDir, startHardnutDriver, waitFor, waitForSocket, type Proc, type TestDir } from '../support/stack.js';

const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

function seccompField(pid: number): string | undefined {
  return /^Seccomp:\s+(\d)/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'latin1'))?.[1];
}

async function driverWith(knob: string | undefined): Promise<{ p: Proc; d: TestDir }> {
  const d = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n', 'ups1.dev': 'ups.status: OL\nbattery.charge: 100\n' });
  undo.push(() => d.cleanup());
  if (knob === undefined) delete d.env['HARDNUT_SECCOMP'];
  else d.env['HARDNUT_SECCOMP'] = knob;
  // -D: the pipeline's last line ("confined as …, seccomp …") says every step is done
  const p = startHardnutDriver(d, 'dummy-ups', 'ups1', ['-D']);
  undo.push(() => p.stop());
  await waitForSocket(join(d.state, 'dummy-ups-ups1'));
  return { p, d };
}

describe('HARDNUT_SECCOMP as root', () => {
  for (const [knob, seccomp, words] of [['off', '0', /not filtered/], ['log', '2', /only logged, never refused/]] as const) {
    it(`=${knob}: the driver warns at start that its calls are ${knob === 'off' ? 'not filtered' : 'only logged'}, and /proc says Seccomp ${seccomp}`, async (ctx) => {
      requireRoot(ctx);
      requirePeer(ctx, runsDaemons(), DAEMON_USER_WHY);
      requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
      const { p } = await driverWith(knob);
      const warning = await waitFor('the warning', () => p.output().split('\n').find((l) => l.includes(`HARDNUT_SECCOMP=${knob}`)), 10_000);
      expect(warning).toMatch(words);
      // the warning comes first, the filter (if any) last: read /proc once the pipeline is done
      await waitFor('the end of the confinement pipeline', () => /confined as .*, seccomp /.test(p.output()), 20_000);
      expect(seccompField(p.child.pid as number)).toBe(seccomp);
    });
  }

  it('unset: filtered (Seccomp 2) and no warning', async (ctx) => {
    requireRoot(ctx);
    requirePeer(ctx, runsDaemons(), DAEMON_USER_WHY);
    requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
    const { p } = await driverWith(undefined);
    await waitFor('the end of the confinement pipeline', () => /confined as .*, seccomp /.test(p.output()), 20_000);
    expect(seccompField(p.child.pid as number)).toBe('2');
    expect(p.output()).not.toMatch(/HARDNUT_SECCOMP/);
  });
});
