// snmp-ups when the agent misbehaves, behind Debian's upsd: the agent killed → upsc says "Data
// stale" within seconds; the agent back on the same port → fresh data again, without a driver
// restart; an agent answering garbage → the driver keeps running (stale meanwhile), and recovers.
import { describe, it, expect, afterEach } from 'vitest';
import { requirePeer } from '../support/peers.js';
import { waitFor } from '../support/stack.js';
import { hasSnmpPeers, startSnmpStack, type SnmpStack } from '../sim/snmp-interop.js';

const stacks: SnmpStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });

describe('hardnut snmp-ups against a failing agent', () => {
  it('killed agent → Data stale; agent back → fresh; garbage replies → still running', async (ctx) => {
    requirePeer(ctx, hasSnmpPeers(), "Debian's NUT (upsd, upsc) and a build");
    const stack = await startSnmpStack('\tmibs = ietf\n\tpollinterval = 1\n\tpollfreq = 1\n\tsnmp_timeout = 1\n\tsnmp_retries = 0\n', { sysoid: 'ietf' });
    stacks.push(stack);
    await stack.start('hardnut');
    const driver = stack.driverProc();
    expect(await stack.status()).toBe('OL');

    await stack.agent.kill();
    let t0 = Date.now();
    await waitFor('Data stale', async () => (await stack.status()) === 'Error: Data stale', 15_000, 100);
    console.log(`snmp-ups: agent killed → Data stale after ${Date.now() - t0} ms`);

    await stack.agent.restart();
    await stack.agent.set({ power: 'OB' });
    t0 = Date.now();
    await waitFor('fresh again (OB)', async () => (await stack.status()) === 'OB', 15_000, 100);
    console.log(`snmp-ups: agent back → fresh after ${Date.now() - t0} ms`);

    await stack.agent.garbage(true);
    await waitFor('stale during garbage', async () => (await stack.status()) === 'Error: Data stale', 15_000, 100);
    // it keeps polling through the garbage: three more garbage replies (about 3 polls), counted, not slept
    expect((await stack.agent.counts())['garbageSent']).toBeGreaterThanOrEqual(1);
    await stack.agent.more('garbageSent', 3);
    expect(driver?.child.exitCode).toBeNull();
    expect(driver?.child.signalCode).toBeNull();
    await stack.agent.garbage(false);
    await stack.agent.set({ power: 'OL' });
    await waitFor('fresh after garbage', async () => (await stack.status()) === 'OL', 15_000, 100);
    expect(driver?.output()).toMatch(/not SNMP/);
  }, 60_000);
});
