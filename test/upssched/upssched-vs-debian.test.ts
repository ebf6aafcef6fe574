// Interop (§6.3): Debian's NUT 2.8.0 upssched client talks to hardnut's timer daemon, and
// hardnut's client (5-word requests) talks to Debian's daemon.
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWritableFile, makeTestDir, run, runHardnut, waitFor, type TestDir } from '../support/stack.js';
import { hasExecutable, requirePeer } from '../support/peers.js';

const DEBIAN_UPSSCHED = '/sbin/upssched';
/**
 * The timer ONBATT starts: long enough that a `upssched -l` (a Node start, seconds on a loaded
 * machine) still finds it running; the tests then wait for it to fire, however long that takes.
 */
const FIRE_S = 6;

let dir: TestDir | undefined;
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) { try { process.kill(pid); } catch { /* gone */ } }
  dir?.cleanup();
  dir = undefined;
});

function setup(): { env: NodeJS.ProcessEnv; pipe: string; calls: () => string[]; d: TestDir } {
  const d = makeTestDir();
  dir = d;
  const script = join(d.root, 'cmd.sh');
  // the daemon runs CMDSCRIPT as its user (nut when started as root), a client as its caller
  const out = daemonWritableFile(d, 'calls');
  writeFileSync(script, `#!/bin/sh\nprintf '%s|%s\\n' "$*" "$UPSNAME" >> '${out}'\n`);
  chmodSync(script, 0o755);
  const pipe = join(d.state, 'upssched.pipe');
  writeFileSync(join(d.etc, 'upssched.conf'), [
    `CMDSCRIPT ${script}`, `PIPEFN ${pipe}`, `LOCKFN ${join(d.state, 'upssched.lock')}`,
    'AT COMMBAD * START-TIMER keep 30',
    `AT ONBATT * START-TIMER fired ${String(FIRE_S)}`,
    // keep exists, so it is removed and nothing runs; nothere does not, so cancel-ran runs.
    'AT ONBATT * CANCEL-TIMER keep keep-was-not-running',
    'AT ONBATT * CANCEL-TIMER nothere cancel-ran',
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...d.env, HARDNUT_UPSSCHED_IDLE_SECONDS: '1' };
  const calls = (): string[] => readFileSync(out, 'utf8').split('\n').filter(Boolean);
  return { env, pipe, calls, d };
}

/** Pids of Debian upssched daemons started with this test dir's config. */
function debianDaemons(confDir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (!readFileSync(`/proc/${p}/cmdline`, 'latin1').startsWith(DEBIAN_UPSSCHED)) continue;
      if (readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`NUT_CONFPATH=${confDir}`)) pids.push(Number(p));
    } catch { /* exited */ }
  }
  return pids;
}

describe('upssched interop with Debian NUT 2.8.0', () => {
  it("Debian's upssched client drives hardnut's daemon", async (ctx) => {
    requirePeer(ctx, hasExecutable(DEBIAN_UPSSCHED), `Debian's ${DEBIAN_UPSSCHED}`);
    const { env, pipe, calls } = setup();
    const h = await runHardnut(['upssched', 'comm lost'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'COMMBAD' });
    expect(h.code, h.stderr).toBe(0);
    expect((await runHardnut(['upssched', '-l'], env)).stdout).toMatch(/^keep\t/);
    // Debian sends `START "fired" "1"` and `CANCEL "…" "…"` to our socket and needs OK for each.
    const deb = await run(DEBIAN_UPSSCHED, ['on battery'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'ONBATT' });
    expect(deb.code, deb.stdout + deb.stderr).toBe(0);
    expect((await runHardnut(['upssched', '-l'], env)).stdout).toMatch(/^fired\t\d+\t-?\d+\t""\t""\t""\n$/);
    await waitFor('the timer Debian started to fire', () => calls().includes('fired|'), FIRE_S * 1000 + 20_000);
    await waitFor('hardnut daemon to exit', () => !existsSync(pipe), 20_000);
    expect(calls().sort()).toEqual(['cancel-ran|', 'fired|']);
  }, 60_000);

  it("hardnut's upssched client drives Debian's daemon", async (ctx) => {
    requirePeer(ctx, hasExecutable(DEBIAN_UPSSCHED), `Debian's ${DEBIAN_UPSSCHED}`);
    const { env, calls, d } = setup();
    const deb = await run(DEBIAN_UPSSCHED, ['comm lost'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'COMMBAD' });
    expect(deb.code, deb.stdout + deb.stderr).toBe(0);
    const pids = await waitFor("Debian's timer daemon", () => { const p = debianDaemons(d.etc); return p.length > 0 && p; }, 5000);
    started.push(...pids);
    // Our requests carry 5 words; NUT 2.8.0's daemon ignores the extra ones and answers OK.
    const h = await runHardnut(['upssched', 'on battery'], { ...env, UPSNAME: 'ups1', NOTIFYTYPE: 'ONBATT' });
    expect(h.code, h.stderr).toBe(0);
    await waitFor("the timer hardnut started to fire in Debian's daemon", () => calls().some((c) => c.startsWith('fired|')), FIRE_S * 1000 + 20_000);
    // NUT 2.8.0's daemon sets no UPSNAME of its own: it keeps the one of the client that forked it.
    expect(calls().sort()).toEqual(['cancel-ran|ups1', 'fired|ups1']);
  }, 60_000);
});
