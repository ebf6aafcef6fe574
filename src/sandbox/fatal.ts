// In sandbox/, not runtime/: the confinement pipeline ends the process through it, and runtime/
// already depends on sandbox/ (user and group lookups, syslog through libc).
// A daemon never lives on half-alive (DESIGN.md): an exception nobody caught or a rejection
// nobody handled leaves some part of it stopped — a poll loop, a listener — while the rest still
// answers, presenting old data as fresh. So either one is logged in one line and ends the process
// non-zero at once; the service manager (or upsdrvctl, or upsd's staleness) takes it from there.

/** Exit code of a daemon that ended on an error it did not expect. */
export const EXIT_FATAL = 1;

interface LineLog { error(message: string): void }

let installed: LineLog | undefined;

/** Logs `line` and ends the process with `code` now: nothing that holds a socket runs again. */
export function fatal(log: LineLog, line: string, code = EXIT_FATAL): never {
  try { log.error(line); } catch { /* the logger itself failed: the exit code still says it */ }
  process.exit(code);
}

function describe(what: unknown): string {
  if (what instanceof Error) return what.stack?.split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ') ?? what.message;
  return String(what);
}

/**
 * Installs the handlers for `ident`'s daemon. Idempotent: a later call only switches the logger
 * (to syslog once backgrounded), the handlers stay the same ones.
 */
export function installFatalHandlers(ident: string, log: LineLog): void {
  const first = installed === undefined;
  installed = log;
  if (!first) return;
  process.on('uncaughtException', (err) => fatal(installed ?? log, `${ident}: fatal: uncaught exception: ${describe(err)}`));
  process.on('unhandledRejection', (reason) => fatal(installed ?? log, `${ident}: fatal: unhandled rejection: ${describe(reason)}`));
}
