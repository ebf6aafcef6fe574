// hardnut upssched as hardnut upsmon's NOTIFYCMD, end to end: hardnut dummy-ups replays two
// outages → hardnut upsd → `hardnut upsmon` (as root: the split, the dispatcher running
// NOTIFYCMD as nut under its seccomp filter) → `hardnut upssched` (client, then its timer daemon,
// respawned in the background from inside the dispatcher's limits) → CMDSCRIPT.
//
// What a user of upssched counts on: EXECUTE runs at once; a timer runs its command when the
// outage outlasts it; a short outage cancels it (nothing runs); CANCEL-TIMER's own command runs
// when there was nothing to cancel. Every CMDSCRIPT run records its uid and seccomp mode, so as
// root the test also shows that the dispatcher's user and filter reach it.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot } from '../support/peers.js';
import { HARDNUT, startProcess, waitFor, type Proc } from '../support/stack.js';
import { PRIMARY_LOGIN, hardnutEnv, replayStack } from '../interop/upsmon-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

/** Seconds the long timer runs: longer than the second outage can look, shorter than the first. */
const LONG_TIMER_S = 5;
/** OL while upsmon starts; an outage longer than the timer; OL; a short outage; OL. */
const SEQ = `ups.status: OL\nTIMER 6\nups.status: OB DISCHRG\nTIMER ${LONG_TIMER_S + 3}\nups.status: OL\nTIMER 4\nups.status: OB DISCHRG\nTIMER 2\nups.status: OL\nTIMER 300\n`;

interface Run { at: number; what: string; uid: string; seccomp: string; ups: string; type: string }

describe('upssched as upsmon\'s NOTIFYCMD', () => {
  it('EXECUTE at once, a timer that outlives a long outage, cancelled by a short one, run by the dispatcher', async () => {
    const { d, port } = await replayStack(SEQ, (undo) => cleanups.push(undo));

    const runs = join(d.rec, 'cmdscript');
    writeFileSync(runs, '');
    chmodSync(runs, 0o666);
    const cmdscript = join(d.bin, 'cmdscript');
    writeFileSync(cmdscript, `#!/bin/sh\necho "$(date +%s%3N)|$1|$(id -u)|$(awk '/^Seccomp:/ { print $2 }' /proc/$$/status)|$UPSNAME|$NOTIFYTYPE" >> ${runs}\n`);
    chmodSync(cmdscript, 0o755);
    writeFileSync(join(d.etc, 'upssched.conf'), [
      `CMDSCRIPT ${cmdscript}`,
      `PIPEFN ${join(d.state, 'upssched.pipe')}`,
      `LOCKFN ${join(d.state, 'upssched.lock')}`,
      'AT ONBATT * EXECUTE onbatt-now',
      `AT ONBATT * START-TIMER onbatt-long ${String(LONG_TIMER_S)}`,
      'AT ONLINE * CANCEL-TIMER onbatt-long online-nothing-to-cancel',
      '',
    ].join('\n'));
    chmodSync(join(d.etc, 'upssched.conf'), 0o644);
    // The notifier gives NOTIFYCMD a fixed environment (src/upsmon/notifier/notifier.ts), so upssched's
    // configuration directory and its test idle time travel in the argv, through env(1), quoted:
    // an unquoted = is a word of its own in NUT's config syntax (upsmon warns about it).
    const upsmonConf = join(d.etc, 'upsmon-s.conf');
    writeFileSync(upsmonConf, [
      `MONITOR u@127.0.0.1:${String(port)} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`,
      'MINSUPPLIES 1',
      `NOTIFYCMD /usr/bin/env "NUT_CONFPATH=${d.etc}" "HARDNUT_UPSSCHED_IDLE_SECONDS=20" ${process.execPath} ${HARDNUT} upssched`,
      `SHUTDOWNCMD ${join(d.bin, 'never')}`,
      'NOTIFYFLAG ONBATT EXEC',
      'NOTIFYFLAG ONLINE EXEC',
      'POLLFREQ 1', 'POLLFREQALERT 1', 'DEADTIME 15',
      '',
    ].join('\n'));
    chmodSync(upsmonConf, 0o644);
    const upsmon = track(startProcess(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', upsmonConf], hardnutEnv(d, 's')));

    const read = (): Run[] => readFileSync(runs, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
      const [at = '0', what = '', uid = '', seccomp = '', ups = '', type = ''] = l.split('|');
      return { at: Number(at), what, uid, seccomp, ups, type };
    });
    const names = (): string[] => read().map((r) => r.what);
    const expected = ['onbatt-now', 'onbatt-long', 'online-nothing-to-cancel', 'onbatt-now'];
    await waitFor('both outages seen through upssched', () => names().length >= 4, 40_000, 200).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; CMDSCRIPT ran: ${JSON.stringify(names())}; upsmon said:\n${upsmon.output()}`);
    });
    // the second outage's timer would fire LONG_TIMER_S after its ONBATT: wait past that
    const secondOnbatt = read()[3]?.at ?? Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, secondOnbatt + (LONG_TIMER_S + 2) * 1000 - Date.now())));
    const all = read();
    expect(all.map((r) => r.what)).toEqual(expected);
    const [now1, long1] = all as [Run, Run];
    // the timer ran LONG_TIMER_S after the EXECUTE of the same ONBATT (timers are checked each second)
    expect(long1.at - now1.at).toBeGreaterThanOrEqual(LONG_TIMER_S * 1000 - 300);
    expect(long1.at - now1.at).toBeLessThanOrEqual(LONG_TIMER_S * 1000 + 1500);
    // EXECUTE runs with upsmon's notification; the daemon's timer with the one that started it (§6.4)
    expect(all.map((r) => [r.ups, r.type])).toEqual([
      [`u@127.0.0.1:${String(port)}`, 'ONBATT'], [`u@127.0.0.1:${String(port)}`, 'ONBATT'],
      [`u@127.0.0.1:${String(port)}`, 'ONLINE'], [`u@127.0.0.1:${String(port)}`, 'ONBATT'],
    ]);
    if (isRoot()) {
      // the notifier's user and seccomp filter (2 = filter) reach upssched and its CMDSCRIPT
      const nut = lookupUser('nut');
      expect(all.map((r) => r.uid)).toEqual(Array(4).fill(String(nut?.uid)));
      expect(all.map((r) => r.seccomp)).toEqual(Array(4).fill('2'));
    }
  }, 90_000);
});
