// What upsmon knows about one monitored UPS, and how a poll changes it (spec §5.5): NUT's
// parse_status, ups_is_alive and ups_is_gone with their notifications. Pure; time is whole
// seconds (NUT compares time_t values), given by the caller.

import type { MonitorEntry, NotifyType, UpsmonConf } from '../../core/config/upsmon-conf.js';
import type { LogLevel, PollResult } from '../shared/types.js';

/** The status flags upsmon tracks (NUT's ST_* bits minus connection bookkeeping). */
export interface StatusFlags {
  online: boolean;
  onbatt: boolean;
  lowbatt: boolean;
  fsd: boolean;
  cal: boolean;
  off: boolean;
  bypass: boolean;
  eco: boolean;
  alarm: boolean;
  over: boolean;
  trim: boolean;
  boost: boolean;
}

/** -1 = never seen (startup), 0 = lost / not on line, 1 = established / on line. */
export type Tristate = -1 | 0 | 1;

export interface UpsState {
  readonly system: string;
  upsName: string;
  role: 'primary' | 'secondary';
  powerValue: number;
  flags: StatusFlags;
  /** Communications: COMMOK/COMMBAD fire only on 0→1 / ≠0→0, so the first connect is silent. */
  commstate: Tristate;
  /** Line: ONLINE fires only when this is not -1, so the first OL at startup is silent. */
  linestate: Tristate;
  /** Last successful poll (seconds; 0 = never — NUT starts from the epoch). */
  lastPoll: number;
  /** Last poll where the UPS was not OB+LB (or was CAL): the secondary's HOSTSYNC grace. */
  lastNonCrit: number;
  lastRbWarn: number;
  lastNcWarn: number;
  /** FSD already notified; cleared when the status no longer contains FSD. */
  fsdNotified: boolean;
  offSince: number;
  /** 1 once OFF has lasted OFFDURATION (or at once with OFFDURATION 0). */
  offState: Tristate;
  /** When OB+LB was first seen under OBLBDURATION (0 = not waiting). */
  oblbSince: number;
  overSince: number;
  overState: Tristate;
  bypassState: Tristate;
  alarmState: Tristate;
  ecoState: Tristate;
  /** Unclassified status tokens seen on the last poll, by lower-case key (NUT's tree is case-insensitive). */
  otherTokens: Set<string>;
  /** ups.alarm text last notified. */
  alarmsPrev: string;
  /** POLLFAIL_LOG_THROTTLE_MAX bookkeeping: current failure code ('' = none) and loop counter. */
  pollFailCode: string;
  pollFailCount: number;
}

export function newUpsState(m: MonitorEntry): UpsState {
  return {
    system: m.system,
    upsName: m.upsName,
    role: m.role,
    powerValue: m.powerValue,
    flags: clearFlags(),
    commstate: -1,
    linestate: -1,
    lastPoll: 0,
    lastNonCrit: 0,
    lastRbWarn: 0,
    lastNcWarn: 0,
    fsdNotified: false,
    offSince: 0,
    offState: -1,
    oblbSince: 0,
    overSince: 0,
    overState: -1,
    bypassState: -1,
    alarmState: -1,
    ecoState: -1,
    otherTokens: new Set(),
    alarmsPrev: '',
    pollFailCode: '',
    pollFailCount: -1,
  };
}

export function clearFlags(): StatusFlags {
  return {
    online: false, onbatt: false, lowbatt: false, fsd: false, cal: false, off: false,
    bypass: false, eco: false, alarm: false, over: false, trim: false, boost: false,
  };
}

/** The settings parse/critical code reads, plus the sinks it reports to. */
export interface UpsContext {
  readonly conf: Pick<UpsmonConf, 'deadTime' | 'hostSync' | 'rbWarnTime' | 'noCommWarnTime' | 'offDuration'
    | 'overDuration' | 'oblbDuration' | 'alarmCritical' | 'pollFailLogThrottleMax' | 'pollFreqAlert'>;
  /** Now, in whole seconds. */
  readonly now: number;
  notify(ups: UpsState, type: NotifyType, extra?: string): void;
  log(level: LogLevel, message: string): void;
}

/** Whether the shell should fetch ups.alarm with this poll: the status has an ALARM token. */
export function needsAlarmQuery(status: string): boolean {
  return status.split(' ').some((t) => t.toUpperCase() === 'ALARM');
}

/** Buzzword fragments that mean an ECO-like mode (vendor:eaton:HE, vendor:x:ECO-inverter-on…). */
const ECO_BUZZWORDS = [':ECO', ':ESS', ':HE', ':SMART'];

/**
 * hardnut difference: NUT 2.8.x tests `!strstr(b, ":ECO") || !strstr(b, ":ESS") || …`, which is
 * true for almost any non-empty buzzwords value (§5.5 ⚠), so e.g. "vendor:voltronic:freq-converter-on"
 * notifies ECO. hardnut applies the evident intent: one of the ECO fragments must be present.
 */
export function isEcoBuzzword(value: string | undefined): boolean {
  return value !== undefined && value !== '' && ECO_BUZZWORDS.some((w) => value.includes(w));
}

/** ups_is_alive: a poll succeeded. COMMOK only on a 0→1 change (not on the first connect). */
export function upsIsAlive(ups: UpsState, ctx: UpsContext): void {
  ups.lastPoll = ctx.now;
  if (ups.commstate === 1) return;
  if (ups.commstate === 0) ctx.notify(ups, 'COMMOK');
  ups.commstate = 1;
}

/**
 * ups_is_gone: a poll failed. The first failure notifies COMMBAD; once NOCOMMWARNTIME has passed
 * since the last good poll, NOCOMM repeats every NOCOMMWARNTIME (§5.8).
 */
export function upsIsGone(ups: UpsState, ctx: UpsContext): void {
  if (ups.commstate !== 0) {
    ups.commstate = 0;
    ctx.notify(ups, 'COMMBAD');
    return;
  }
  const { now } = ctx;
  if (now - ups.lastPoll < ctx.conf.noCommWarnTime) return;
  if (now - ups.lastNcWarn > ctx.conf.noCommWarnTime) {
    ctx.notify(ups, 'NOCOMM');
    ups.lastNcWarn = now;
  }
}

/** Handles one poll result: failures with POLLFAIL_LOG_THROTTLE_MAX logging, successes parsed. */
export function applyPollResult(ups: UpsState, result: PollResult, ctx: UpsContext): void {
  if (result.ok) {
    const max = ctx.conf.pollFailLogThrottleMax;
    if (max >= 0 && ups.pollFailCode !== '') {
      ctx.log('err', `Poll UPS [${ups.system}] recovered from failure state ${ups.pollFailCode}`);
    }
    ups.pollFailCode = '';
    ups.pollFailCount = -1;
    parseStatus(ups, result, ctx);
    return;
  }
  if (result.stage === 'connect') {
    // NUT logs every failed connect (no throttling) and counts it as a failed poll.
    ctx.log('err', `UPS [${ups.system}]: connect failed: ${result.error}`);
    upsIsGone(ups, ctx);
    return;
  }
  const code = result.code ?? result.error;
  const text = code === 'UNKNOWN-UPS'
    ? `Poll UPS [${ups.system}] failed - [${ups.upsName}] does not exist on the server`
    : `Poll UPS [${ups.system}] failed - ${result.error}`;
  ctx.log(pollFailShouldLog(ups, code, ctx) ? 'err' : 'debug', text);
  upsIsGone(ups, ctx);
  if (result.connectionLost) {
    // NUT's drop_connection forgets the throttling state with the connection.
    ups.pollFailCode = '';
    ups.pollFailCount = -1;
  }
}

/** POLLFAIL_LOG_THROTTLE_MAX (§4.4): -1 log every loop; 0 only changes; N every N loops. */
function pollFailShouldLog(ups: UpsState, code: string, ctx: UpsContext): boolean {
  const max = ctx.conf.pollFailLogThrottleMax;
  if (max < 0) return true;
  if (ups.pollFailCode === code) {
    if (max === 0) return false;
    if (ups.pollFailCount++ >= max - 1) {
      ups.pollFailCount = 0;
      return true;
    }
    return false;
  }
  ctx.log('err', max === 0
    ? `Poll UPS [${ups.system}] failure state changed to ${code}; not repeated in the log until it changes`
    : `Poll UPS [${ups.system}] failure state changed to ${code}; repeated in the log every ${String(max)} polls`);
  ups.pollFailCode = code;
  ups.pollFailCount = 0;
  return true;
}

/**
 * parse_status (§5.5). Flags are cleared by *substring* tests on the raw status (case-sensitive,
 * like strstr), then each space-separated token is handled case-insensitively, in order.
 */
export function parseStatus(ups: UpsState, r: Extract<PollResult, { ok: true }>, ctx: UpsContext): void {
  const status = r.status;
  if (status === '') {
    upsIsGone(ups, ctx);
    return;
  }
  upsIsAlive(ups, ctx);

  const f = ups.flags;
  if (!status.includes('LB')) f.lowbatt = false;
  if (!status.includes('FSD')) {
    f.fsd = false;
    ups.fsdNotified = false;
  }
  if (!status.includes('CAL')) notCal(ups, ctx);
  if (!status.includes('OFF')) notOff(ups, ctx);
  if (!status.includes('BYPASS')) notBypass(ups, ctx);
  if (!status.includes('ALARM')) notAlarm(ups, ctx);
  if (!status.includes('OVER')) notOver(ups, ctx);
  if (!status.includes('TRIM')) notTrim(ups, ctx);
  if (!status.includes('BOOST')) notBoost(ups, ctx);

  const ecoBuzz = isEcoBuzzword(r.buzzwords) || isEcoBuzzword(r.buzzwordsX);
  if (!status.includes('ECO') && !ecoBuzz) notEco(ups, ctx);
  else if (ecoBuzz) isEco(ups, ctx);

  const others: string[] = [];
  const seen = new Set<string>();
  let changed = 0;
  // hardnut difference: NUT splits at every single space, so a doubled or trailing space makes an
  // empty "token" that it reports as OTHER/NOTOTHER; empty tokens are skipped here.
  for (const word of status.split(' ')) {
    if (word === '') continue;
    switch (word.toUpperCase()) {
      case 'OL': onLine(ups, ctx); break;
      case 'OB': onBatt(ups, ctx); break;
      case 'LB': lowBatt(ups, ctx); break;
      case 'RB': replBatt(ups, ctx); break;
      case 'CAL': isCal(ups, ctx); break;
      case 'OFF': isOff(ups, ctx); break;
      case 'BYPASS': isBypass(ups, ctx); break;
      case 'ECO': isEco(ups, ctx); break;
      case 'ALARM': isAlarm(ups, r.alarm, ctx); break;
      case 'OVER': isOver(ups, ctx); break;
      case 'TRIM': isTrim(ups, ctx); break;
      case 'BOOST': isBoost(ups, ctx); break;
      case 'FSD': isFsd(ups, ctx); break;
      case 'HB': case 'CHRG': case 'DISCHRG': break; // known, no reaction (NUT)
      default: {
        others.push(word);
        const key = word.toLowerCase();
        seen.add(key);
        if (!ups.otherTokens.has(key)) {
          ups.otherTokens.add(key);
          changed++;
        }
      }
    }
    updateCritTimer(ups, ctx.now);
  }
  for (const key of [...ups.otherTokens]) {
    if (!seen.has(key)) {
      ups.otherTokens.delete(key);
      changed++;
    }
  }
  if (changed > 0) {
    if (others.length > 0) ctx.notify(ups, 'OTHER', others.join(' '));
    else ctx.notify(ups, 'NOTOTHER');
  }
}

/** update_crittimer: while not (OB ∧ LB ∧ ¬CAL) the secondary's HOSTSYNC clock restarts. */
function updateCritTimer(ups: UpsState, now: number): void {
  const f = ups.flags;
  if (!f.onbatt || !f.lowbatt || f.cal) ups.lastNonCrit = now;
}

function onLine(ups: UpsState, ctx: UpsContext): void {
  const f = ups.flags;
  if (f.online) return;
  // The first OL after startup is silent (linestate -1).
  if (ups.linestate !== -1) ctx.notify(ups, 'ONLINE');
  ups.linestate = 1;
  f.online = true;
  f.onbatt = false;
}

function onBatt(ups: UpsState, ctx: UpsContext): void {
  const f = ups.flags;
  if (f.onbatt) return;
  ups.linestate = 0;
  ctx.notify(ups, 'ONBATT');
  f.onbatt = true;
  f.online = false;
}

function lowBatt(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.lowbatt) return;
  ctx.notify(ups, 'LOWBATT');
  ups.flags.lowbatt = true;
}

function replBatt(ups: UpsState, ctx: UpsContext): void {
  if (ctx.now - ups.lastRbWarn > ctx.conf.rbWarnTime) {
    ctx.notify(ups, 'REPLBATT');
    ups.lastRbWarn = ctx.now;
  }
}

function isCal(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.cal) return;
  ctx.notify(ups, 'CAL');
  ups.flags.cal = true;
}

function notCal(ups: UpsState, ctx: UpsContext): void {
  if (!ups.flags.cal) return;
  ctx.notify(ups, 'NOTCAL');
  ups.flags.cal = false;
}

function isOff(ups: UpsState, ctx: UpsContext): void {
  const { now } = ctx;
  const d = ctx.conf.offDuration;
  if (ups.flags.off) {
    if (ups.offSince < 1) {
      ups.offSince = now;
    } else if (d > 0 && now - ups.offSince > d) {
      if (ups.offState !== 1) {
        ctx.log('warning', `UPS [${ups.system}] has been OFF for ${String(now - ups.offSince)} s: assuming its load is not fed (OFFDURATION ${String(d)})`);
      }
      ups.offState = 1;
    }
    return;
  }
  ups.offSince = now;
  if (d === 0) {
    ctx.log('warning', `UPS [${ups.system}] is OFF: assuming its load is not fed (OFFDURATION 0)`);
    ups.offState = 1;
  }
  ctx.notify(ups, 'OFF');
  ups.flags.off = true;
}

function notOff(ups: UpsState, ctx: UpsContext): void {
  ups.offSince = 0;
  ups.offState = 0;
  if (!ups.flags.off) return;
  ctx.notify(ups, 'NOTOFF');
  ups.flags.off = false;
}

function isBypass(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.bypass) return;
  ups.bypassState = 1;
  ctx.notify(ups, 'BYPASS');
  ups.flags.bypass = true;
}

function notBypass(ups: UpsState, ctx: UpsContext): void {
  ups.bypassState = 0;
  if (!ups.flags.bypass) return;
  ctx.notify(ups, 'NOTBYPASS');
  ups.flags.bypass = false;
}

function isEco(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.eco) return;
  ups.ecoState = 1;
  ctx.notify(ups, 'ECO');
  ups.flags.eco = true;
}

function notEco(ups: UpsState, ctx: UpsContext): void {
  ups.ecoState = 0;
  if (!ups.flags.eco) return;
  ctx.notify(ups, 'NOTECO');
  ups.flags.eco = false;
}

/**
 * ALARM carries ups.alarm as its 2nd `%s` and is notified again when that text changes.
 * hardnut difference: NUT keeps the last text in one static buffer shared by every UPS, so two
 * UPSes in ALARM re-notify each other's text every poll; here it is kept per UPS.
 */
function isAlarm(ups: UpsState, value: string | undefined, ctx: UpsContext): void {
  if (ups.flags.alarm) {
    if (value !== undefined && value !== ups.alarmsPrev) {
      ups.alarmsPrev = value;
      ctx.notify(ups, 'ALARM', value);
    }
    return;
  }
  ups.alarmState = 1;
  if (value !== undefined) {
    ctx.notify(ups, 'ALARM', value);
    ups.alarmsPrev = value;
  } else {
    ctx.notify(ups, 'ALARM', 'n/a');
    ups.alarmsPrev = '';
  }
  ups.flags.alarm = true;
}

function notAlarm(ups: UpsState, ctx: UpsContext): void {
  ups.alarmState = 0;
  if (!ups.flags.alarm) return;
  ctx.notify(ups, 'NOTALARM');
  ups.flags.alarm = false;
}

function isOver(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.over) {
    if (ups.overSince < 1) ups.overSince = ctx.now;
    return;
  }
  ups.overSince = ctx.now;
  ups.overState = 1;
  ctx.notify(ups, 'OVER');
  ups.flags.over = true;
}

function notOver(ups: UpsState, ctx: UpsContext): void {
  ups.overSince = 0;
  ups.overState = 0;
  if (!ups.flags.over) return;
  ctx.notify(ups, 'NOTOVER');
  ups.flags.over = false;
}

function isTrim(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.trim) return;
  ctx.notify(ups, 'TRIM');
  ups.flags.trim = true;
}

function notTrim(ups: UpsState, ctx: UpsContext): void {
  if (!ups.flags.trim) return;
  ctx.notify(ups, 'NOTTRIM');
  ups.flags.trim = false;
}

function isBoost(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.boost) return;
  ctx.notify(ups, 'BOOST');
  ups.flags.boost = true;
}

function notBoost(ups: UpsState, ctx: UpsContext): void {
  if (!ups.flags.boost) return;
  ctx.notify(ups, 'NOTBOOST');
  ups.flags.boost = false;
}

/** FSD: notified once until the status loses FSD (the primary's own FSD-set may have notified). */
function isFsd(ups: UpsState, ctx: UpsContext): void {
  if (ups.flags.fsd) return;
  if (!ups.fsdNotified) {
    ups.fsdNotified = true;
    ctx.notify(ups, 'FSD');
  }
  ups.flags.fsd = true;
}
