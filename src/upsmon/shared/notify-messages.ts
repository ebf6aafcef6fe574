// upsmon notifications (spec §5.8): NUT's stock message for each type, how a NOTIFYMSG template
// is expanded, and which deliveries (SYSLOG, WALL, EXEC) a NOTIFYFLAG setting asks for. Pure.
//
// The stock messages are NUT's user interface (people match on them in scripts and mail filters),
// so they are reproduced exactly, including the types added after 2.8.0 (OFF…, SHUTDOWN_HOSTSYNC,
// SUSPEND_*).

import type { NotifyFlag, NotifyType, UpsmonConf } from '../../core/config/upsmon-conf.js';
import type { Rule } from '../../protocol/rules/index.js';

/** NUT's direct broadcast in doshutdown, independent of NOTIFYFLAG (the monitor and the dispatcher both send it). */
export const SHUTDOWN_WALL_MESSAGE = 'Executing automatic power-fail shutdown\n';

/** NUT's stock message per type; `%s` is the UPS (MONITOR system name), ALARM/OTHER add a 2nd. */
export const DEFAULT_NOTIFY_MESSAGES: Readonly<Record<NotifyType, string>> = {
  ONLINE: 'UPS %s on line power',
  ONBATT: 'UPS %s on battery',
  LOWBATT: 'UPS %s battery is low',
  FSD: 'UPS %s: forced shutdown in progress',
  COMMOK: 'Communications with UPS %s established',
  COMMBAD: 'Communications with UPS %s lost',
  SHUTDOWN: 'Auto logout and shutdown proceeding',
  SHUTDOWN_HOSTSYNC: 'Shutdown initiated; primary system is waiting for secondaries to log out or time out',
  REPLBATT: 'UPS %s battery needs to be replaced',
  NOCOMM: 'UPS %s is unavailable',
  NOPARENT: 'upsmon parent process died - shutdown impossible',
  CAL: 'UPS %s: calibration in progress',
  NOTCAL: 'UPS %s: calibration finished',
  OFF: 'UPS %s: administratively OFF or asleep',
  NOTOFF: 'UPS %s: no longer administratively OFF or asleep',
  BYPASS: 'UPS %s: on bypass (powered, not protecting)',
  NOTBYPASS: 'UPS %s: no longer on bypass',
  ECO: 'UPS %s: in ECO mode (as defined by vendor)',
  NOTECO: 'UPS %s: no longer in ECO mode',
  ALARM: 'UPS %s: one or more active alarms: [%s]',
  NOTALARM: 'UPS %s is no longer in an alarm state (no active alarms)',
  OVER: 'UPS %s: overloaded',
  NOTOVER: 'UPS %s: no longer overloaded',
  TRIM: 'UPS %s: trimming incoming voltage',
  NOTTRIM: 'UPS %s: no longer trimming incoming voltage',
  BOOST: 'UPS %s: boosting incoming voltage',
  NOTBOOST: 'UPS %s: no longer boosting incoming voltage',
  OTHER: 'UPS %s: has at least one unclassified status token: [%s]',
  NOTOTHER: 'UPS %s has no unclassified status tokens anymore',
  SUSPEND_TIMEJUMP_UNEXPECTED: 'Unexpected clock change by %s, treating as wake up from sleep',
  SUSPEND_STARTING: 'OS is entering sleep/suspend/hibernate mode',
  SUSPEND_FINISHED: 'OS just finished sleep/suspend/hibernate mode, de-activating obsolete UPS readings to avoid an unfortunate shutdown',
};

/**
 * Types that are about this host, not one UPS: NUT passes no UPS name (UPSNAME is empty).
 * SUSPEND_TIMEJUMP_UNEXPECTED's `%s` is the size of the jump (see formatNotifyMessage).
 */
export const SYSTEM_NOTIFY_TYPES: ReadonlySet<NotifyType> = new Set<NotifyType>([
  'SHUTDOWN', 'SHUTDOWN_HOSTSYNC', 'NOPARENT', 'SUSPEND_TIMEJUMP_UNEXPECTED', 'SUSPEND_STARTING', 'SUSPEND_FINISHED',
]);

/** NUT formats into a SMALLBUF (512 bytes): longer messages are cut to 511 characters. */
export const MAX_NOTIFY_MESSAGE_LEN = 511;

/** The template in force for a type: the NOTIFYMSG override, else the stock message. */
export function notifyTemplate(conf: Pick<UpsmonConf, 'notifyMessages'>, type: NotifyType): string {
  return conf.notifyMessages[type] ?? DEFAULT_NOTIFY_MESSAGES[type];
}

/**
 * Expands a template (already checked by checkNotifyTemplate: only `%s` and `%%`) the way NUT's
 * do_notify does: the first `%s` is the UPS (empty for system types), a second one is `extra`.
 * A template without any `%s` is printed as written — NUT copies it with "%s", so a `%%` in it
 * stays `%%`; with a `%s` it goes through printf and `%%` becomes `%`.
 *
 * hardnut difference: for SUSPEND_TIMEJUMP_UNEXPECTED NUT passes the (empty) UPS name to the one
 * `%s`, so its message reads "Unexpected clock change by , treating…"; hardnut fills in the jump.
 */
export function formatNotifyMessage(template: string, type: NotifyType, ups: string | null, extra?: string): string {
  const args = type === 'SUSPEND_TIMEJUMP_UNEXPECTED' ? [extra ?? ''] : [ups ?? '', extra ?? '(null)'];
  let placeholders = 0;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    const next = template[i + 1];
    if (c === '%' && next === '%') { out += '%'; i++; continue; }
    if (c === '%' && next === 's') { out += args[placeholders] ?? ''; placeholders++; i++; continue; }
    out += c;
  }
  const message = placeholders === 0 ? template : out;
  return message.length > MAX_NOTIFY_MESSAGE_LEN ? message.slice(0, MAX_NOTIFY_MESSAGE_LEN) : message;
}

/** What a notification does: each true member is one delivery. */
export interface NotifyDeliveries {
  /** Logged by the monitor (NUT: LOG_NOTICE). */
  syslog: boolean;
  /** Sent to logged-in users with wall(1). */
  wall: boolean;
  /** NOTIFYCMD runs with the message as its last argument, UPSNAME and NOTIFYTYPE in its env. */
  exec: boolean;
}

/** NOTIFYFLAG semantics (§4.4): IGNORE anywhere in the set suppresses every delivery. */
export function notifyDeliveries(flags: readonly NotifyFlag[]): NotifyDeliveries {
  if (flags.includes('IGNORE')) return { syslog: false, wall: false, exec: false };
  return { syslog: flags.includes('SYSLOG'), wall: flags.includes('WALL'), exec: flags.includes('EXEC') };
}

/** One notification as delivered (SYSLOG, WALL, EXEC). */
export interface Notification {
  /** NUT's type, or RULE for a rule of upsrules.conf (issue 16; not in NUT). */
  type: NotifyType | 'RULE';
  /** The MONITOR system name (ups@host[:port]), or '' for host events (SHUTDOWN, NOPARENT…). */
  ups: string;
  message: string;
  deliver: NotifyDeliveries;
}

/** What ALARM/OTHER messages show where NUT shows the alarm text or the unknown tokens. */
export const NO_NETWORK_TEXT = 'n/a';

/**
 * A notification from its type and UPS alone, with the message and flags of `conf`: the
 * dispatcher and the notifier each build it from their own copy of upsmon.conf, so nothing but
 * the type and the name ever crosses a process boundary. The second %s of ALARM/OTHER is text
 * from upsd; neither process sees network data, so it says "n/a", NUT's own word for a missing
 * alarm text (hardnut difference, by design).
 */
export function notificationOf(conf: Pick<UpsmonConf, 'notifyMessages' | 'notifyFlags'>, type: NotifyType, ups: string): Notification {
  const message = formatNotifyMessage(notifyTemplate(conf, type), type, ups === '' ? null : ups, NO_NETWORK_TEXT);
  return { type, ups, message, deliver: notifyDeliveries(conf.notifyFlags[type]) };
}

/**
 * A rule's `notify`: NOTIFYCMD (and syslog) with NOTIFYTYPE=RULE, UPSNAME the rule's UPS (or
 * empty), and a message naming the rule. Not gated by NOTIFYFLAG: writing `DO notify` is the ask.
 */
export function ruleNotification(rule: Rule, event: 'fire' | 'clear', message: string | undefined): Notification {
  return {
    type: 'RULE', ups: rule.ups ?? '',
    message: `rule ${rule.name} ${event === 'fire' ? 'fired' : 'cleared'}${message !== undefined ? `: ${message}` : ''}`,
    deliver: { syslog: true, wall: false, exec: true },
  };
}
