// The monitor state machine's interface (spec §5.4–§5.7): the events an I/O shell feeds it and
// the effects it asks the shell to carry out, in order. No I/O here.
//
// Protocol between shell and machine:
// - Call `start()` once, then `handle(event)` for each event. Each call returns effects to carry
//   out in list order.
// - A list ends with at most one *step* effect (`poll`, `wait`, `set-fsd`, `query-numlogins`,
//   `exit`): what the machine waits for next. A new step supersedes a pending one (e.g. a `wait`
//   for the next poll is cancelled by the forced-shutdown steps a `user-fsd` event returns). A list
//   without a step leaves the pending step in force.
// - The answer to `poll` is a `polled` event, to `set-fsd` an `fsd-set` event, to
//   `query-numlogins` a `numlogins` event; when a `wait` elapses the shell sends `timer`.

import type { NotifyType, UpsmonConf } from '../../core/config/upsmon-conf.js';
import type { NotifyDeliveries } from './notify-messages.js';

/** Injectable time source; milliseconds since the epoch, like Date.now(). */
export interface Clock {
  now(): number;
}

// ---- events ----

/** One UPS's answer to a poll: `GET VAR <ups> ups.status` and friends (§5.4 step 2). */
export type PollResult =
  | {
    ok: true;
    /** ups.status as upsd sent it (with its `FSD` prefix); '' counts as a dead UPS (NUT). */
    status: string;
    /** ups.mode.buzzwords, when upsd had it. */
    buzzwords?: string;
    /** experimental.ups.mode.buzzwords, when upsd had it. */
    buzzwordsX?: string;
    /**
     * ups.alarm, fetched by the shell when the status has an ALARM token (needsAlarmQuery);
     * undefined when not fetched or the query failed (NUT then reports "n/a").
     */
    alarm?: string;
  }
  | {
    ok: false;
    /** 'connect': no connection could be made; 'query': the GET VAR failed. */
    stage: 'connect' | 'query';
    /** What the client library said, for the log (e.g. "Data stale", "Connection refused"). */
    error: string;
    /** A stable error code ('UNKNOWN-UPS', 'DATA-STALE', 'ECONNRESET'…): POLLFAIL_LOG_THROTTLE_MAX groups by it. */
    code?: string;
    /** The connection is gone (the shell drops and reconnects next time). */
    connectionLost?: boolean;
  };

export type UpsPollResult = { ups: string } & PollResult;

/** Reply to `FSD <ups>`: the reply line, or a transport error. */
export type FsdResult = { ups: string; reply: string } | { ups: string; error: string };

/** Reply to `GET NUMLOGINS <ups>`: the value word, or an error (then the UPS is not counted). */
export type NumloginsResult = { ups: string; value: string } | { ups: string; error: string };

export type MonitorEvent =
  /** Results of the `poll` step, one per UPS asked for (keyed by MONITOR system name). */
  | { type: 'polled'; results: UpsPollResult[] }
  /** A `wait` step elapsed. */
  | { type: 'timer' }
  | { type: 'fsd-set'; results: FsdResult[] }
  | { type: 'numlogins'; results: NumloginsResult[] }
  /** `upsmon -c fsd` (SIGUSR1): force a shutdown now (§5.2). */
  | { type: 'user-fsd' }
  /** `upsmon -c stop` (SIGTERM). */
  | { type: 'stop' }
  /** `upsmon -c reload` (SIGHUP) with the freshly read, already validated config. */
  | { type: 'reload'; conf: UpsmonConf }
  /** The process that runs SHUTDOWNCMD is gone (NUT's parent check, §5.1 step 3). */
  | { type: 'parent-gone' }
  /**
   * A LOCALMONITOR's driver pushed a change (status, staleness, connection): poll now rather
   * than at the next POLLFREQ (issue 14: event-driven). Cuts a sleep short; during a poll it
   * asks for another cycle right after this one. Ignored while shutting down.
   */
  | { type: 'ups-changed' }
  /** The OS announced sleep / wake (systemd PrepareForSleep), when the shell can tell. */
  | { type: 'os-sleep' }
  | { type: 'os-wake' };

// ---- effects ----

export interface Notification {
  type: NotifyType;
  /** The MONITOR system name (NOTIFYCMD's UPSNAME); null for host events (SHUTDOWN, NOPARENT…). */
  ups: string | null;
  /** The expanded NOTIFYMSG template (or NUT's stock message). */
  message: string;
  /** The 2nd `%s` of ALARM/OTHER (ups.alarm, the unknown status tokens), the jump of TIMEJUMP. */
  extra?: string;
  /** From NOTIFYFLAG: which deliveries to perform (all false with IGNORE). */
  deliver: NotifyDeliveries;
}

export type LogLevel = 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

export type MonitorEffect =
  | ({ kind: 'notify' } & Notification)
  | { kind: 'log'; level: LogLevel; message: string }
  /** A broadcast outside the NOTIFYFLAG scheme (NUT's doshutdown walls unconditionally). */
  | { kind: 'wall'; message: string }
  /** Close and reopen the connection to this UPS (reload redefined it as primary, wake-up). */
  | { kind: 'reconnect'; ups: string }
  /**
   * The monitor applies a reloaded configuration now (at its loop top): connections follow it
   * from here, before the poll of the new list, never earlier (a poll in flight uses the old ones).
   */
  | { kind: 'reloaded'; conf: UpsmonConf }
  /** Run SHUTDOWNCMD (in hardnut: ask the dispatcher; NUT: write 0x01 to the root parent). */
  | { kind: 'shutdown' }
  // steps:
  /** Poll each UPS in this order; answer with `polled`. */
  | { kind: 'poll'; ups: string[] }
  /** Send `timer` after `ms` milliseconds. `reason` says which loop is sleeping. */
  | { kind: 'wait'; ms: number; reason: WaitReason }
  /** Send `FSD <upsname>` for each (primary) UPS; answer with `fsd-set`. */
  | { kind: 'set-fsd'; ups: string[] }
  /** `GET NUMLOGINS <upsname>` for each; answer with `numlogins`. */
  | { kind: 'query-numlogins'; ups: string[] }
  /** Close every connection and exit with this code. */
  | { kind: 'exit'; code: number };

export type WaitReason = 'pollfreq' | 'pollfreqalert' | 'hostsync' | 'finaldelay' | 'shutdownexit';

export type StepEffect = Extract<MonitorEffect, { kind: 'poll' | 'wait' | 'set-fsd' | 'query-numlogins' | 'exit' }>;

export const STEP_KINDS: ReadonlySet<MonitorEffect['kind']> = new Set(['poll', 'wait', 'set-fsd', 'query-numlogins', 'exit']);

/** Where the machine is; for the shell's logs and for tests. */
export type MonitorPhase =
  | 'new' // start() not called yet
  | 'polling' // waiting for `polled`
  | 'sleeping' // waiting for `timer` before the next poll
  | 'suspended' // OS asleep (os-sleep seen), waiting for os-wake
  | 'setting-fsd' // forced shutdown: waiting for `fsd-set`
  | 'hostsync' // primary: waiting for secondaries to log out (numlogins / 250 ms timer)
  | 'final-delay' // SHUTDOWN notified, waiting FINALDELAY
  | 'lingering' // SHUTDOWNCMD requested, SHUTDOWNEXIT keeps the process alive
  | 'exited';
