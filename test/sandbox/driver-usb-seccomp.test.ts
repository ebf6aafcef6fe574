// Death tests for the driver-usb role (usbhid-ups, issue 5): inside its real sandbox — dropped
// to nut, node-hid's binding loaded, the filter in force — every forbidden call kills the process,
// and what a USB driver does after start-up (udev enumeration, reopening a hidraw node) does not.
// The fixture-driven driver process under this filter, through upsd with unplug and replug, is
// test/driver/usbhid/process.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { hasLibusb, LIBUSB, requirePeer, requireRoot } from '../support/peers.js';
import { buildSeccompChild, type SeccompChild } from '../support/seccomp-child.js';
import { resolvePolicy } from '../../src/sandbox/seccomp.js';

let shared: SeccompChild;
let usb: SeccompChild;
beforeAll(async () => {
  shared = await buildSeccompChild();
  usb = await buildSeccompChild(new URL('../driver/usbhid/seccomp-usb-child.ts', import.meta.url).pathname, ['koffi', 'node-hid']);
}, 60_000);
// (undefined when beforeAll failed)
afterAll(() => { (shared as SeccompChild | undefined)?.cleanup(); (usb as SeccompChild | undefined)?.cleanup(); });

const FORBIDDEN = ['execve', 'shell', 'inet', 'ptrace', 'mount', 'setuid', 'chmod', 'kill'];

describe('driver-usb policy', () => {
  it('allows no network family but AF_UNIX, and nothing a driver must never do', () => {
    const p = resolvePolicy('driver-usb');
    expect(p.get('socket')?.equals).toEqual([1]);
    for (const n of ['execve', 'fork', 'vfork', 'ptrace', 'mount', 'setuid', 'chmod', 'bind', 'listen']) expect(p.has(n), n).toBe(false);
    expect(p.get('kill')?.equals, 'kill only of itself').toEqual(['self']);
  });
});

describe('death tests, role driver-usb', () => {
  it('the sandbox itself leaves the process working (control)', (ctx) => {
    requireRoot(ctx);
    expect(shared.attempt('driver-usb', 'none')).toEqual({ signal: null, out: 'ALIVE' });
  });

  for (const what of FORBIDDEN) {
    it(`${what}: kills the process (SIGSYS)`, (ctx) => {
      requireRoot(ctx);
      const r = shared.attempt('driver-usb', what);
      expect(r.out).not.toMatch(/ALLOWED/);
      expect(r.signal).toBe('SIGSYS');
    });
  }

  it('open of /etc/shadow fails with EACCES (no longer root)', (ctx) => {
    requireRoot(ctx);
    expect(shared.attempt('driver-usb', 'shadow')).toEqual({ signal: null, out: 'ERROR EACCES' });
  });

  it('a netlink socket (libusb hotplug) kills the process: hardnut drives hidraw', (ctx) => {
    requireRoot(ctx); requirePeer(ctx, hasLibusb(), LIBUSB);
    const r = usb.attempt('driver-usb', 'netlink');
    expect(r.out).not.toMatch(/ALLOWED/);
    expect(r.signal).toBe('SIGSYS');
  });

  it('node-hid enumerates the bus under the filter (what a reconnect does first)', (ctx) => {
    requireRoot(ctx); requirePeer(ctx, hasLibusb(), LIBUSB);
    const r = usb.attempt('driver-usb', 'enumerate');
    expect(r.signal).toBeNull();
    expect(r.out).toMatch(/^ENUMERATED \d+$/);
  });

  it('reopening a hidraw node by path is allowed by the filter', (ctx) => {
    requireRoot(ctx); requirePeer(ctx, hasLibusb(), LIBUSB);
    expect(usb.attempt('driver-usb', 'hidraw')).toEqual({ signal: null, out: 'ERROR ENOENT' });
  });
});
