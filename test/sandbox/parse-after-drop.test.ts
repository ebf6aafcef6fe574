// Open as root, parse as nut (issue #12 item 3): a driver started as root must already be its
// user when it waits for the first bytes it will parse. snmp-ups is started against an agent that
// receives but never answers; while the driver's first request is pending (its reply would be
// parsed by MIB detection), /proc shows who would parse it.
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { makeTestDir, startHardnutDriver, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { requireRoot } from '../support/peers.js';
import { startSnmpAgent, type SnmpAgent } from '../sim/snmp-agent.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';

let agent: SnmpAgent | undefined;
let dir: TestDir | undefined;
let driver: Proc | undefined;
afterEach(async () => {
  await driver?.stop('SIGKILL');
  await agent?.stop();
  dir?.cleanup();
  driver = undefined; agent = undefined; dir = undefined;
});

/** Real, effective, saved and filesystem uids of a live process. */
function uids(pid: number): number[] {
  const line = readFileSync(`/proc/${String(pid)}/status`, 'latin1').split('\n').find((l) => l.startsWith('Uid:')) ?? '';
  return line.split(/\s+/).slice(1, 5).map(Number);
}

describe('snmp-ups parses the agent only after the privilege drop', () => {
  it('started as root, it is nut (all four uids) while its first request waits for a reply', async (ctx) => {
    requireRoot(ctx);
    const nut = lookupUser('nut');
    if (!nut) throw new Error('no nut user');
    agent = await startSnmpAgent({ sysoid: 'ietf' });
    await agent.request({ cmd: 'silent', on: true });
    // a long timeout: the first request stays pending while the test looks
    dir = makeTestDir({ 'ups.conf': `[s]\n\tdriver = snmp-ups\n\tport = ${agent.host}\n\tsnmp_timeout = 30\n\tsnmp_retries = 0\n` });
    driver = startHardnutDriver(dir, 'snmp-ups', 's');
    const pid = driver.child.pid ?? 0;
    const a = agent;
    await waitFor('the driver\'s first SNMP request', async () => ((await a.counts())['received'] ?? 0) >= 1, 20_000);
    expect(driver.child.exitCode, driver.output()).toBeNull();
    expect(uids(pid), driver.output()).toEqual([nut.uid, nut.uid, nut.uid, nut.uid]);
  }, 90_000);
});
