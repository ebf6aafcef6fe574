// As root, before the split: can the dispatcher — nut (+ nutshutdown), as dispatch-process.ts
// drops to — use the plan's helper or socket, is the intent key loadable, and can no other user
// change any of them? Otherwise upsmon would start and only fail (or be subverted) in an outage.
// Shared by upsmon's start and `hardnut config check`; a problem names the place that chose the
// path (upsmon.conf:line, or the environment variable).

import { statSync } from 'node:fs';
import type { HardnutError } from '../../core/errors.js';
import { lookupGroup, lookupUser } from '../../sandbox/drop-privileges.js';
import { unsafeWhy } from '../../sandbox/safe-path.js';
import { loadIntentKey } from '../../sandbox/shutdown-intent.js';
import { originError, planAccessProblem, type Origin, type PathOwnership, type SelectedPlan, type ShutdownPlan } from './shutdown-method.js';

/** The dispatcher's extra group, when it exists: the only one that may run the helper or use the socket. */
export const SHUTDOWN_GROUP = 'nutshutdown';

/**
 * The gid of SHUTDOWN_GROUP when this plan needs it and it exists: it opens the helper or the
 * socket only, so with SHUTDOWNCMD, initctl or no method the dispatcher does not join it.
 */
export function shutdownGroupFor(plan: ShutdownPlan): number | undefined {
  return plan.kind === 'helper' || plan.kind === 'socket' ? lookupGroup(SHUTDOWN_GROUP) : undefined;
}

/** The dispatcher's user (NUT's RUN_AS_USER on Debian) unless HARDNUT_UPSMON_DISPATCH_USER says. */
export const DEFAULT_DISPATCH_USER = 'nut';

const PREFIX = 'no way to shut this host down: ';

/** Whoever may write a directory or symlink on the way could put their own program, listener or key there; the file's own owner and mode follow planAccessProblem's rule. */
const WAY_ONLY = { wayOnly: true } as const;

export function shutdownAccessProblem(sel: SelectedPlan, file: string, dispatchUser: string): HardnutError | undefined {
  const plan = sel.plan;
  const fail = (origin: Origin | undefined, message: string, missing = false): HardnutError => originError(file, origin ?? { line: 0, label: 'the default' }, PREFIX + message, missing);
  if (plan.kind === 'initctl') {
    // init's FIFO itself is checked when the dispatcher opens it (sandbox/initctl.ts)
    const dir = plan.path !== null ? unsafeWhy(plan.path, WAY_ONLY) : undefined;
    return dir !== undefined ? fail(sel.origins.path, `${plan.path ?? ''} is in a directory another user can change (${dir})`) : undefined;
  }
  if (plan.kind !== 'helper' && plan.kind !== 'socket') return undefined;
  const account = lookupUser(dispatchUser);
  if (account === undefined) return fail({ line: 0, label: 'the dispatcher\'s user' }, `user ${dispatchUser} not found`);
  const shutdownGid = shutdownGroupFor(plan);
  const gids = shutdownGid === undefined ? [account.gid] : [account.gid, shutdownGid];
  let info: PathOwnership | undefined;
  try { const st = statSync(plan.path); info = { uid: st.uid, gid: st.gid, mode: st.mode }; } catch { info = undefined; }
  const problem = planAccessProblem(plan, info, { uid: account.uid, gids });
  if (problem !== undefined) return fail(sel.origins.path, problem, info === undefined);
  // whoever may write a directory on the way could put their own program or listener there
  const dir = unsafeWhy(plan.path, WAY_ONLY);
  if (dir !== undefined) return fail(sel.origins.path, `${plan.path} is in a directory another user can change (${dir})`);
  try { loadIntentKey(plan.keyPath); } catch (err) {
    return fail(sel.origins.key, `the intent key: ${(err as Error).message}`, (err as Error).message.includes('(ENOENT)'));
  }
  const keyDir = unsafeWhy(plan.keyPath, WAY_ONLY);
  if (keyDir !== undefined) return fail(sel.origins.key, `the intent key ${plan.keyPath} is in a directory another user can change (${keyDir})`);
  return undefined;
}
