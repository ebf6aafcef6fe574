// upsd's listeners (spec §2.1): NUT's defaults, LISTEN lines, the Unix-socket form, and when a
// failed bind stops startup.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../src/runtime/log.js';
import { bindAll, ListenError, listenSpecs, type BoundListener } from '../../src/upsd/listeners.js';
import { freePort } from '../support/stack.js';

const bound: BoundListener[] = [];
afterEach(async () => { for (const b of bound.splice(0)) await new Promise((r) => b.server.close(r)); });
const log = new Logger('test');
log.info = () => undefined;
log.error = () => undefined;

describe('listenSpecs', () => {
  it('no LISTEN: ::1 and 127.0.0.1 on 3493, within -4 / -6', () => {
    expect(listenSpecs([])).toEqual([{ kind: 'tcp', host: '::1', port: 3493 }, { kind: 'tcp', host: '127.0.0.1', port: 3493 }]);
    expect(listenSpecs([], 4)).toEqual([{ kind: 'tcp', host: '127.0.0.1', port: 3493 }]);
    expect(listenSpecs([], 6)).toEqual([{ kind: 'tcp', host: '::1', port: 3493 }]);
  });
  it('LISTEN lines in order; an absolute path is a Unix socket', () => {
    expect(listenSpecs([{ address: '*', port: 1, line: 1 }, { address: '/run/nut/upsd.sock', port: 3493, line: 2 }, { address: '::1', port: 2, line: 3 }]))
      .toEqual([{ kind: 'tcp', host: '*', port: 1 }, { kind: 'unix', path: '/run/nut/upsd.sock' }, { kind: 'tcp', host: '::1', port: 2 }]);
  });
});

describe('bindAll', () => {
  it('binds TCP and Unix listeners; the socket file is mode 0660', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-listen-'));
    try {
      const port = await freePort();
      const path = join(dir, 's.sock');
      bound.push(...await bindAll([{ kind: 'tcp', host: '127.0.0.1', port }, { kind: 'unix', path }], { allowNotAll: false, log }));
      expect(bound.map((b) => b.label)).toEqual([`127.0.0.1 port ${String(port)}`, path]);
      expect(statSync(path).mode & 0o777).toBe(0o660);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('loopback failures are tolerated; others stop startup unless allowed; nothing bound at all always does', async () => {
    const port = await freePort();
    const first = await bindAll([{ kind: 'tcp', host: '127.0.0.1', port }], { allowNotAll: false, log });
    bound.push(...first);
    // the same port again fails: it is loopback, so only a log line — but then nothing is bound
    await expect(bindAll([{ kind: 'tcp', host: '127.0.0.1', port }], { allowNotAll: false, log })).rejects.toThrow(/no listening interface/);
    const other = await freePort();
    await expect(bindAll([{ kind: 'tcp', host: '127.0.0.1', port: other }, { kind: 'tcp', host: '192.0.2.1', port: other }], { allowNotAll: false, log }))
      .rejects.toBeInstanceOf(ListenError);
    bound.push(...await bindAll([{ kind: 'tcp', host: '127.0.0.1', port: other }, { kind: 'tcp', host: '192.0.2.1', port: other }], { allowNotAll: true, log }));
  });
  it('a name that does not resolve stops startup (NUT: getaddrinfo failure is fatal)', async () => {
    await expect(bindAll([{ kind: 'tcp', host: 'no-such-host.invalid', port: 1 }], { allowNotAll: true, log })).rejects.toThrow(/cannot resolve/);
  });
});
