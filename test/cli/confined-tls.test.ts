// node:tls is loaded only when a server agrees to STARTTLS (src/client/client.ts), so that
// `hardnut upsc` starts fast. A process that negotiates TLS after it confined itself still must:
// here the real dummy-ups repeater, chrooted into an almost empty directory, mirrors a UPS from
// hardnut's upsd over TLS. (The repeater and upsmon's network child preload node:tls before
// the chroot, as DESIGN.md asks; measured here, a built-in module would also load inside the
// jail, as it needs no file, so this test guards the feature rather than the preload.)
import { afterEach, describe, expect, it } from 'vitest';
import { chownSync, copyFileSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer } from '../support/peers.js';
import { freePort, makeTestDir, startHardnutDriver, talk, waitFor, writeFiles } from '../support/stack.js';
import { hasOpenssl, makeCerts } from '../upsd/support/certs.js';
import { FakeDriver } from '../upsd/support/fake-driver.js';
import { SIMPLE_DUMP, SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from '../upsd/support/upsd-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('TLS after confinement', () => {
  it('a chrooted dummy-ups repeater mirrors a UPS over STARTTLS', async (ctx) => {
    requirePeer(ctx, isRoot(), 'root (chroot)');
    requirePeer(ctx, hasOpenssl(), 'the openssl command (apt-get install openssl)');
    const port = await freePort();
    const up = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => up.cleanup());
    mkdirSync(join(up.root, 'certs'));
    const certs = makeCerts(join(up.root, 'certs'));
    writeFiles(up, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${certs.server}\n` });
    const fake = new FakeDriver(join(up.state, 'dummy-ups-ups1'), { dump: SIMPLE_DUMP });
    await fake.listen();
    cleanups.push(() => fake.close());
    const upsd = await startHardnutUpsd(up, port);
    cleanups.push(() => upsd.stop());
    await waitFor('upsd serving ups1', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 10_000, 100);

    const rep = makeTestDir({ 'ups.conf': `pollinterval = 1\n[rep]\n\tdriver = dummy-ups\n\tport = ups1@127.0.0.1:${String(port)}\n` });
    cleanups.push(() => rep.cleanup());
    // nothing in the jail but the state directory's path, where the driver chdirs after chroot
    // and, as nut, makes its socket
    const jail = join(rep.root, 'jail');
    const jailedState = join(jail, rep.state);
    mkdirSync(jailedState, { recursive: true });
    const nut = lookupUser('nut');
    if (!nut) throw new Error('no user nut');
    chownSync(jailedState, nut.uid, nut.gid);
    // Two things of the driver runtime (src/driver/runtime.ts), not of TLS, fail in a bare jail
    // today: it looks up its socket's group after the chroot (hence /etc/group), and it loads
    // libseccomp after the chroot (hence seccomp off here; upsmon's jailed child, which loads it
    // before, runs TLS under seccomp in test/upsmon/upsmon.process.test.ts).
    mkdirSync(join(jail, 'etc'));
    copyFileSync('/etc/group', join(jail, 'etc/group'));
    rep.env['HARDNUT_SECCOMP'] = 'off';
    const driver = startHardnutDriver(rep, 'dummy-ups', 'rep', ['-D', '-r', jail]);
    cleanups.push(() => driver.stop());
    const pid = driver.child.pid as number;
    await waitFor('mirrored over TLS', async () => {
      try { return (await talk(join(jailedState, 'dummy-ups-rep'), 'DUMPALL\n', /DUMPDONE\n/)).includes('SETINFO battery.charge "100"'); } catch { return false; }
    }, 15_000, 200).catch((err: unknown) => { throw new Error(`${(err as Error).message}: ${driver.output()}`); });
    expect(readlinkSync(`/proc/${String(pid)}/root`)).toBe(jail);
    expect(driver.output()).toMatch(new RegExp(`Connected to ups1@127\\.0\\.0\\.1:${String(port)} \\(TLS\\)`));
  }, 40_000);
});
