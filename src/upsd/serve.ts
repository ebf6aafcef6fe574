// upsd serving, and `upsd -c reload|stop` (main.ts reads the command line first).
//
// Startup order (DESIGN.md): read upsd.conf, ups.conf, upsd.users, cmdvartab and the TLS
// certificate; resolve the run-as user; bind every listener; write the pid file; then chroot (-r),
// setgroups([]), setgid, setuid, and check that root cannot be regained; then chdir to the state
// path and start serving. A config error stops upsd with exit 1 and file:line.
//
// Reload after the privilege drop (SIGHUP, `upsd -c reload`): upsd.conf, ups.conf and upsd.users
// are read again by the unprivileged process, as NUT does — so they must be readable by upsd's
// user (Debian installs them root:nut 0640). If any of them cannot be read or has an error, the
// reload is refused as a whole and the running configuration stays. LISTEN, the certificate and
// cmdvartab are read at startup only.
//
// Chroot (-r DIR): as in NUT, every path upsd uses — NUT_CONFPATH, the state path, CERTFILE,
// CERTPATH, DATAPATH and Unix-socket LISTEN paths — is a path inside DIR. hardnut reads the files
// before the chroot through DIR, and after it (reload) at the same place, so both reads see the
// same files. The pid file is written outside, where `upsd -c reload` looks for it.

import { alive, holdPid, readPid, removePidFile, trustedPid, writePidFile } from '../runtime/pidfile.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, readableByDiagnostics, UPSD_FILES } from '../runtime/config-read.js';
import { rootReadProblem } from '../sandbox/safe-path.js';
import { daemonView, seenBy, signalFailure } from '../runtime/control-check.js';
import { Logger } from '../runtime/log.js';
import { formatDiagnostic, type Diagnostic } from '../core/config/diagnostics.js';
import { parseUpsConf, type UpsConf } from '../core/config/ups-conf.js';
import { parseUpsdConf, type UpsdConf } from '../core/config/upsd-conf.js';
import { parseUpsdUsers, type UpsdUsers } from '../core/config/upsd-users.js';
import { ConfigError, HardnutError } from '../core/errors.js';
import { altPidPath, confPath, statePath } from '../core/paths.js';
import { groupName, isRoot, lookupUser, type Account } from '../sandbox/drop-privileges.js';
import { notifyReady, respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { confine } from '../sandbox/confine.js';
import { installFatalHandlers } from '../sandbox/fatal.js';
import { CMDVARTAB, Descriptions } from './descriptions.js';
import { bindAll, ListenError, listenSpecs, unlinkUnixSocket } from './listeners.js';
import { UpsdServer, type ServerSettings } from './server.js';
import { loadTls, TlsConfigError, type TlsSettings } from './tls.js';
import type { UpsDefinition } from './ups-registry.js';
import { UserDb } from './users.js';
import { HARDNUT_VERSION_STRING } from './version.js';
import { NUT_COMPAT_VERSION } from '../protocol/net/server-replies.js';

import type { Options } from './main.js';
/** NUT's RUN_AS_USER on Debian. */
export const DEFAULT_USER = 'nut';
/** NUT's DATADIR on Debian: where cmdvartab lives unless DATAPATH says otherwise. */
export const DEFAULT_DATAPATH = '/usr/share/nut';
export const PID_FILE_NAME = 'upsd.pid';

function pidFilePath(env: NodeJS.ProcessEnv): string {
  return join(altPidPath(env), PID_FILE_NAME);
}


/** `upsd -c reload|stop [-P pid]`. */
function signalRunning(o: Options, env: NodeJS.ProcessEnv, log: Logger): number {
  const file = pidFilePath(env);
  // hardnut difference: root signals only a pid its writer could have signalled (pidfile.ts)
  // the process checked is the one signalled: held by a pidfd until then (pidfile.ts: HeldProcess)
  const v = o.pid !== undefined ? holdPid(o.pid) : trustedPid(file, 'upsd');
  if ('missing' in v) log.error(`Could not find or read the pid file ${file}: is upsd running? (or give its pid with -P)`);
  if ('refused' in v) log.error(`Not signalling upsd: ${v.refused}`);
  if ('gone' in v) log.error(`upsd -c ${o.command ?? ''}: upsd is not running: no process ${String(v.gone)} (from ${o.pid !== undefined ? '-P' : file})`);
  if (!('pid' in v)) return 1;
  const { pid, held } = v;
  try {
    if (o.command === 'reload') {
      // hardnut difference: NUT signals and exits 0 whatever upsd then makes of its files.
      const problem = reloadProblem(pid, confPath(env));
      if (problem !== undefined) {
        log.error(`upsd -c reload: not reloading; upsd (pid ${String(pid)}) keeps the configuration it has:\n${problem}`);
        return 1;
      }
    }
    held.signal(o.command === 'reload' ? 'SIGHUP' : 'SIGTERM');
    return 0;
  } catch (err) {
    log.error(`upsd -c ${o.command ?? ''}: ${signalFailure('upsd', pid, o.pid !== undefined ? '-P' : file, err)}`);
    return 1;
  } finally {
    held.close();
  }
}

/**
 * What the running upsd would refuse on SIGHUP (control-check.ts): its files, as its user can
 * read them (inside its chroot), through the loader its reload uses. A later change to the files,
 * between this check and upsd's read, still fails only in upsd's log.
 */
function reloadProblem(pid: number, confDir: string): string | undefined {
  const view = daemonView(pid);
  if (!view) return undefined; // no such process: kill() says so
  const dir = seenBy(view, confDir);
  for (const name of UPSD_FILES) {
    const d = readableByDiagnostics(join(dir, name), view.account, 'upsd reads it as this user on reload')[0];
    if (d) return formatDiagnostic(d);
  }
  try {
    loadAll(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return undefined;
}

interface Loaded {
  upsd: UpsdConf;
  ups: UpsConf;
  users: UpsdUsers;
  warnings: Diagnostic[];
}

/** Reads the three files from `dir`; throws ConfigError (file:line) on the first error. */
function loadAll(dir: string): Loaded {
  const upsd = loadConfig(dir, 'upsd.conf', parseUpsdConf);
  const ups = loadConfig(dir, 'ups.conf', parseUpsConf);
  // hardnut difference: as root, an upsd.users another user could change (to give themselves
  // every right) is refused, as the file itself being world-writable already is (issue 18)
  const unsafe = rootReadProblem(join(dir, 'upsd.users'));
  if (unsafe !== undefined) throw new ConfigError(join(dir, 'upsd.users'), 0, unsafe);
  const users = loadConfig(dir, 'upsd.users', parseUpsdUsers);
  return { upsd: upsd.value, ups: ups.value, users: users.value, warnings: [...upsd.warnings, ...ups.warnings, ...users.warnings] };
}

function upsDefinitions(ups: UpsConf): UpsDefinition[] {
  const out: UpsDefinition[] = [];
  for (const s of ups.sections) {
    if (s.driver === undefined || s.port === undefined) continue; // the reader reports these as errors
    out.push({ name: s.name, driver: s.driver, ...(s.desc !== undefined ? { desc: s.desc } : {}) });
  }
  return out;
}

function settingsOf(c: UpsdConf): ServerSettings {
  return { maxAge: c.maxAge, trackingDelay: c.trackingDelay, maxConn: c.maxConn };
}

/** NUT's environment override for ALLOW_* (prefix match, §4.2). */
function envBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.toUpperCase();
  if (v.startsWith('TRUE') || v.startsWith('YES') || v.startsWith('ON') || v.startsWith('1')) return true;
  if (v.startsWith('FALSE') || v.startsWith('NO') || v.startsWith('OFF') || v.startsWith('0')) return false;
  return fallback;
}

function logWarnings(log: Logger, warnings: readonly Diagnostic[]): void {
  for (const w of warnings) log.warn(formatDiagnostic(w));
}

/** Serves, or with -c signals the running upsd; `o` as main.ts parsed it. */
export async function run(o: Options, env: NodeJS.ProcessEnv, log: Logger): Promise<number> {
  if (o.command) return signalRunning(o, env, log);

  const isDaemonChild = takeDaemonChildFlag(env);
  const foreground = o.foreground ?? (o.debug > 0 ? 1 : 0);
  if (!isDaemonChild) process.stdout.write(`Network UPS Tools upsd ${NUT_COMPAT_VERSION} (hardnut ${HARDNUT_VERSION_STRING})\n`);

  const pidFile = pidFilePath(env);
  const oldPid = o.pid ?? readPid(pidFile);
  if (oldPid !== undefined && oldPid !== process.pid && alive(oldPid)) {
    log.error('Fatal error: A previous upsd instance is already running!');
    log.error("Either stop the previous instance first, or use the 'reload' command.");
    return 1;
  }

  const root = o.chroot;
  if (root !== undefined && !isRoot()) {
    log.error('Fatal error: -r needs upsd to be started as root');
    return 1;
  }
  const outside = (p: string): string => (root !== undefined ? join(root, p) : p);
  const confDir = confPath(env);

  let loaded: Loaded;
  let tls: TlsSettings | undefined;
  let account: Account | undefined;
  let descriptions: Descriptions;
  let state: string;
  try {
    loaded = loadAll(outside(confDir));
    logWarnings(log, loaded.warnings);
    const conf = loaded.upsd;
    if (conf.debugMin !== undefined && conf.debugMin > log.debugLevel) log.debugLevel = conf.debugMin;
    state = statePath(env, loaded.ups.global.statepath ?? conf.statePath);
    descriptions = loadDescriptions(outside(conf.dataPath ?? DEFAULT_DATAPATH), log);
    const allowNoDevice = envBool(env['ALLOW_NO_DEVICE'], conf.allowNoDevice);
    if (upsDefinitions(loaded.ups).length === 0) {
      if (!allowNoDevice) throw new HardnutError('ERR_NO_UPS', 'Fatal error: at least one UPS must be defined in ups.conf');
      log.warn('Normally at least one UPS must be defined in ups.conf, currently there are none (please configure the file and reload the service)');
    }
    if (conf.certFile !== undefined) {
      tls = loadTls({
        certFile: outside(conf.certFile),
        ...(conf.certPath !== undefined ? { certPath: outside(conf.certPath) } : {}),
        certRequest: conf.certRequest,
        ...(conf.certIdent !== undefined ? { keyPassword: conf.certIdent.password } : {}),
      });
      log.info(`TLS: certificate ${tls.subject}, valid until ${tls.validTo.toISOString()}${tls.certRequest > 0 ? `, client certificates ${tls.certRequest === 2 ? 'required' : 'requested'}` : ''}`);
    }
    if (isRoot()) {
      const name = o.user ?? DEFAULT_USER;
      account = lookupUser(name);
      if (!account) throw new HardnutError('ERR_NO_USER', `user ${name} not found (give another with -u)`);
      // read as root now, but as `account` on every reload: say so before the first reload fails
      for (const f of UPSD_FILES) logWarnings(log, readableByDiagnostics(join(outside(confDir), f), account, 'upsd reads it as this user on reload', 'warning'));
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TlsConfigError || err instanceof HardnutError) {
      log.error(err.message);
      return 1;
    }
    throw err;
  }

  if (foreground === 0 && !isDaemonChild) return respawnInBackground(env);

  const conf = loaded.upsd;
  let listeners;
  try {
    // a Unix-socket path is inside the chroot, like every other path: bind it there from outside
    const specs = listenSpecs(conf.listen, o.family).map((sp) => (sp.kind === 'unix' ? { ...sp, path: outside(sp.path) } : sp));
    listeners = await bindAll(specs, {
      ...(o.family !== undefined ? { family: o.family } : {}),
      allowNotAll: envBool(env['ALLOW_NOT_ALL_LISTENERS'], conf.allowNotAllListeners),
      ...(account ? { unixOwner: { uid: account.uid, gid: account.gid } } : {}),
      log,
    });
  } catch (err) {
    log.error(err instanceof ListenError ? err.message : `cannot listen: ${(err as Error).message}`);
    return 1;
  }
  // as seen after the chroot, for removal at exit
  const unixPaths = listenSpecs(conf.listen, o.family).flatMap((sp) => (sp.kind === 'unix' ? [sp.path] : []));

  // hardnut difference: the pid file is written in the foreground too (NUT only with -FF), so
  // `upsd -c reload|stop` and the duplicate-instance check work for `upsd -F` as well.
  let writePid = true;
  try { writePidFile(pidFile); } catch (err) {
    writePid = false;
    log.warn(`Could not write the pid file ${pidFile}: ${(err as Error).message}`);
  }

  // From here upsd serves: an error nobody handles ends it (src/sandbox/fatal.ts), and any
  // failure in the one pipeline (src/sandbox/confine.ts) ends it at once, listeners and all.
  installFatalHandlers('upsd', log);
  const confined = await confine({
    role: 'upsd', log, env,
    ...(account ? { user: account.name } : {}),
    ...(root !== undefined ? { jail: root } : {}),
    asUser: () => {
      try { process.chdir(state); } catch (err) { throw new HardnutError('ERR_CHDIR', `Can't chdir to ${state}: ${(err as Error).message}`); }
    },
  });
  if (confined.account) {
    const a = confined.account;
    log.info(`Running as ${a.name} (uid ${String(a.uid)}, gid ${String(a.gid)}${groupSuffix(a.gid)})${root !== undefined ? `, chroot ${root}` : ''}`);
    if (a.uid === 0) log.warn('Warning: running as root (-u root); upsd should run as an unprivileged user');
  }

  const server = new UpsdServer({
    log,
    hardnutVersion: HARDNUT_VERSION_STRING,
    settings: settingsOf(conf),
    users: new UserDb(loaded.users),
    ups: upsDefinitions(loaded.ups),
    descriptions,
    ...(tls ? { tls } : {}),
  });
  server.attach(listeners);
  server.start();
  if (isDaemonChild) {
    notifyReady();
    try { log.useSyslog(); } catch { /* no syslog: keep stderr */ }
  }

  const reload = (): void => {
    log.info('SIGHUP: reloading configuration');
    let next: Loaded;
    try {
      // the same files as at startup, now read as upsd's user (inside the chroot, if any)
      next = loadAll(confDir);
    } catch (err) {
      log.error(`Reload failed, the configuration in use is kept: ${(err as Error).message}`);
      return;
    }
    logWarnings(log, next.warnings);
    server.reload({ settings: settingsOf(next.upsd), users: new UserDb(next.users), ups: upsDefinitions(next.ups) });
    log.info(`Reloaded: ${String(server.registry.size)} UPS, ${String(server.users.size)} users`);
  };

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`Signal ${sig}: exiting`);
      void server.close().finally(() => {
        for (const p of unixPaths) unlinkUnixSocket(p);
        if (writePid) removePidFile(pidFile);
        resolve(0);
      });
    };
    process.on('SIGHUP', reload);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => stop(sig));
  });
}

function groupSuffix(gid: number): string {
  try {
    const g = groupName(gid);
    return g !== undefined ? ` ${g}` : '';
  } catch {
    return '';
  }
}

function loadDescriptions(dataPath: string, log: Logger): Descriptions {
  const file = join(dataPath, CMDVARTAB);
  try {
    return Descriptions.parse(readFileSync(file));
  } catch {
    log.info(`${file} not found - disabling descriptions`);
    return Descriptions.parse('');
  }
}
