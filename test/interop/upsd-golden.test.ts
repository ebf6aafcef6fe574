// The golden interop suite (issue 3): every transcript in test/interop/golden/transcripts is played
// against Debian's upsd 2.8.0 and hardnut's upsd, both serving the same ups.conf, upsd.users,
// cmdvartab and driver data, and the bytes that come back must be identical — after undoing the
// declared differences that show in bytes (tracking ids, hardnut's name in VER / server.info; see
// runner.ts normalize()), each of which has its own test below.
//
// Driver data: ups1/ups3/fsdups/loginups/longnames are scripted driver sockets (one per server, same script),
// ups2 has no driver, dummy is hardnut's dummy-ups. Each transcript connects from its own
// 127.0.0.x address, so LIST CLIENT shows the same address on both servers and no address collects
// enough failed logins to be throttled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasRefNut, requirePeer } from '../support/peers.js';
import {
  freePort, makeTestDir, startHardnutDriver, waitFor, waitForSocket, writeFiles, type Proc, type TestDir,
} from '../support/stack.js';
import { FakeDriver } from '../upsd/support/fake-driver.js';
import { ask, startDebianUpsd, startHardnutUpsd } from '../upsd/support/upsd-stack.js';
import { loadTranscripts, normalize, play, pool, type Loaded } from './golden/runner.js';

const GOLDEN = new URL('./golden/', import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, GOLDEN), 'latin1');
const DUMPS = ['ups1', 'ups3', 'fsdups', 'loginups', 'longnames'] as const;

interface Side {
  name: 'debian' | 'hardnut';
  dir: TestDir;
  port: number;
  upsd?: Proc;
  drivers: Map<string, FakeDriver>;
  dummy?: Proc;
}

const ready = hasRefNut();
const transcripts = loadTranscripts();
const results = new Map<Loaded, { debian: string; hardnut: string }>();
const sides: Side[] = [];

async function setUp(name: Side['name']): Promise<Side> {
  const port = await freePort();
  const dir = makeTestDir();
  writeFiles(dir, {
    'ups.conf': read('etc/ups.conf'),
    'upsd.users': read('etc/upsd.users'),
    cmdvartab: read('etc/cmdvartab'),
    'dummy.dev': readFileSync(new URL('../fixtures/ups1.dev', import.meta.url), 'latin1'),
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nMAXAGE 15\nDATAPATH ${dir.etc}\n`,
  });
  const side: Side = { name, dir, port, drivers: new Map() };
  sides.push(side);
  for (const ups of DUMPS) {
    const d = new FakeDriver(join(dir.state, `dummy-ups-${ups}`), { dump: read(`dumps/${ups}.dump`).split('\n').filter((l) => l !== '') });
    await d.listen();
    side.drivers.set(ups, d);
  }
  side.dummy = startHardnutDriver(dir, 'dummy-ups', 'dummy');
  await waitForSocket(join(dir.state, 'dummy-ups-dummy'));
  side.upsd = name === 'debian' ? await startDebianUpsd(dir, port) : await startHardnutUpsd(dir, port);
  // both must have the data (and have found ups3 stale) before the comparison starts
  await waitFor(`${name}: driver data`, async () => {
    const r = await ask(port, 'GET VAR ups1 ups.status\nGET VAR dummy ups.status\nGET VAR ups3 ups.status\n', /(.*\n){3}/);
    return r === 'VAR ups1 ups.status "OL"\nVAR dummy ups.status "OL"\nERR DATA-STALE\n';
  }, 20_000, 200);
  return side;
}

beforeAll(async () => {
  if (!ready) return;
  const [deb, hn] = await Promise.all([setUp('debian'), setUp('hardnut')]);
  const parallel = transcripts.filter((l) => !l.transcript.sequential);
  const sequential = transcripts.filter((l) => l.transcript.sequential);
  const address = (l: Loaded): string => `127.0.0.${String(10 + transcripts.indexOf(l))}`;
  const both = async (l: Loaded): Promise<void> => {
    const [a, b] = await Promise.all([
      play((deb as Side).port, l.transcript, address(l)),
      play((hn as Side).port, l.transcript, address(l)),
    ]);
    results.set(l, { debian: a.toString('latin1'), hardnut: b.toString('latin1') });
  };
  await pool(parallel, 12, both);
  for (const l of sequential) await both(l);
}, 240_000);

afterAll(async () => {
  for (const s of sides) {
    await s.upsd?.stop();
    await s.dummy?.stop();
    for (const d of s.drivers.values()) await d.close();
    s.dir.cleanup();
  }
});

describe('golden transcripts: Debian upsd 2.8.0 and hardnut upsd reply with the same bytes', () => {
  for (const l of transcripts) {
    it(`${l.file}: ${l.transcript.name}`, (ctx) => {
      requirePeer(ctx, ready, "Debian's NUT (apt-get install nut-server nut-client)");
      const r = results.get(l);
      expect(r, 'transcript was played').toBeDefined();
      const { debian, hardnut } = r as { debian: string; hardnut: string };
      expect(debian.length, 'Debian answered something').toBeGreaterThan(0);
      expect(normalize(hardnut)).toBe(normalize(debian));
    });
  }
});

describe('declared differences seen in the golden runs, each checked on its own', () => {
  const find = (name: string): { debian: string; hardnut: string } => {
    const l = transcripts.find((x) => x.transcript.name === name);
    return results.get(l as Loaded) as { debian: string; hardnut: string };
  };

  it('VER and server.info name hardnut after NUT\'s version; server.version is NUT\'s', (ctx) => {
    requirePeer(ctx, ready, "Debian's NUT");
    const r = find('VER NETVER PROTVER HELP, with and without arguments');
    expect(r.debian.split('\n')[0]).toBe('Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/');
    expect(r.hardnut.split('\n')[0]).toMatch(/^Network UPS Tools upsd 2\.8\.0 \(hardnut [^)]+\) - http:\/\/www\.networkupstools\.org\/$/);
    const s = find('GET VAR server.*: UPS name ignored');
    expect(s.hardnut).toContain('VAR x server.version "2.8.0"\n');
    expect(s.debian).toContain('VAR x server.version "2.8.0"\n');
  });

  it('tracking ids: both upper-case UUID v4; hardnut\'s from a CSPRNG, never repeated', (ctx) => {
    requirePeer(ctx, ready, "Debian's NUT");
    const r = find('SET with tracking');
    const idRe = /OK TRACKING ([0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12})\n/;
    expect(r.debian).toMatch(idRe);
    expect(r.hardnut).toMatch(idRe);
    const i = find('INSTCMD with tracking');
    expect(idRe.exec(i.hardnut)?.[1]).not.toBe(idRe.exec(r.hardnut)?.[1]);
  });

  it('both servers forwarded the same SET and INSTCMD lines to their drivers', (ctx) => {
    requirePeer(ctx, ready, "Debian's NUT");
    const lines = (s: Side): string[] => [...(s.drivers.get('ups1') as FakeDriver).received].map(normalize).sort();
    const [deb, hn] = sides as [Side, Side];
    expect(lines(hn)).toEqual(lines(deb));
    expect(lines(hn)).toContain('SET input.transfer.low "150"');
    expect(lines(hn)).toContain('INSTCMD test.battery.start quoted\\"value');
  });
});
