// Run by test/sandbox/driver-usb-seccomp.test.ts (bundled with esbuild): loads node-hid's
// binding as the driver does, drops to nut when root, loads the driver-usb filter, then does one
// USB thing and reports what happened. A SIGSYS death is the filter's answer.
import { createRequire } from 'node:module';
import { openSync } from 'node:fs';
import { applySeccomp, preloadSeccomp } from '../../../src/sandbox/seccomp.js';
import { dropToUser } from '../../../src/sandbox/confine.js';
import { isRoot, lookupUser } from '../../../src/sandbox/drop-privileges.js';
import { NodeHidBus, preloadNodeHid } from '../../../src/driver/usbhid/node-hid-transport.js';

const [, attempt = 'none'] = process.argv.slice(2);
const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): { func(s: string): (...a: unknown[]) => number }; errno(): number };
const socket = koffi.load('libc.so.6').func('int socket(int domain, int type, int protocol)');
preloadNodeHid();
preloadSeccomp();
if (isRoot()) {
  const nut = lookupUser('nut');
  if (!nut) throw new Error('no nut user');
  dropToUser(nut);
}
applySeccomp('driver-usb');
const report = (s: string): void => { process.stdout.write(`${s}\n`); };
switch (attempt) {
  case 'none': report('ALIVE'); break;
  // what a reconnect does first: udev enumeration of the hidraw nodes through sysfs
  case 'enumerate': void new NodeHidBus().enumerate().then((d) => report(`ENUMERATED ${d.length}`), (e: Error) => report(`ERROR ${e.message}`)); break;
  // reopening a hidraw node by path is allowed (it fails only because there is none here)
  case 'hidraw': try { openSync('/dev/hidraw-hardnut-test', 'r+'); report('OPENED'); } catch (e) { report(`ERROR ${(e as NodeJS.ErrnoException).code}`); } break;
  // libusb's hotplug socket: hardnut uses hidraw, so the role has no netlink
  case 'netlink': report(socket(16, 3, 15) >= 0 ? 'ALLOWED' : `ERROR errno ${koffi.errno()}`); break;
  default: report(`unknown attempt ${attempt}`);
}
