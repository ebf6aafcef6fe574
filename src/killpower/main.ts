// `hardnut killpower …` (issue 15): the late shutdown that cuts UPS power after everything else.
//   keygen <file>   a new flag signing key (64 bytes, root 0600); the dispatcher loads it while root
//   snapshot        writes /run/hardnut/late: manifest (node, verify key), ups.conf, dist/, natives
//   check           verifies the flag against the snapshot; the exit status says why (sends nothing)
//   hook [-n]       check, then each flagged UPS's driver -k from the snapshot; -n prints the bytes
// The hook is what policy/late-shutdown/* run (systemd-shutdown, exitrd/dracut, sysvinit halt).
// It is idempotent: the first run in a boot claims `sent` (O_EXCL) and later runs send nothing.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, openSync, realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { confPath } from '../core/paths.js';
import { UsageError } from '../core/errors.js';
import { generateFlagKey, verifyFlag, type FlagVerdict } from './flag.js';
import {
  claimSend, DEFAULT_KILLPOWER_KEY, killpowerDir, lateDir, readBootId, readBootTime, readFlag, readSnapshot, releaseSend,
  writeSnapshot, type Snapshot,
} from './files.js';

/** Exit statuses of check and hook: each refusal says why. */
export const KILLPOWER_EXIT = {
  /** hook: sent to every flagged UPS, or already sent in this boot; check: the flag is good. */
  ok: 0,
  usage: 2,
  noFlag: 10,
  malformed: 11,
  forged: 12,
  otherBoot: 13,
  unknownUps: 14,
  noSnapshot: 15,
  driverFailed: 16,
} as const;

/**
 * The whole hook must end inside systemd-shutdown's 90 s cap for its hooks, with room to spare:
 * a driver still talking to a silent UPS when this runs out is killed.
 */
export const HOOK_BUDGET_MS = 75_000;

const USAGE = `usage: hardnut killpower keygen <file>
       hardnut killpower snapshot [-u <ups>]...   (root: writes $HARDNUT_LATE_DIR, default /run/hardnut/late)
       hardnut killpower check                    (exit 0: a valid flag for this boot)
       hardnut killpower hook [-n]                (-n: print the bytes instead of sending them)
Environment: HARDNUT_LATE_DIR, HARDNUT_KILLPOWER_DIR (flag), HARDNUT_KILLPOWER_KEY, NUT_CONFPATH
`;

function exitFor(v: Exclude<FlagVerdict, { ok: true }>): number {
  switch (v.code) {
    case 'absent': return KILLPOWER_EXIT.noFlag;
    case 'ERR_KILLPOWER_SIGNATURE': case 'ERR_KILLPOWER_KEY': return KILLPOWER_EXIT.forged;
    case 'ERR_KILLPOWER_BOOT': return KILLPOWER_EXIT.otherBoot;
    case 'ERR_KILLPOWER_UPS': return KILLPOWER_EXIT.unknownUps;
    default: return KILLPOWER_EXIT.malformed;
  }
}

/** The flag on /run against the snapshot: the verdict, or the exit status when there is none to act on. */
export function checkFlag(env: NodeJS.ProcessEnv, log: Logger): { snapshot: Snapshot; ups: readonly string[]; bootId: string } | number {
  let snapshot: Snapshot;
  try { snapshot = readSnapshot(lateDir(env)); } catch (err) {
    log.error(`killpower: ${(err as Error).message}`);
    return KILLPOWER_EXIT.noSnapshot;
  }
  let bytes: Uint8Array | undefined;
  try { bytes = readFlag(killpowerDir(env)); } catch (err) {
    log.error(`killpower: flag refused: ${(err as Error).message}`);
    return KILLPOWER_EXIT.malformed;
  }
  if (bytes === undefined) { log.info(`killpower: no flag in ${killpowerDir(env)}: the UPS keeps its power`); return KILLPOWER_EXIT.noFlag; }
  const bootId = readBootId();
  const v = verifyFlag(bytes, { publicKey: snapshot.manifest.publicKey, bootId, bootTime: readBootTime(), known: new Set(snapshot.upsConf.sections.map((s) => s.name)) });
  if (!v.ok) {
    if (v.code === 'absent') log.info('killpower: the flag is armed but not set: the UPS keeps its power');
    else log.error(`killpower: flag refused, the UPS keeps its power: ${v.reason}`);
    return exitFor(v);
  }
  return { snapshot, ups: v.flag.ups, bootId };
}

/**
 * For `upsmon -K`: 'absent' when no signed flag is set on /run (then NUT's POWERDOWNFLAG decides),
 * else whether the hook would act on it, and why not.
 */
export function signedFlagStatus(env: NodeJS.ProcessEnv): 'absent' | { set: true } | { set: false; reason: string } {
  let bytes: Uint8Array | undefined;
  try { bytes = readFlag(killpowerDir(env)); } catch (err) { return { set: false, reason: (err as Error).message }; }
  if (bytes === undefined || bytes.length === 0) return 'absent';
  const quiet = new Logger('killpower');
  let reason = '';
  quiet.error = (m: string): void => { reason = m; };
  quiet.info = (): void => undefined;
  const r = checkFlag(env, quiet);
  return typeof r === 'number' ? { set: false, reason } : { set: true };
}

/** Runs one driver's -k from the snapshot, killed when the budget runs out. */
function runDriverKill(snap: Snapshot, driver: string, ups: string, dryRun: boolean, deadline: number): Promise<string | undefined> {
  const state = join(snap.dir, 'state');
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NUT_CONFPATH: snap.dir, NUT_STATEPATH: state, NUT_ALTPIDPATH: state,
    ...(dryRun ? { HARDNUT_KILLPOWER_DRY_RUN: '1' } : {}),
    ...(process.env['HARDNUT_SECCOMP'] !== undefined ? { HARDNUT_SECCOMP: process.env['HARDNUT_SECCOMP'] } : {}),
  };
  const argv = [join(snap.dir, 'dist', 'hardnut.js'), driver, '-a', ups, '-k'];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'], env, cwd: '/' });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, Math.max(0, deadline - Date.now()));
    child.on('error', (err) => { clearTimeout(timer); resolve(err.message); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : signal === 'SIGKILL' ? 'no answer before the hook\'s time ran out' : `exit ${String(code ?? signal)}`);
    });
  });
}

async function hook(env: NodeJS.ProcessEnv, dryRun: boolean, log: Logger): Promise<number> {
  const started = Date.now();
  const r = checkFlag(env, log);
  if (typeof r === 'number') return r;
  const dir = killpowerDir(env);
  if (!dryRun && !claimSend(dir, r.bootId)) {
    log.info('killpower: the shutdown was already sent in this boot: nothing to do');
    return KILLPOWER_EXIT.ok;
  }
  const sections = r.snapshot.upsConf.sections.filter((s) => r.ups.includes(s.name)).sort((a, b) => (a.sdorder ?? 0) - (b.sdorder ?? 0));
  let failed = 0;
  for (const s of sections) {
    log.notice(`killpower: ${dryRun ? 'dry run for' : 'shutting down'} UPS ${s.name} (${s.driver ?? '?'})`);
    const why = await runDriverKill(r.snapshot, s.driver ?? '', s.name, dryRun, started + HOOK_BUDGET_MS);
    if (why !== undefined) { failed++; log.error(`killpower: UPS ${s.name}: shutdown failed: ${why}`); }
  }
  if (failed > 0) {
    // a later hook (the exitrd after systemd-shutdown) may try again
    if (!dryRun) releaseSend(dir);
    return KILLPOWER_EXIT.driverFailed;
  }
  return KILLPOWER_EXIT.ok;
}

function keygen(file: string): number {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try { writeSync(fd, generateFlagKey()); } finally { closeSync(fd); }
  chmodSync(file, 0o600);
  return 0;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = new Logger('killpower');
  const [command, ...rest] = argv;
  try {
    const { options, operands } = getopt(rest, 'nu:h');
    if (options.some((o) => o.flag === 'h')) { process.stdout.write(USAGE); return 0; }
    switch (command) {
      case 'keygen':
        if (operands.length !== 1) throw new UsageError('keygen takes the key file');
        return keygen(operands[0] as string);
      case 'snapshot': {
        const ups = options.filter((o) => o.flag === 'u').map((o) => o.value as string);
        const names = writeSnapshot({
          dir: lateDir(env), confDir: confPath(env), keyPath: env['HARDNUT_KILLPOWER_KEY'] || DEFAULT_KILLPOWER_KEY,
          // npm -g installs a symlink on PATH: the bundle and its packages are where it points
          ups, program: realpathSync(process.argv[1] as string), node: process.execPath,
        });
        log.info(`killpower: snapshot in ${lateDir(env)} for ${names.join(', ')}`);
        return 0;
      }
      case 'check': {
        const r = checkFlag(env, log);
        if (typeof r === 'number') return r;
        log.info(`killpower: a valid flag for this boot names ${r.ups.join(', ')}`);
        return 0;
      }
      case 'hook':
        return await hook(env, options.some((o) => o.flag === 'n'), log);
      default:
        throw new UsageError(command === undefined ? 'a command is needed' : `unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) { process.stderr.write(`${err.message}\n${USAGE}`); return KILLPOWER_EXIT.usage; }
    log.error(`killpower: ${(err as Error).message}`);
    return 1;
  }
}
