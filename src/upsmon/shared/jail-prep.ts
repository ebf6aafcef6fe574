// What a jailed upsmon child (the network child, the rule-action child) does as root just before
// the one confinement pipeline: what it could not do once inside.

import { stat } from 'node:fs/promises';
import type { Logger } from '../../runtime/log.js';
import { closeInheritedFds } from '../../sandbox/fds.js';

/** Closes every descriptor above `lastFd` (none of them may enter the jail), starts libuv's pool, reads the time zone. */
export async function prepareForJail(lastFd: number, log: Logger): Promise<void> {
  const stray = closeInheritedFds(lastFd + 1);
  if (stray.length > 0) log.debug(1, `upsmon: closed inherited descriptors ${stray.join(' ')}`);
  // Start libuv's thread pool now: with RLIMIT_NPROC 0 no thread can be created later.
  await stat('/');
  // Read the time zone now (/etc/localtime): date handling, e.g. checking a TLS certificate's
  // validity, would otherwise try to open it inside the jail, which seccomp forbids.
  void new Date().getTimezoneOffset();
  void new Date().toString();
}
