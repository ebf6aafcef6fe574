// hardnut's client library and tools against hardnut's upsd: STARTTLS with certificate
// verification (right CA and name accepted, a wrong CA or name refused), and the Unix-socket
// listener reached with hardnut's `ups@/path/to/socket` spec.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { NutClient, NutTransportError } from '../../src/client/index.js';
import { DAEMON_USER_WHY, onPath, requireAll, requirePeer, runsDaemons } from '../support/peers.js';
import {
  HARDNUT, freePort, makeTestDir, runHardnut, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, writeFiles,
  type Proc, type TestDir,
} from '../support/stack.js';
import { makeCerts, type TestCerts } from '../client/certs.js';
import { DEV, USERS } from './clients-stack.js';

const haveOpenssl = onPath('openssl');
let certs: TestCerts;
let dir: TestDir;
let port: number;
let sock: string;
const procs: Proc[] = [];

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  if (!haveOpenssl) return;
  certs = makeCerts();
  port = await freePort();
  dir = makeTestDir({
    'ups.conf': 'pollinterval = 1\n[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "hardnut driver"\n',
    'upsd.users': USERS,
    'ups1.dev': DEV,
  });
  sock = join(dir.state, 'upsd.sock');
  writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${port}\nLISTEN ${sock}\nCERTFILE ${certs.certFilePath}\n` });
  procs.push(startHardnutDriver(dir, 'dummy-ups', 'ups1'));
  await waitForSocket(join(dir.state, 'dummy-ups-ups1'));
  procs.push(startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], dir.env));
  await waitFor('hardnut upsd serving ups1', async () => {
    try {
      const c = await NutClient.connect({ host: '127.0.0.1', port });
      try { return (await c.getVar('ups1', 'ups.status')) === 'OL'; } finally { await c.close(); }
    } catch { return false; }
  }, 20_000, 200).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${procs.map((p) => p.output()).join('\n')}`);
  });
}, 60_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  dir?.cleanup();
  certs?.cleanup();
});

describe('client library against hardnut upsd with CERTFILE', () => {
  it('verifies the server: the right CA and name are accepted and requests go over TLS', async (ctx) => {
    requirePeer(ctx, haveOpenssl, 'the openssl CLI');
    const c = await NutClient.connect({ host: '127.0.0.1', port }, { startTls: 'require', tls: { ca: certs.ca, servername: 'localhost' } });
    try {
      expect(c.encrypted).toBe(true);
      expect(await c.getVar('ups1', 'ups.status')).toBe('OL');
      await c.authenticate('admin', 'adminpass');
      await c.setTracking(true);
      const r = await c.setVar('ups1', 'ups.delay.shutdown', '33');
      expect(await c.waitTracking(r.tracking as string, 10_000, 100)).toMatchObject({ state: 'SUCCESS' });
    } finally {
      await c.close();
    }
  });

  it('a wrong CA is refused', async (ctx) => {
    requirePeer(ctx, haveOpenssl, 'the openssl CLI');
    let err: unknown;
    try { await NutClient.connect({ host: '127.0.0.1', port }, { tls: { ca: certs.otherCa, servername: 'localhost' } }); } catch (e) { err = e; }
    expect((err as NutTransportError).code).toBe('ERR_TLS');
  });

  it('a wrong name is refused', async (ctx) => {
    requirePeer(ctx, haveOpenssl, 'the openssl CLI');
    let err: unknown;
    try { await NutClient.connect({ host: '127.0.0.1', port }, { tls: { ca: certs.ca, servername: 'not-this-server.example' } }); } catch (e) { err = e; }
    expect((err as NutTransportError).code).toBe('ERR_TLS');
  });

  it('hardnut upsc reaches the Unix-socket listener as ups1@/path, and uses TLS on TCP', async (ctx) => {
    requirePeer(ctx, haveOpenssl, 'the openssl CLI');
    const viaSocket = await runHardnut(['upsc', `ups1@${sock}`, 'ups.status'], dir.env);
    expect(viaSocket).toEqual({ code: 0, stdout: 'OL\n', stderr: '' });
    expect((await runHardnut(['upsc', '-l', sock], dir.env)).stdout).toBe('ups1\n');
    const viaTcp = await runHardnut(['upsc', `ups1@127.0.0.1:${port}`, 'device.model'], dir.env);
    expect(viaTcp).toEqual({ code: 0, stdout: 'Static 1500\n', stderr: '' });
  });
});
