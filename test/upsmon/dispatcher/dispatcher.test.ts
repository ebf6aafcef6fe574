// The dispatcher driven by a hostile child (issue 4): random bytes, oversized lengths, unknown
// types and names, split frames, a 1 MB flood, a thousand valid frames — nothing unintended runs,
// every fault is reported for the supervisor, and valid frames after a restart work.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUpsmonConf, type UpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { encodeFrame, EXEC_SHUTDOWN_CODE, STX, ETX } from '../../../src/protocol/notify-frame/index.js';
import { Dispatcher, type Notification } from '../../../src/upsmon/dispatcher/dispatcher.js';
import { MAX_NOTIFY_CHILDREN, Notifier } from '../../../src/upsmon/notifier/notifier.js';
import { POWERDOWNFLAG_MAGIC, performShutdown } from '../../../src/upsmon/shared/shutdown.js';
import { Logger } from '../../../src/runtime/log.js';
import { waitFor } from '../../support/stack.js';

let dir = '';
let record = '';
let marker = '';
let conf: UpsmonConf;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hn-disp-'));
  record = join(dir, 'notify.log');
  marker = join(dir, 'shutdown.marker');
  const script = join(dir, 'notify.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s|%s|%s|%s\\n' "$NOTIFYTYPE" "$UPSNAME" "$1" "$#" >> ${record}\n`);
  chmodSync(script, 0o755);
  const text = [
    'MONITOR ups1@localhost 1 mon pass primary',
    'MONITOR ups2@localhost:3494 1 mon pass primary',
    `NOTIFYCMD ${script}`,
    'NOTIFYFLAG ONBATT EXEC', 'NOTIFYFLAG LOWBATT EXEC', 'NOTIFYFLAG ONLINE EXEC', 'NOTIFYFLAG SHUTDOWN EXEC',
    'NOTIFYFLAG FSD EXEC',
    'MINSUPPLIES 1',
  ].join('\n');
  const parsed = parseUpsmonConf(`${text}\n`, 'upsmon.conf');
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  conf = parsed.value;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function harness() {
  const log = new Logger('test');
  log.notice = () => undefined;
  log.warn = () => undefined;
  const notifier = new Notifier({ notifyCmds: conf.notifyCmds, log });
  const delivered: Notification[] = [];
  let shutdowns = 0;
  const d = new Dispatcher(conf, {
    notify: (n) => { delivered.push(n); notifier.deliver(n); },
    shutdown: () => { shutdowns++; void performShutdown({ kind: 'command', argv: ['/usr/bin/touch', marker] }); },
  });
  return { d, delivered, notifier, shutdowns: () => shutdowns };
}

const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
// complete lines only: the script creates the file before it writes the line into it
const lines = (): string[] => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter((l) => l !== '') : []);

describe('dispatcher, valid frames', () => {
  it('an outage runs NOTIFYCMD per notification (argv, message last, env) and the shutdown once', async () => {
    const { d, shutdowns } = harness();
    // Both supplies OB+LB: none left of MINSUPPLIES 1.
    const stream = cat(encodeFrame('ONBATT', 'ups1@localhost'), encodeFrame('LOWBATT', 'ups1@localhost'),
      encodeFrame('ONBATT', 'ups2@localhost:3494'), encodeFrame('LOWBATT', 'ups2@localhost:3494'), encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN'));
    // split at every byte: frames may cross writes
    for (let i = 0; i < stream.length; i++) expect(d.receive(stream.subarray(i, i + 1))).toEqual({ ok: true });
    await waitFor('marker', () => existsSync(marker), 5000);
    await waitFor('5 notifications', () => lines().length === 5, 5000);
    expect(lines().sort()).toEqual([
      'LOWBATT|ups1@localhost|UPS ups1@localhost battery is low|1',
      'LOWBATT|ups2@localhost:3494|UPS ups2@localhost:3494 battery is low|1',
      'ONBATT|ups1@localhost|UPS ups1@localhost on battery|1',
      'ONBATT|ups2@localhost:3494|UPS ups2@localhost:3494 on battery|1',
      'SHUTDOWN||Auto logout and shutdown proceeding|1',
    ]);
    expect(shutdowns()).toBe(1);
  });

  it('POWERDOWNFLAG holds exactly NUT\'s magic, and a symlink in its place is replaced, not followed', async () => {
    const flag = join(dir, 'killpower');
    await performShutdown({ kind: 'command', argv: ['/bin/true'] }, flag);
    expect(readFileSync(flag, 'utf8')).toBe(POWERDOWNFLAG_MAGIC);
    const { symlinkSync } = await import('node:fs');
    const evil = join(dir, 'evil');
    symlinkSync(join(dir, 'target'), evil);
    await performShutdown({ kind: 'command', argv: ['/bin/true'] }, evil);
    expect(existsSync(join(dir, 'target'))).toBe(false);
    expect(readFileSync(evil, 'utf8')).toBe(POWERDOWNFLAG_MAGIC);
  });
});

describe('dispatcher, hostile child', () => {
  const faults: Array<[string, Uint8Array]> = [
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)],
    ['oversized length', Uint8Array.from([STX, 0x41, 200, ...new TextEncoder().encode('ups1@localhost'), ETX])],
    ['unknown type', Uint8Array.from([STX, 0x7f, 1, 0x61, ETX])],
    ['unknown name', encodeFrame('ONBATT', 'evil@elsewhere')],
    ['shell in the name', Uint8Array.from([STX, 0x41, 6, ...new TextEncoder().encode('a;rm x'), ETX])],
    ['out of order: EXEC_SHUTDOWN first', encodeFrame('EXEC_SHUTDOWN')],
    ['out of order: ONLINE before ONBATT', encodeFrame('ONLINE', 'ups1@localhost')],
    ['missing ETX', Uint8Array.from([STX, 0x41, 1, 0x61, 0x61])],
    ['1 MB flood', new Uint8Array(1 << 20).fill(0x41)],
  ];
  for (const [what, bytes] of faults) {
    it(`${what}: reported, nothing runs`, () => {
      const { d, delivered, shutdowns } = harness();
      const r = d.receive(bytes);
      expect(r.ok, what).toBe(false);
      // the Dispatcher decides synchronously (no timer, no await): what it would run is asked
      // for within receive(), so nothing asked for now is nothing run, with no wait
      expect(delivered).toEqual([]);
      expect(lines()).toEqual([]);
      expect(shutdowns()).toBe(0);
      expect(existsSync(marker)).toBe(false);
    });
  }

  // Issue 19 item 7: a compromised child forging a shutdown NUT's rule does not allow (two supplies,
  // MINSUPPLIES 1). The frames before the forged one are delivered; the shutdown never runs.
  const forged: Array<[string, Uint8Array[], string]> = [
    ['OL then SHUTDOWN', [encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN')], 'SHUTDOWN'],
    ['ONBATT then SHUTDOWN', [encodeFrame('ONBATT', 'ups1@localhost'), encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN')], 'SHUTDOWN'],
    ['LOWBATT without ONBATT', [encodeFrame('LOWBATT', 'ups1@localhost'), encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN')], 'SHUTDOWN'],
    ['OB+LB on one of two supplies', [encodeFrame('ONBATT', 'ups1@localhost'), encodeFrame('LOWBATT', 'ups1@localhost'), encodeFrame('SHUTDOWN_HOSTSYNC'),
      encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN')], 'SHUTDOWN_HOSTSYNC'],
  ];
  for (const [what, frames, refused] of forged) {
    it(`forged shutdown, ${what}: reported, no shutdown`, async () => {
      const { d, shutdowns, notifier } = harness();
      const r = d.receive(cat(...frames));
      expect(r.ok).toBe(false);
      expect(r.ok === false && r.reason).toMatch(new RegExp(`^frame ${refused} out of order: .*MINSUPPLIES`));
      await waitFor('notifications done', () => notifier.inFlight === 0, 5000);
      expect(lines().some((l) => l.startsWith('SHUTDOWN'))).toBe(false);
      expect(shutdowns()).toBe(0);
      expect(existsSync(marker)).toBe(false);
      // the next child is held to the same rule
      d.childRestarted();
      expect(d.receive(encodeFrame('SHUTDOWN')).ok).toBe(false);
      expect(shutdowns()).toBe(0);
    });
  }

  it('a reload to MINSUPPLIES 2 makes one supply OB+LB enough', async () => {
    const { d, shutdowns } = harness();
    const two = parseUpsmonConf(`MONITOR ups1@localhost 1 mon pass primary\nMONITOR ups2@localhost:3494 1 mon pass primary\nMINSUPPLIES 2\nSHUTDOWNCMD /bin/true\n`, 'upsmon.conf');
    d.reload(two.value);
    expect(d.receive(cat(encodeFrame('ONBATT', 'ups1@localhost'), encodeFrame('LOWBATT', 'ups1@localhost'), encodeFrame('SHUTDOWN'), encodeFrame('EXEC_SHUTDOWN')))).toEqual({ ok: true });
    expect(shutdowns()).toBe(1);
    await waitFor('marker', () => existsSync(marker), 5000);
  });

  it('after a fault, a restarted child is heard again', async () => {
    const { d } = harness();
    expect(d.receive(Uint8Array.from([STX, 0xff])).ok).toBe(false);
    expect(d.receive(encodeFrame('ONBATT', 'ups1@localhost')).ok).toBe(false); // still the old child
    d.childRestarted();
    expect(d.receive(encodeFrame('ONBATT', 'ups2@localhost:3494'))).toEqual({ ok: true });
    await waitFor('notification', () => lines().length === 1, 5000);
    expect(lines()[0]).toBe('ONBATT|ups2@localhost:3494|UPS ups2@localhost:3494 on battery|1');
  });

  it('a thousand valid frames: at most MAX_NOTIFY_CHILDREN commands at once, the dispatcher keeps up', async () => {
    const { d, notifier, delivered } = harness();
    const pair = cat(encodeFrame('ONBATT', 'ups1@localhost'), encodeFrame('ONLINE', 'ups1@localhost'));
    const t0 = Date.now();
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      expect(d.receive(pair)).toEqual({ ok: true });
      peak = Math.max(peak, notifier.inFlight);
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(delivered).toHaveLength(1000);
    expect(peak).toBeLessThanOrEqual(MAX_NOTIFY_CHILDREN);
    await waitFor('children done', () => notifier.inFlight === 0, 10_000);
    expect(lines().length).toBeLessThanOrEqual(1000);
    expect(lines().length).toBeGreaterThanOrEqual(MAX_NOTIFY_CHILDREN);
    expect(EXEC_SHUTDOWN_CODE).toBe(0x60);
  }, 20_000);
});
