// scripted-ups over TCP (conf/devices/pdu-telnet.script) against a switched-PDU simulator: outlet
// states as outlet.N.status, outlet commands as the PDU's bytes, under the driver-network seccomp
// role when started as root; a dropped connection is reconnected, a silent PDU makes the data
// stale and answering again makes it fresh, without a restart.
import { describe, it, expect, afterEach } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { hasExecutable, isRoot, requirePeer } from '../../support/peers.js';
import { HARDNUT, makeTestDir, startHardnutDriver, talk, waitFor, waitForSocket } from '../../support/stack.js';
import { parseDump, seccompState } from '../../sim/harness.js';
import { startPduSim } from '../../sim/pdu-tcp.js';

const PDU = fileURLToPath(new URL('../../../conf/devices/pdu-telnet.script', import.meta.url));
const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

describe('scripted-ups with conf/devices/pdu-telnet.script over TCP', () => {
  it('publishes outlet states, switches outlets, reconnects, goes stale when silent and recovers', async (ctx) => {
    requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
    const pdu = await startPduSim();
    undo.push(() => pdu.stop());
    const dir = makeTestDir({ 'ups.conf': `[p]\n\tdriver = scripted-ups\n\tport = 127.0.0.1:${pdu.port}\n\tscript = ${PDU}\n\tpollinterval = 1\n` });
    undo.push(() => dir.cleanup());
    const driver = startHardnutDriver(dir, 'scripted-ups', 'p');
    undo.push(() => driver.stop());
    const sock = join(dir.state, 'scripted-ups-p');
    await waitForSocket(sock, 30_000).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${driver.output()}`); });
    const dump = async (): Promise<ReturnType<typeof parseDump>> => parseDump(await talk(sock, 'DUMPALL\n', /DUMPDONE\n/, 10_000));
    await waitFor('OL', async () => (await dump()).vars.get('ups.status') === 'OL', 20_000, 100);
    if (isRoot()) expect(seccompState(driver.child.pid as number)).toEqual({ seccomp: '2', noNewPrivs: '1' });

    const d = await dump();
    expect(Object.fromEntries([...d.vars].filter(([k]) => k.startsWith('outlet.') || k.startsWith('device.')))).toEqual({
      'device.model': 'HARDNUT-PDU4', 'device.type': 'pdu', 'device.firmware': 'FW1.2', 'outlet.count': '4',
      'outlet.1.status': 'on', 'outlet.2.status': 'off', 'outlet.3.status': 'on', 'outlet.4.status': 'on',
      'outlet.current': '2.4', 'outlet.voltage': '230',
      'outlet.1.delay.start': '0', 'outlet.2.delay.start': '0', 'outlet.3.delay.start': '0', 'outlet.4.delay.start': '0',
    });
    expect(d.cmds).toContain('outlet.2.load.on');

    pdu.rx = '';
    const reply = await talk(sock, 'INSTCMD outlet.2.load.on TRACKING a1\n', /TRACKING a1 \d/, 10_000);
    expect(reply).toContain('TRACKING a1 0');
    const polls = (rx: string): string => rx.replaceAll('status\r\n', '').replaceAll('delays\r\n', '');
    expect(polls(pdu.rx)).toBe('on 2\r\n');
    await waitFor('outlet 2 on', async () => (await dump()).vars.get('outlet.2.status') === 'on', 10_000, 100);

    // SET through the driver socket (upsd's path, as upsrw sends it) reaches the PDU as its bytes
    pdu.rx = '';
    const set = await talk(sock, 'SET outlet.3.delay.start 45 TRACKING s1\n', /TRACKING s1 \d/, 10_000);
    expect(set).toContain('TRACKING s1 0');
    expect(polls(pdu.rx)).toBe('delay 3 45\r\n');
    expect(pdu.delays).toEqual([0, 0, 45, 0]);
    expect((await dump()).vars.get('outlet.3.delay.start')).toBe('45');
    // outside the script's range: refused by the driver, nothing sent
    pdu.rx = '';
    const bad = await talk(sock, 'SET outlet.3.delay.start 99999 TRACKING s2\n', /TRACKING s2 \d/, 10_000);
    expect(bad).not.toContain('TRACKING s2 0');
    expect(polls(pdu.rx)).toBe('');
    // a value the device changed itself is what the next poll publishes
    pdu.delays[0] = 12;
    await waitFor('outlet 1 delay from the device', async () => (await dump()).vars.get('outlet.1.delay.start') === '12', 10_000, 100);

    const before = pdu.connections();
    pdu.dropAll();
    await waitFor('reconnected', () => pdu.connections() > before, 20_000, 100);
    pdu.amps = 3.1;
    await waitFor('fresh after reconnect', async () => (await dump()).vars.get('outlet.current') === '3.1', 20_000, 100);

    pdu.silent = true;
    await waitFor('stale', async () => (await dump()).stale, 30_000, 200);
    pdu.silent = false;
    await waitFor('fresh', async () => !(await dump()).stale, 30_000, 200);
    expect(driver.child.exitCode).toBeNull();
  }, 120_000);
});
