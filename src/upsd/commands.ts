// upsd's command dispatcher (spec §2.2, §2.3): the words of one request line in, the reply text
// out, with NUT's reply strings, error codes and check order. Sans I/O: the driver sockets, the
// clock and the list of connections come in through CommandContext.
//
// Every multi-line reply is built as one string, so the server sends it with one write.

import type { NetErrorCode } from '../protocol/net/errors.js';
import { encodeClientMessage } from '../protocol/sock/encode.js';
import { atoi } from '../protocol/sock/parse.js';
import {
  HELP_TEXT, NET_PROTOCOL_VERSION, NUT_COMPAT_VERSION, encodedDesc, errLine, listReply,
  replyLine, serverInfo, storedValue, typeLine,
} from '../protocol/net/server-replies.js';
import type { StateVar } from '../core/state-tree.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { Descriptions } from './descriptions.js';
import type { Session } from './session.js';
import type { TrackingTable } from './tracking.js';
import { UpsEntry, type UpsRegistry } from './ups-registry.js';
import type { CheckResult, UserDb } from './users.js';
import { MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USER } from './auth-throttle.js';

export interface CommandLog {
  /** Messages above this level are not built at all (the request path is hot). */
  readonly debugLevel: number;
  info(message: string): void;
  notice(message: string): void;
  debug(level: number, message: string): void;
}

export interface CommandContext {
  readonly registry: UpsRegistry;
  readonly users: UserDb;
  readonly tracking: TrackingTable;
  readonly descriptions: Descriptions;
  readonly throttle: AuthThrottle;
  /** A usable certificate is loaded: STARTTLS can proceed. */
  readonly tlsReady: boolean;
  readonly hardnutVersion: string;
  readonly log: CommandLog;
  now(): number;
  /** Every open connection, newest first (NUT's client list order, for LIST CLIENT). */
  sessions(): Iterable<Session>;
  /** Writes one line to the UPS's driver; false if it could not be written (§2.3). */
  sendToDriver(ups: UpsEntry, line: string): boolean;
  newTrackingId(): string;
}

export interface Reply {
  text: string;
  /**
   * After sending: 'logout' closes the connection once the rest of the current read is handled
   * (NUT closes on its next loop, §2.1); 'starttls' begins the TLS handshake at once.
   */
  then?: 'logout' | 'starttls';
  /**
   * The rest of a long LIST, produced as the client reads: each call returns the next lines, null
   * once the END LIST line has been returned. The connection asks for more only while its
   * unwritten output is below its bound, so a huge UPS costs a slow reader no more memory than a
   * small one (issue #19: LIST VAR of a million variables exhausted the heap).
   */
  more?: () => string | null;
}

/** LIST items built in one go; a longer list is sent in chunks of this many as the client reads. */
export const LIST_CHUNK_ITEMS = 256;

/**
 * `BEGIN LIST`, items, `END LIST` where items() is sorted by sortKey (lowercase name) and may
 * change between chunks (the driver keeps updating): each chunk resumes after the last key sent,
 * in the list as it is then, so a slow reader keeps no old copy of the state alive. An item added
 * meanwhile before the cursor is not sent, one deleted is not sent: NUT's whole-list snapshot
 * differs only for changes made while the client was not reading.
 */
function streamedList<T>(query: string, items: () => readonly T[], sortKey: (t: T) => string, lineOf: (t: T) => string): Reply {
  const first = items();
  if (first.length <= LIST_CHUNK_ITEMS) return text(listReply(query, first.map(lineOf)));
  let head = `${replyLine(`BEGIN LIST ${query}\n`)}`;
  let lastKey: string | null = null;
  let ended = false;
  const chunk = (list: readonly T[]): string => {
    let i = 0;
    if (lastKey !== null) {
      // first item whose key sorts after lastKey (binary search; keys are unique)
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sortKey(list[mid] as T) <= lastKey) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const end = Math.min(list.length, i + LIST_CHUNK_ITEMS);
    let out = head;
    head = '';
    for (let j = i; j < end; j++) out += replyLine(`${lineOf(list[j] as T)}\n`);
    if (end > i) lastKey = sortKey(list[end - 1] as T);
    if (end >= list.length) {
      out += replyLine(`END LIST ${query}\n`);
      ended = true;
    }
    return out;
  };
  return { text: chunk(first), more: () => (ended ? null : chunk(items())) };
}

type Handler = (ctx: CommandContext, s: Session, args: readonly string[]) => Reply;

interface Command { name: string; handler: Handler; needsUser: boolean }

const text = (t: string): Reply => ({ text: t });
const err = (code: NetErrorCode): Reply => ({ text: errLine(code) });
const ok = (): Reply => text('OK\n');
const line = (t: string): Reply => text(replyLine(`${t}\n`));

/** strcasecmp for ASCII command words (`upper` is upper case); allocates nothing. */
function is(word: string | undefined, upper: string): boolean {
  if (word === undefined || word.length !== upper.length) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== upper.charCodeAt(i)) return false;
  }
  return true;
}

/** NUT's netcmds table, in its order (§2.2). */
const COMMANDS: readonly Command[] = [
  { name: 'VER', handler: netVer, needsUser: false },
  { name: 'NETVER', handler: netVersion, needsUser: false },
  { name: 'PROTVER', handler: netVersion, needsUser: false },
  { name: 'HELP', handler: netHelp, needsUser: false },
  { name: 'STARTTLS', handler: netStartTls, needsUser: false },
  { name: 'GET', handler: netGet, needsUser: false },
  { name: 'LIST', handler: netList, needsUser: false },
  { name: 'USERNAME', handler: netUsername, needsUser: false },
  { name: 'PASSWORD', handler: netPassword, needsUser: false },
  { name: 'LOGIN', handler: netLogin, needsUser: true },
  { name: 'LOGOUT', handler: netLogout, needsUser: false },
  { name: 'PRIMARY', handler: (c, s, a) => netPrimary(c, s, a, 'OK PRIMARY-GRANTED\n'), needsUser: true },
  { name: 'MASTER', handler: (c, s, a) => netPrimary(c, s, a, 'OK MASTER-GRANTED\n'), needsUser: true },
  { name: 'FSD', handler: netFsd, needsUser: true },
  { name: 'SET', handler: netSet, needsUser: true },
  { name: 'INSTCMD', handler: netInstcmd, needsUser: true },
];
const COMMAND_BY_NAME: ReadonlyMap<string, Command> = new Map(COMMANDS.map((c) => [c.name, c]));

/**
 * One request line (its words, as the tokenizer produced them) → the reply. The first word picks
 * the command (case-insensitive); commands that need a user check USERNAME, then PASSWORD, before
 * anything else (§2.2); the handler gets the remaining words.
 */
export function dispatch(ctx: CommandContext, session: Session, words: readonly string[]): Reply {
  const first = words[0];
  if (first === undefined) return err('UNKNOWN-COMMAND');
  // length check first: toUpperCase can change a string's length (e.g. 'ß' → 'SS')
  const cmd = COMMAND_BY_NAME.get(first) ?? COMMAND_BY_NAME.get(first.toUpperCase());
  if (!cmd || cmd.name.length !== first.length) return err('UNKNOWN-COMMAND');
  if (cmd.needsUser) {
    if (session.username === undefined) return err('USERNAME-REQUIRED');
    if (session.password === undefined) return err('PASSWORD-REQUIRED');
  }
  if (ctx.log.debugLevel >= 3) ctx.log.debug(3, `${session.address}: ${cmd.name}`);
  return cmd.handler(ctx, session, words.slice(1));
}

/**
 * A credential check through the guessing limit (auth-throttle.ts): undefined if granted, else
 * the reply. Right and wrong passwords are answered alike and at once; past the limit the check
 * is not made and the answer is ACCESS-DENIED whatever the password.
 */
function authorize(ctx: CommandContext, s: Session, what: string, run: () => CheckResult): Reply | undefined {
  const now = ctx.now();
  const user = s.username ?? '';
  if (ctx.throttle.decide(s.address, user, now) === 'refuse') {
    ctx.log.debug(1, `${s.who}: ${what} refused unchecked (too many failed logins)`);
    return err('ACCESS-DENIED');
  }
  const result = run();
  if (result === 'ok') {
    s.authenticated = true;
    ctx.throttle.recordSuccess(s.address, user, now);
    return undefined;
  }
  if (result === 'not-granted') {
    ctx.log.debug(1, `${s.who}: ${what} not granted`);
    return err('ACCESS-DENIED');
  }
  const reached = ctx.throttle.recordFailure(s.address, user, now);
  if (reached === 'address') {
    ctx.log.notice(`${String(MAX_FAILURES_PER_ADDRESS)} failed logins from ${s.address} within a minute: refusing its logins unchecked until they are a minute old`);
  } else if (reached === 'user') {
    ctx.log.notice(`${String(MAX_FAILURES_PER_USER)} failed logins as ${user} within a minute: refusing its logins unchecked from addresses it has not logged in from`);
  } else {
    ctx.log.debug(1, `${s.who}: bad username or password (${what})`);
  }
  return err('ACCESS-DENIED');
}

// ---------------------------------------------------------------------------------------------
// VER, NETVER/PROTVER, HELP, STARTTLS, USERNAME, PASSWORD, LOGOUT

function netVer(ctx: CommandContext, _s: Session, a: readonly string[]): Reply {
  if (a.length !== 0) return err('INVALID-ARGUMENT');
  return line(serverInfo(ctx.hardnutVersion));
}

function netVersion(_ctx: CommandContext, _s: Session, a: readonly string[]): Reply {
  if (a.length !== 0) return err('INVALID-ARGUMENT');
  return text(`${NET_PROTOCOL_VERSION}\n`);
}

function netHelp(_ctx: CommandContext, _s: Session, a: readonly string[]): Reply {
  if (a.length !== 0) return err('INVALID-ARGUMENT');
  return text(`${HELP_TEXT}\n`);
}

/** Arguments are ignored (§2.3 STARTTLS). */
function netStartTls(ctx: CommandContext, s: Session): Reply {
  if (s.tls) return err('ALREADY-SSL-MODE');
  if (!ctx.tlsReady) return err('FEATURE-NOT-CONFIGURED');
  return { text: 'OK STARTTLS\n', then: 'starttls' };
}

function netUsername(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length !== 1) return err('INVALID-ARGUMENT');
  if (s.username !== undefined) {
    ctx.log.info(`Client ${s.who} tried to set a username twice`);
    return err('ALREADY-SET-USERNAME');
  }
  s.username = a[0] as string;
  return ok();
}

/** Always OK: the password is checked only when a command needs it (§2.2). */
function netPassword(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length !== 1) return err('INVALID-ARGUMENT');
  if (s.password !== undefined) {
    ctx.log.info(`Client ${s.who} tried to set a password twice`);
    return err('ALREADY-SET-PASSWORD');
  }
  s.password = a[0] as string;
  return ok();
}

function netLogout(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length !== 0) return err('INVALID-ARGUMENT');
  if (s.loginUps !== undefined) ctx.log.info(`User ${s.who} logged out from UPS [${s.loginUps}]${s.tls ? ' (SSL)' : ''}`);
  return { text: 'OK Goodbye\n', then: 'logout' };
}

// ---------------------------------------------------------------------------------------------
// LOGIN, PRIMARY/MASTER, FSD

function netLogin(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length !== 1) return err('INVALID-ARGUMENT');
  if (s.loginUps !== undefined) {
    ctx.log.info(`Client ${s.who} tried to login twice`);
    return err('ALREADY-LOGGED-IN');
  }
  const ups = ctx.registry.get(a[0] as string);
  if (!ups) return err('UNKNOWN-UPS');
  const no = authorize(ctx, s, 'LOGIN', () => ctx.users.checkAction(s.username, s.password, 'LOGIN'));
  if (no) return no;
  ups.numLogins++;
  s.loginUps = ups.name;
  ctx.log.info(`User ${s.who} logged into UPS [${ups.name}]${s.tls ? ' (SSL)' : ''}`);
  return ok();
}

/** PRIMARY and MASTER: a permission probe only (§2.3). */
function netPrimary(ctx: CommandContext, s: Session, a: readonly string[], granted: string): Reply {
  if (a.length !== 1) return err('INVALID-ARGUMENT');
  const ups = ctx.registry.get(a[0] as string);
  if (!ups) return err('UNKNOWN-UPS');
  const no = authorize(ctx, s, 'PRIMARY', () => {
    const r1 = ctx.users.checkAction(s.username, s.password, 'PRIMARY');
    // NUT asks again for MASTER; one failed password is one failure, not two.
    return r1 === 'not-granted' ? ctx.users.checkAction(s.username, s.password, 'MASTER') : r1;
  });
  return no ?? text(granted);
}

/**
 * FSD <ups>: sets the latch (§2.3). hardnut addition: `FSD <ups> CLEAR` clears it, for a user
 * with the FSD right, once the UPS is back on line power (ups.status has OL and no OB); NUT keeps
 * the latch until upsd restarts. NUT answers a second word with INVALID-ARGUMENT, so no NUT client
 * ever clears it by accident.
 */
function netFsd(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length === 2 && is(a[1], 'CLEAR')) return fsdClear(ctx, s, a[0] as string);
  if (a.length !== 1) return err('INVALID-ARGUMENT');
  const ups = ctx.registry.get(a[0] as string);
  if (!ups) return err('UNKNOWN-UPS');
  const no = authorize(ctx, s, 'FSD', () => ctx.users.checkAction(s.username, s.password, 'FSD'));
  if (no) return no;
  ctx.log.info(`Client ${s.who} set FSD on UPS [${ups.name}]`);
  ups.fsd = true;
  return text('OK FSD-SET\n');
}

function fsdClear(ctx: CommandContext, s: Session, upsName: string): Reply {
  const ups = ctx.registry.get(upsName);
  if (!ups) return err('UNKNOWN-UPS');
  const no = authorize(ctx, s, 'FSD CLEAR', () => ctx.users.checkAction(s.username, s.password, 'FSD'));
  if (no) return no;
  const avail = ups.availability();
  if (avail !== 'ok') return err(avail);
  const status = (ups.state.getInfo('ups.status') ?? '').split(' ');
  if (!status.includes('OL') || status.includes('OB')) {
    ctx.log.notice(`Client ${s.who} tried to clear FSD on UPS [${ups.name}] while it is not on line power`);
    return err('INVALID-VALUE');
  }
  if (ups.fsd) ctx.log.notice(`Client ${s.who} cleared FSD on UPS [${ups.name}]`);
  ups.fsd = false;
  return text('OK FSD-CLEARED\n');
}

// ---------------------------------------------------------------------------------------------
// GET

function netGet(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length < 1) return err('INVALID-ARGUMENT');
  const sub = a[0] as string;
  if (is(sub, 'TRACKING')) {
    if (a.length < 2) return text(s.tracking ? 'ON\n' : 'OFF\n');
    if (!s.tracking) return err('FEATURE-NOT-CONFIGURED');
    return text(`${ctx.tracking.get(a[1] as string)}\n`);
  }
  if (a.length < 2) return err('INVALID-ARGUMENT');
  const upsName = a[1] as string;
  if (is(sub, 'NUMLOGINS')) {
    const ups = ctx.registry.get(upsName);
    if (!ups) return err('UNKNOWN-UPS');
    const avail = ups.availability();
    if (avail !== 'ok') return err(avail);
    return line(`NUMLOGINS ${upsName} ${String(ups.numLogins)}`);
  }
  if (is(sub, 'UPSDESC')) {
    const ups = ctx.registry.get(upsName);
    if (!ups) return err('UNKNOWN-UPS');
    return line(`UPSDESC ${upsName} "${ups.desc !== undefined ? encodedDesc(ups.desc) : 'Unavailable'}"`);
  }
  if (a.length < 3) return err('INVALID-ARGUMENT');
  const name = a[2] as string;
  if (is(sub, 'VAR')) return getVar(ctx, upsName, name);
  if (is(sub, 'TYPE')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    const v = r.state.get(name);
    if (!v) return err('VAR-NOT-SUPPORTED');
    return text(typeLine(upsName, name, { rw: v.flags.rw, hasEnum: v.enums.length > 0, hasRange: v.ranges.length > 0, string: v.flags.string, aux: v.aux }));
  }
  if (is(sub, 'DESC')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    return line(`DESC ${upsName} ${name} "${ctx.descriptions.varDesc(name) ?? 'Description unavailable'}"`);
  }
  if (is(sub, 'CMDDESC')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    return line(`CMDDESC ${upsName} ${name} "${ctx.descriptions.cmdDesc(name) ?? 'Description unavailable'}"`);
  }
  return err('INVALID-ARGUMENT');
}

/** UNKNOWN-UPS, then DRIVER-NOT-CONNECTED / DATA-STALE (NUT's get_ups_ptr + ups_available). */
function availableUps(ctx: CommandContext, upsName: string): UpsEntry | Reply {
  const ups = ctx.registry.get(upsName);
  if (!ups) return err('UNKNOWN-UPS');
  const avail = ups.availability();
  if (avail !== 'ok') return err(avail);
  return ups;
}

/** ups.status as clients see it: `FSD ` in front while the latch is set (§2.3 FSD). */
function shownValue(ups: UpsEntry, varName: string, raw: string): string {
  const v = storedValue(raw);
  return ups.fsd && varName.toLowerCase() === 'ups.status' ? `FSD ${v}` : v;
}

function getVar(ctx: CommandContext, upsName: string, name: string): Reply {
  // server.* ignores the UPS name, which need not exist (§2.3 GET VAR)
  if (name.length >= 7 && (name.charCodeAt(0) | 0x20) === 0x73 && name.slice(0, 7).toLowerCase() === 'server.') {
    const lower = name.toLowerCase();
    if (lower === 'server.info') return line(`VAR ${upsName} server.info "${serverInfo(ctx.hardnutVersion)}"`);
    if (lower === 'server.version') return line(`VAR ${upsName} server.version "${NUT_COMPAT_VERSION}"`);
    return err('VAR-NOT-SUPPORTED');
  }
  const r = availableUps(ctx, upsName);
  if (!(r instanceof UpsEntry)) return r;
  const raw = r.state.getInfo(name);
  if (raw === undefined) return err('VAR-NOT-SUPPORTED');
  return line(`VAR ${upsName} ${name} "${shownValue(r, name, raw)}"`);
}

// ---------------------------------------------------------------------------------------------
// LIST

/** The state tree's sort key: names are ASCII (the tokenizer keeps 0x20–0x7F), so this is its fold. */
const varKey = (v: StateVar): string => v.name.toLowerCase();

function netList(ctx: CommandContext, _s: Session, a: readonly string[]): Reply {
  if (a.length < 1) return err('INVALID-ARGUMENT');
  const sub = a[0] as string;
  if (is(sub, 'UPS')) {
    return text(listReply('UPS', ctx.registry.list().map((u) =>
      `UPS ${u.name} "${u.desc !== undefined ? encodedDesc(u.desc) : 'Description unavailable'}"`)));
  }
  if (a.length < 2) return err('INVALID-ARGUMENT');
  const upsName = a[1] as string;
  if (is(sub, 'VAR')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    return streamedList(`VAR ${upsName}`, () => r.state.vars(), varKey, (v) => `VAR ${upsName} ${v.name} "${shownValue(r, v.name, v.value)}"`);
  }
  if (is(sub, 'RW')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    return streamedList(`RW ${upsName}`, () => r.state.vars().filter((v) => v.flags.rw), varKey,
      (v) => `RW ${upsName} ${v.name} "${storedValue(v.value)}"`);
  }
  if (is(sub, 'CMD')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    return streamedList(`CMD ${upsName}`, () => r.state.cmds(), (c) => c.toLowerCase(), (c) => `CMD ${upsName} ${c}`);
  }
  if (is(sub, 'CLIENT')) {
    // no driver check, no authentication (§2.3 LIST CLIENT)
    const ups = ctx.registry.get(upsName);
    if (!ups) return err('UNKNOWN-UPS');
    const items: string[] = [];
    const key = ups.name.toLowerCase();
    for (const c of ctx.sessions()) {
      if (c.loginUps !== undefined && c.loginUps.toLowerCase() === key) items.push(`CLIENT ${c.loginUps} ${c.address}`);
    }
    return text(listReply(`CLIENT ${upsName}`, items));
  }
  if (a.length < 3) return err('INVALID-ARGUMENT');
  const name = a[2] as string;
  if (is(sub, 'ENUM')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    const v = r.state.get(name);
    if (!v) return err('VAR-NOT-SUPPORTED');
    return text(listReply(`ENUM ${upsName} ${name}`, v.enums.map((e) => `ENUM ${upsName} ${name} "${storedValue(e)}"`)));
  }
  if (is(sub, 'RANGE')) {
    const r = availableUps(ctx, upsName);
    if (!(r instanceof UpsEntry)) return r;
    const v = r.state.get(name);
    if (!v) return err('VAR-NOT-SUPPORTED');
    return text(listReply(`RANGE ${upsName} ${name}`, v.ranges.map((x) => `RANGE ${upsName} ${name} "${String(x.min)}" "${String(x.max)}"`)));
  }
  return err('INVALID-ARGUMENT');
}

// ---------------------------------------------------------------------------------------------
// SET, INSTCMD

function netSet(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length < 2) return err('INVALID-ARGUMENT');
  const sub = a[0] as string;
  if (is(sub, 'VAR')) {
    if (a.length < 4) return err('INVALID-ARGUMENT');
    return setVar(ctx, s, a[1] as string, a[2] as string, a[3] as string);
  }
  if (is(sub, 'TRACKING')) {
    const v = a[1] as string;
    if (is(v, 'ON')) {
      ctx.tracking.enabled = true;
      s.tracking = true;
    } else if (is(v, 'OFF')) {
      // only this connection's flag: NUT never clears the global one in practice (§2.3 ⚠)
      s.tracking = false;
    } else {
      return err('INVALID-ARGUMENT');
    }
    return ok();
  }
  return err('INVALID-ARGUMENT');
}

function setVar(ctx: CommandContext, s: Session, upsName: string, varName: string, value: string): Reply {
  const r = availableUps(ctx, upsName);
  if (!(r instanceof UpsEntry)) return r;
  const ups = r;
  const no = authorize(ctx, s, 'SET', () => ctx.users.checkAction(s.username, s.password, 'SET'));
  if (no) return no;
  const v = ups.state.get(varName);
  if (!v) return err('VAR-NOT-SUPPORTED');
  if (!v.flags.rw) return err('READONLY');
  if (v.flags.string) {
    if (v.aux < 1) {
      ctx.log.notice(`UPS [${ups.name}]: auxdata for ${varName} is invalid`);
      return err('SET-FAILED');
    }
    if (value.length > v.aux) return err('TOO-LONG');
  }
  // NUT compares with the enum values as it stores them (escaped), case-sensitively
  if (v.enums.length > 0 && !v.enums.some((e) => storedValue(e) === value)) return err('INVALID-VALUE');
  if (v.ranges.length > 0) {
    const n = atoi(value);
    if (!v.ranges.some((x) => n >= x.min && n <= x.max)) return err('INVALID-VALUE');
  }
  const id = s.tracking ? ctx.newTrackingId() : undefined;
  let wire: string;
  try {
    wire = encodeClientMessage({ type: 'SET', name: varName, value, ...(id !== undefined ? { tracking: id } : {}) });
  } catch {
    return err('SET-FAILED');
  }
  if (id !== undefined) ctx.tracking.add(id, ctx.now());
  ctx.log.info(`Set variable: ${s.who} set ${varName} on ${ups.name} to ${value} (tracking ID: ${id ?? 'disabled'})`);
  if (!ctx.sendToDriver(ups, wire)) {
    ctx.log.info('Set command send failed');
    return err('SET-FAILED');
  }
  return id !== undefined ? text(`OK TRACKING ${id}\n`) : ok();
}

function netInstcmd(ctx: CommandContext, s: Session, a: readonly string[]): Reply {
  if (a.length < 2) return err('INVALID-ARGUMENT');
  const upsName = a[0] as string;
  const cmd = a[1] as string;
  // the parameter counts only with exactly three words (§2.3 ⚠)
  const param = a.length === 3 ? a[2] as string : undefined;
  const r = availableUps(ctx, upsName);
  if (!(r instanceof UpsEntry)) return r;
  const ups = r;
  if (!ups.state.hasCmd(cmd)) return err('CMD-NOT-SUPPORTED');
  const no = authorize(ctx, s, 'INSTCMD', () => ctx.users.checkInstcmd(s.username, s.password, cmd));
  if (no) return no;
  const id = s.tracking ? ctx.newTrackingId() : undefined;
  let wire: string;
  try {
    wire = encodeClientMessage({
      type: 'INSTCMD', cmd, ...(param !== undefined ? { param } : {}), ...(id !== undefined ? { tracking: id } : {}),
    });
  } catch {
    return err('INSTCMD-FAILED');
  }
  if (id !== undefined) ctx.tracking.add(id, ctx.now());
  ctx.log.info(`Instant command: ${s.who} did ${cmd}${param !== undefined ? ` with value ${param}` : ''} on ${ups.name} (tracking ID: ${id ?? 'disabled'})`);
  if (!ctx.sendToDriver(ups, wire)) {
    ctx.log.info('Instant command send failed');
    return err('INSTCMD-FAILED');
  }
  return id !== undefined ? text(`OK TRACKING ${id}\n`) : ok();
}

/** For tests: the command words upsd knows, in NUT's table order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);
