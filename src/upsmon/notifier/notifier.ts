// Delivers upsmon notifications (§5.8): SYSLOG, WALL and EXEC, each NOTIFYCMD run as the argv
// upsmon-conf built (a shell line as /bin/sh -c '… "$1"', command-line.ts) with the message as its last argument and UPSNAME, NOTIFYTYPE and
// NOTIFYMSG in a small fixed environment. A flood of notifications cannot turn into a flood of
// processes: at most MAX_NOTIFY_CHILDREN run at once, the rest are dropped and counted.
// Under the split upsmon this runs in the notifier process (notify-process.ts), never in the
// dispatcher: a NOTIFYCMD may need the network the dispatcher must not have (issue 20 item 6).

import { spawn } from 'node:child_process';
import type { Logger } from '../../runtime/log.js';
import { SHUTDOWN_WALL_MESSAGE, type Notification } from '../shared/notify-messages.js';

/** Notification commands (and wall) running at once; more are dropped with a log line. */
export const MAX_NOTIFY_CHILDREN = 16;
/** A NOTIFYCMD still running after this long is killed: notifications must not pile up. */
export const NOTIFY_CMD_TIMEOUT_MS = 60_000;
export const WALL_PATH = '/usr/bin/wall';
/** The environment a NOTIFYCMD sees: nothing inherited from upsmon (hardnut hardening). */
export const NOTIFY_BASE_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/', LC_ALL: 'C' };

export interface NotifierOptions {
  notifyCmds: string[][];
  log: Logger;
  wallPath?: string;
}

export class Notifier {
  private running = 0;
  private dropped = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: NotifierOptions) {}

  /** Children running now (tests, and the flood bound). */
  get inFlight(): number {
    return this.running;
  }

  /** Resolves once no notification command runs (at once if none does). */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  /** deliver(), after NUT's doshutdown wall, which comes right before SHUTDOWN whatever NOTIFYFLAG says. */
  announce(n: Notification): void {
    if (n.type === 'SHUTDOWN') this.deliver({ type: 'SHUTDOWN', ups: '', message: SHUTDOWN_WALL_MESSAGE.trimEnd(), deliver: { syslog: false, wall: true, exec: false } });
    this.deliver(n);
  }

  deliver(n: Notification): void {
    if (n.deliver.syslog) this.opts.log.notice(n.message);
    if (n.deliver.wall) this.run([this.opts.wallPath ?? WALL_PATH], n, n.message);
    if (n.deliver.exec) for (const argv of this.opts.notifyCmds) this.run([...argv, n.message], n);
  }

  private run(argv: string[], n: Notification, stdin?: string): void {
    if (this.running >= MAX_NOTIFY_CHILDREN) {
      if (this.dropped++ % 100 === 0) this.opts.log.warn(`notification ${n.type}: ${MAX_NOTIFY_CHILDREN} notification commands already running; dropped (${this.dropped} so far)`);
      return;
    }
    const [cmd, ...args] = argv as [string, ...string[]];
    let child;
    try {
      child = spawn(cmd, args, {
        env: { ...NOTIFY_BASE_ENV, UPSNAME: n.ups, NOTIFYTYPE: n.type, NOTIFYMSG: n.message },
        stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
        cwd: '/',
      });
    } catch (err) {
      this.opts.log.error(`cannot run ${cmd}: ${(err as Error).message}`);
      return;
    }
    this.running++;
    const timer = setTimeout(() => child.kill('SIGKILL'), NOTIFY_CMD_TIMEOUT_MS);
    timer.unref();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.running--;
      if (this.running === 0) for (const w of this.waiters.splice(0)) w();
    };
    child.on('error', (err) => { this.opts.log.error(`cannot run ${cmd}: ${err.message}`); finish(); });
    child.on('exit', finish);
    if (stdin !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(`${stdin}\n`);
    }
  }
}
