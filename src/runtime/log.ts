// Logging for daemons and tools: stderr in the foreground, syslog once a daemon is in the
// background (as NUT does). Never log a password: callers pass names, not credentials.
import { openSyslog, syslog } from '../sandbox/libc.js';

export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;
export const LOG_DEBUG = 7;

export class Logger {
  private toSyslog = false;
  debugLevel = 0;
  /** NUT stamps foreground lines with the seconds since start once -D is given. */
  private readonly started = process.hrtime.bigint();
  constructor(readonly ident: string) {}

  /** Switches to syslog (a backgrounded daemon has no terminal). */
  useSyslog(): void {
    openSyslog(this.ident);
    this.toSyslog = true;
  }

  private write(priority: number, message: string): void {
    if (this.toSyslog) syslog(priority, message);
    else process.stderr.write(this.debugLevel > 0 ? `${this.stamp()}\t${message}\n` : `${message}\n`);
  }

  /** NUT's `%4.0f.%06ld` elapsed-time prefix (common.c, vupslog). */
  private stamp(): string {
    const us = (process.hrtime.bigint() - this.started) / 1000n;
    return `${String(us / 1_000_000n).padStart(4, ' ')}.${String(us % 1_000_000n).padStart(6, '0')}`;
  }

  error(message: string): void { this.write(LOG_ERR, message); }
  warn(message: string): void { this.write(LOG_WARNING, message); }
  notice(message: string): void { this.write(LOG_NOTICE, message); }
  info(message: string): void { this.write(LOG_INFO, message); }

  /** Like upsdebugx: printed when -D was given at least `level` times. */
  debug(level: number, message: string): void {
    if (this.debugLevel >= level) this.write(LOG_DEBUG, `[D${String(level)}] ${message}`);
  }
}
