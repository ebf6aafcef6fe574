// `hardnut config check [DIR]`: validates every NUT config file in DIR (default: NUT_CONFPATH or
// /etc/nut) and how they fit together. Diagnostics go to stderr, one summary line to stdout.
// Exit 0 = no errors (warnings allowed), 1 = errors or an unusable DIR, 2 = usage.

//
// One validation: what the daemons refuse, this refuses first, by running their own code — the
// ups.conf/upsd/upsmon readers (runtime/config-files.ts), each driver's settings resolution
// (resolveSettings with its variable table), upsdrvctl's driver lookup and each driver's port
// check — plus the files' permissions as upsd's user will see them when it reloads.

import { exporterConfDiagnostics } from '../exporter/check.js';
import { dirname } from 'node:path';
import { confPath } from '../core/paths.js';
import { ConfigError, HardnutError } from '../core/errors.js';
import { countBySeverity, DiagnosticList, formatDiagnostic, type Diagnostic } from '../core/config/diagnostics.js';
import type { UpsConf, UpsSection } from '../core/config/ups-conf.js';
import { checkConfigDir, CONFIG_FILES, DAEMON_USER, type ReaderAccount } from '../runtime/config-files.js';
import { loadAllDrivers } from '../driver/drivers/index.js';
import type { DriverDefinition } from '../driver/driver.js';
import { resolveSettings } from '../driver/runtime.js';
import { driverCommand } from '../driver/upsdrvctl.js';
import { lookupUser } from '../sandbox/drop-privileges.js';
import type { UpsmonConf } from '../core/config/upsmon-conf.js';
import { describeDecision, selectShutdownPlan, shutdownProbe } from '../upsmon/supervisor/shutdown-method.js';
import { DEFAULT_DISPATCH_USER, shutdownAccessProblem } from '../upsmon/supervisor/shutdown-access.js';

const USAGE = 'usage: hardnut config check [DIR]\n'
  + '  Validates nut.conf, ups.conf, upsd.conf, upsd.users, upsmon.conf, upssched.conf and\n'
  + '  exporter.conf in DIR\n'
  + '  (default: $NUT_CONFPATH, else /etc/nut). Exits 1 if any error is found.\n';

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'check') {
    process.stderr.write(sub === undefined ? USAGE : `hardnut config: unknown command '${sub}'\n${USAGE}`);
    return 2;
  }
  if (rest.length > 1 || (rest[0] !== undefined && rest[0].startsWith('-'))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const dir = rest[0] ?? confPath(env);

  let result;
  let shutdownLine: string | undefined;
  const nut = daemonAccount();
  try {
    const drivers = await loadAllDrivers();
    result = await checkConfigDir(dir, {
      ...(nut ? { upsdReader: nut, upsmonReader: nut } : {}),
      checkUpsConf: (path, conf) => driverDiagnostics(path, conf, env, drivers),
      checkExporterConf: exporterConfDiagnostics,
      checkUpsmonConf: (path, conf) => {
        const r = shutdownDiagnostics(path, conf, env);
        shutdownLine = r.line;
        return r.diagnostics;
      },
      env,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hardnut config check: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.filesChecked.length === 0) {
    process.stderr.write(`hardnut config check: no NUT config files in ${dir} (looked for ${CONFIG_FILES.join(', ')})\n`);
    return 1;
  }
  if (shutdownLine !== undefined) process.stdout.write(`${shutdownLine}\n`);
  const { errors, warnings } = countBySeverity(result.diagnostics);
  process.stdout.write(`checked ${plural(result.filesChecked.length, 'file')} in ${dir}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors > 0 ? 1 : 0;
}

/**
 * The NUT user, when this host has one and the checker is root: without it no daemon could drop to
 * it either, and daemons an ordinary user starts stay that user (only root can switch), so their
 * files need only be readable by whoever runs the check.
 */
function daemonAccount(): ReaderAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try { return lookupUser(DAEMON_USER); } catch { return undefined; }
}

/**
 * How upsmon, started by whoever runs this check (as a service: root), will shut the host down
 * and why, by upsmon's own decision (shutdown-method.ts) and, as root, its own start-up checks
 * (shutdown-access.ts). What upsmon.conf chose and upsmon would refuse is an error at its line;
 * what only this host's installation or the environment decided (no helper installed here, say)
 * is a warning, as the file may be meant for another host.
 */
export function shutdownDiagnostics(path: string, conf: UpsmonConf, env: NodeJS.ProcessEnv): { line?: string; diagnostics: Diagnostic[] } {
  const d = new DiagnosticList(path);
  const root = process.getuid?.() === 0;
  const report = (err: unknown): void => {
    if (err instanceof ConfigError && err.code !== 'ERR_SHUTDOWN_NOT_INSTALLED') d.error(err.line, `upsmon refuses to start: ${bareMessage(err)}`, SHUTDOWN_HINT);
    else if (err instanceof ConfigError) d.warning(err.line, `upsmon on this host would refuse to start: ${bareMessage(err)}`, 'install it here (README: installing), or check this file on the host it is for');
    else if (err instanceof HardnutError) d.warning(0, `upsmon on this host would refuse to start: ${err.message}`, SHUTDOWN_HINT);
    else throw err;
  };
  let sel;
  try {
    sel = selectShutdownPlan(conf, env, root, shutdownProbe, path);
  } catch (err) {
    report(err);
    return { line: 'shutdown: none: upsmon would refuse to start (see above)', diagnostics: d.sorted() };
  }
  for (const w of sel.warnings) d.warning(0, w);
  if (root) {
    const problem = shutdownAccessProblem(sel, path, env['HARDNUT_UPSMON_DISPATCH_USER'] || DEFAULT_DISPATCH_USER);
    if (problem !== undefined) report(problem);
  }
  // decided for this user: say so when the reason does not (started as root, upsmon may choose otherwise)
  const unprivileged = !root && !sel.reason.includes('not started as root') ? ' [as upsmon started by this user, not root]' : '';
  return { line: `${describeDecision(sel)}${unprivileged}`, diagnostics: d.sorted() };
}

const SHUTDOWN_HINT = 'README "the shutdown": SHUTDOWNCMD "<helper path> poweroff", or SHUTDOWNMETHOD with SHUTDOWNHELPER, SHUTDOWNSOCKET, INTENTKEY, INITCTL';

function entryLine(section: UpsSection, key: string): number {
  return section.entries.find((e) => e.key === key)?.line ?? section.line;
}

/** ConfigError's message without its `file:line: ` prefix. */
function bareMessage(err: ConfigError): string {
  const prefix = err.line > 0 ? `${err.file}:${String(err.line)}: ` : `${err.file}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** For each [ups]: what upsdrvctl and the driver would refuse at start-up, found by their own code. */
export function driverDiagnostics(path: string, conf: UpsConf, env: NodeJS.ProcessEnv, drivers: ReadonlyMap<string, DriverDefinition>): Diagnostic[] {
  const d = new DiagnosticList(path);
  const out: Diagnostic[] = [];
  for (const section of conf.sections) {
    const driver = section.driver;
    if (driver === undefined || section.port === undefined) continue; // the reader has reported it
    const def = drivers.get(driver);
    if (!def) {
      if (driverCommand(conf, driver) === undefined) {
        d.error(entryLine(section, 'driver'), `[${section.name}]: driver ${driver} is not a hardnut driver, and not found in driverpath${conf.global.driverpath !== undefined ? ` (${conf.global.driverpath})` : ''}: upsdrvctl cannot start it`,
          `hardnut's drivers are ${[...drivers.keys()].join(', ')}; for one of NUT's own, set driverpath = /lib/nut`);
      }
      continue;
    }
    try {
      const r = resolveSettings(def, ['-a', section.name], { ...env, NUT_CONFPATH: dirname(path) }, () => conf);
      if (typeof r !== 'object' || !def.checkPort) continue;
      const problem = def.checkPort({ upsName: r.upsName, port: r.port, confPath: r.confPath, vars: r.vars });
      if (problem !== undefined) {
        d.error(entryLine(section, 'port'), `[${section.name}]: ${problem}: ${driver} refuses to start`, 'correct port =, or create what it names');
      }
    } catch (err) {
      if (err instanceof ConfigError) {
        out.push({ severity: 'error', file: err.file, line: err.line, message: `[${section.name}]: ${bareMessage(err)}`, hint: `hardnut ${driver} -L lists the variables it takes` });
      } else if (err instanceof HardnutError) {
        d.error(section.line, `[${section.name}]: ${err.message}`);
      } else {
        throw err;
      }
    }
  }
  return [...out, ...d.sorted()].sort((a, b) => a.line - b.line);
}
