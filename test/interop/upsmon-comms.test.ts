// Communications loss (issue 4), hardnut's upsmon next to Debian's: upsd is killed while one UPS
// is on battery and another on line power → COMMBAD, then NOCOMM after NOCOMMWARNTIME; the UPS
// last seen on battery is taken as critical only once DEADTIME has passed (then the shutdown);
// upsd comes back → COMMOK for the monitors still running. Against Debian's upsd and hardnut's.
//
// The drivers are hardnut's dummy-ups in both cases: Debian's dummy-ups 2.8.0 spins at 100% CPU
// once upsd drops its socket (../shared/refnut/README.md), which is exactly what happens here.
import { describe, it, expect, afterEach } from 'vitest';
import { hasRefNut, requirePeer } from '../support/peers.js';
import { freePort, waitFor, type Proc } from '../support/stack.js';
import { ask } from '../upsd/support/upsd-stack.js';
import {
  PRIMARY_LOGIN, hasDebianUpsmon, makeUpsmonDir, sequence, startDebianUpsmon, startDriver, startHardnutUpsmon,
  startUpsd, timeOf, upsdFiles, waitForUpsd, type Ev, type MonitorSpec,
} from './upsmon-stack.js';

const DEADTIME_S = 5;
const NOCOMMWARNTIME_S = 2;
const TIMINGS = ['POLLFREQ 1', 'POLLFREQALERT 1', `DEADTIME ${DEADTIME_S}`, `NOCOMMWARNTIME ${NOCOMMWARNTIME_S}`, 'FINALDELAY 1', 'HOSTSYNC 3'];
const DOWN_MS = 9_000;

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

/** How many clients are logged in to `ups` (LIST CLIENT, which needs no login). */
async function clientsOf(port: number, ups: string): Promise<number> {
  const reply = await ask(port, `LIST CLIENT ${ups}\n`, /END LIST CLIENT|^ERR /m);
  return reply.split('\n').filter((l) => l.startsWith(`CLIENT ${ups} `)).length;
}


describe("upsd lost and back: hardnut's upsmon vs Debian's", () => {
  for (const stack of ['debian', 'hardnut'] as const) {
    it(`against ${stack === 'debian' ? "Debian's" : "hardnut's"} upsd: COMMBAD, NOCOMM, DEADTIME respected, COMMOK`, async (ctx) => {
      requirePeer(ctx, hasRefNut() && hasDebianUpsmon(), "Debian's NUT (nut-server, nut-client)");
      const port = await freePort();
      const d = makeUpsmonDir({
        'ups.conf': 'pollinterval = 1\n[ol]\n\tdriver = dummy-ups\n\tport = ol.dev\n[ob]\n\tdriver = dummy-ups\n\tport = ob.dev\n',
        'ol.dev': 'ups.status: OL\nbattery.charge: 100\n',
        'ob.dev': 'ups.status: OB DISCHRG\nbattery.charge: 60\n',
        ...upsdFiles(port),
      });
      cleanups.push(() => d.cleanup());
      track(await startDriver('hardnut', d, 'ol'));
      track(await startDriver('hardnut', d, 'ob'));
      let upsd = track(startUpsd(stack, d));
      await waitForUpsd(port, ['ol', 'ob'], d.env);
      const spec = (ups: string): MonitorSpec => ({ system: `${ups}@127.0.0.1:${port}`, role: 'primary', login: PRIMARY_LOGIN, extra: TIMINGS });
      const procs = [
        track(startDebianUpsmon(d, 'dol', spec('ol'))), track(startDebianUpsmon(d, 'dob', spec('ob'))),
        track(startHardnutUpsmon(d, 'hol', spec('ol'))), track(startHardnutUpsmon(d, 'hob', spec('ob'))),
      ];
      const ev = (): Ev[] => d.events();
      // every monitor has polled before upsd dies: the OB ones said ONBATT; the OL ones, which say
      // nothing on line power, are logged in to upsd (LIST CLIENT), and upsmon logs in and polls in
      // the same cycle (NUT's pollups: try_connect, then the status)
      await waitFor('first polls', () => timeOf(ev(), 'dob', 'ONBATT') !== undefined && timeOf(ev(), 'hob', 'ONBATT') !== undefined, 20_000, 100);
      await waitFor('both OL monitors logged in', async () => (await clientsOf(port, 'ol')) === 2 || undefined, 20_000, 100);

      const killedAt = Date.now();
      await upsd.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, DOWN_MS));
      upsd = track(startUpsd(stack, d));
      const backAt = Date.now();
      await waitFor('COMMOK from both OL monitors', () => timeOf(ev(), 'dol', 'COMMOK') !== undefined && timeOf(ev(), 'hol', 'COMMOK') !== undefined, 15_000, 100)
        .catch((err: Error) => { throw new Error(`${err.message}\n${JSON.stringify(ev())}\n${procs.map((p) => p.output()).join('\n')}`); });
      const e = ev();

      for (const tag of ['dol', 'dob', 'hol', 'hob']) {
        const bad = timeOf(e, tag, 'COMMBAD');
        expect(bad, `${tag} COMMBAD`).toBeDefined();
        expect(bad! - killedAt, `${tag}: COMMBAD within a poll`).toBeLessThanOrEqual(2500);
        const nocomm = e.find((x) => x.tag === tag && x.type === 'NOCOMM' && x.t > bad!);
        expect(nocomm, `${tag} NOCOMM`).toBeDefined();
        // NOCOMMWARNTIME counts from the last good poll, up to one poll before upsd died
        expect(nocomm!.t - killedAt, `${tag}: NOCOMM after NOCOMMWARNTIME`).toBeGreaterThanOrEqual((NOCOMMWARNTIME_S - 1) * 1000);
      }
      // the UPS last seen on battery: dead for DEADTIME → low battery → shutdown, not before
      for (const tag of ['dob', 'hob']) {
        const sd = timeOf(e, tag, 'SHUTDOWN');
        expect(sd, `${tag} shut down`).toBeDefined();
        expect(sd! - killedAt, `${tag}: DEADTIME respected`).toBeGreaterThanOrEqual((DEADTIME_S - 1) * 1000);
        expect(sd! - killedAt).toBeLessThan(DOWN_MS);
        expect(timeOf(e, tag, 'SHUTDOWNCMD')).toBeDefined();
      }
      // the UPS last seen on line power is not critical without comms: no shutdown, COMMOK on return
      for (const tag of ['dol', 'hol']) {
        expect(timeOf(e, tag, 'SHUTDOWN'), `${tag} must not shut down`).toBeUndefined();
        expect(timeOf(e, tag, 'COMMOK')! - backAt).toBeLessThan(8000);
      }
      // (first occurrences: NOCOMM repeats every NOCOMMWARNTIME)
      expect(sequence(e, 'hob')).toEqual(sequence(e, 'dob'));
      expect(sequence(e, 'hol')).toEqual(sequence(e, 'dol'));
      expect(sequence(e, 'hol')).toEqual(['COMMBAD', 'NOCOMM', 'COMMOK']);
      expect(sequence(e, 'hob')).toEqual(['ONBATT', 'COMMBAD', 'NOCOMM', 'SHUTDOWN', 'SHUTDOWNCMD']);
    }, 60_000);
  }
});
