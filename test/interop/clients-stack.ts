// A Debian upsd (the interop peer) serving two UPSes for the client tests:
//   ups1  — hardnut's dummy-ups on a static .dev (TRACKING: SET → 0 = SUCCESS, INSTCMD → 1 = ERR UNKNOWN)
//   rwups — a driver simulated in the test process (hardnut's StateServer + DriverState), with
//           ENUM, RANGE and STRING variables and commands, so that upsrw's listing, DATA-STALE and
//           DRIVER-NOT-CONNECTED can be produced at will.
import { chownSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../src/runtime/log.js';
import { DriverState } from '../../src/driver/dstate.js';
import { StateServer, STAT_HANDLED, STAT_INVALID } from '../../src/driver/state-server.js';
import { isRoot, refNut } from '../support/peers.js';
import {
  TEST_USER, freePort, makeTestDir, run, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';

export const DEV = readFileSync(new URL('../fixtures/ups1.dev', import.meta.url), 'utf8');

export interface FakeDriver {
  state: DriverState;
  server: StateServer;
  /** Commands and SETs received, as "INSTCMD cmd [param]" / "SET name value". */
  received: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function makeFakeDriver(socketPath: string): FakeDriver {
  const state = new DriverState();
  const received: string[] = [];
  state.setInfo('device.type', 'ups');
  state.setInfo('driver.name', 'fake-driver');
  state.setInfo('ups.status', 'OL');
  state.setInfo('ups.mfr', 'Fake "Quoted" Inc.');
  state.setInfo('battery.charge', '90');
  state.setInfo('input.transfer.low', '160');
  state.setFlags('input.transfer.low', ['RW']);
  for (const v of ['150', '160', '170']) state.addEnum('input.transfer.low', v);
  state.setInfo('input.sensitivity', 'M');
  state.setFlags('input.sensitivity', ['RW', 'STRING']);
  state.setAux('input.sensitivity', 1);
  for (const v of ['L', 'M', 'H']) state.addEnum('input.sensitivity', v);
  state.setInfo('ups.delay.shutdown', '20');
  state.setFlags('ups.delay.shutdown', ['RW']);
  state.addRange('ups.delay.shutdown', 0, 60);
  state.addRange('ups.delay.shutdown', 120, 300);
  state.setInfo('ups.id', 'myups');
  state.setFlags('ups.id', ['RW', 'STRING']);
  state.setAux('ups.id', 8);
  state.setInfo('ups.test.interval', '604800');
  state.setFlags('ups.test.interval', ['RW']);
  state.addCmd('test.battery.start.quick');
  state.addCmd('beeper.toggle');
  state.dataOk();
  let server = newServer();
  function newServer(): StateServer {
    return new StateServer(socketPath, state, {
      instcmd: (cmd, param) => { received.push(`INSTCMD ${cmd}${param === undefined ? '' : ` ${param}`}`); return STAT_HANDLED; },
      setvar: (name, value) => {
        received.push(`SET ${name} ${value}`);
        if (name === 'ups.test.interval') return STAT_INVALID;
        state.setInfo(name, value);
        return STAT_HANDLED;
      },
    }, new Logger('fake-driver'));
  }
  const fake: FakeDriver = {
    state, received,
    get server() { return server; },
    async start() {
      server = newServer();
      await server.listen();
      // upsd runs as nut: give it the socket, as a driver started as root would
      if (isRoot()) chownSync(socketPath, uidOf(TEST_USER), 0);
    },
    async stop() { await server.close(); },
  };
  return fake;
}

function uidOf(user: string): number {
  for (const line of readFileSync('/etc/passwd', 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return Number(f[2]);
  }
  throw new Error(`no user ${user}`);
}

export interface DebianStack {
  port: number;
  dir: TestDir;
  host: string;
  driver: Proc;
  fake: FakeDriver;
  upsd: Proc;
  startUpsd(): Promise<void>;
  stopUpsd(): Promise<void>;
  close(): Promise<void>;
}

export const USERS = '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tactions = FSD\n\tinstcmds = ALL\n\tupsmon primary\n'
  + '[reader]\n\tpassword = readerpass\n';

export async function startDebianStack(): Promise<DebianStack> {
  const port = await freePort();
  const dir = makeTestDir({
    'ups.conf': 'pollinterval = 1\n[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "hardnut driver"\n'
      + '[rwups]\n\tdriver = dummy-ups\n\tport = none\n\tdesc = "simulated in the test"\n',
    'upsd.conf': `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`,
    'upsd.users': USERS,
    'ups1.dev': DEV,
  });
  const driver = startHardnutDriver(dir, 'dummy-ups', 'ups1');
  const fake = makeFakeDriver(join(dir.state, 'dummy-ups-rwups'));
  await fake.start();
  await waitForSocket(join(dir.state, 'dummy-ups-ups1'));
  const host = `127.0.0.1:${port}`;
  const stack: DebianStack = {
    port, dir, host, driver, fake,
    upsd: undefined as unknown as Proc,
    async startUpsd() {
      stack.upsd = startProcess(refNut.upsd, ['-F', ...userArgs()], dir.env);
      for (const ups of ['ups1', 'rwups']) {
        await waitFor(`${ups} served by Debian upsd`, async () => {
          const r = await run(refNut.upsc, [`${ups}@${host}`, 'ups.status'], dir.env);
          return r.code === 0 && r.stdout.trim() !== 'WAIT';
        }, 20_000, 150);
      }
    },
    async stopUpsd() { await stack.upsd.stop(); },
    async close() {
      await stack.upsd?.stop();
      await driver.stop();
      await fake.stop();
      dir.cleanup();
    },
  };
  await stack.startUpsd();
  return stack;
}
