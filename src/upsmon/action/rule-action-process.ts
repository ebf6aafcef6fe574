// upsmon's rule-action child (issue 16 item 1): a rule of upsrules.conf fired or cleared and its
// action is `fsd` or `instcmd <cmd>`. Started by the root supervisor as `hardnut upsmon --role
// rule-action`, one per rule event, with
//   fd 0  one control message (protocol/control RuleActionStart): the rule, its event, the UPS
//         actions the supervisor's own copy of upsrules.conf gives it, and the one MONITOR line
//         (with its password) of the UPS the rule names; nothing else of upsmon.conf's secrets
//   fd 1, 2  stdio (the supervisor's, in the foreground; else syslog)
// Nothing this child reads chooses what it does: the jailed monitor sent only the rule's name, the
// dispatcher and the supervisor each checked it against their own copy of the file. As root it
// resolves the upsd host and reads CERTPATH, then the one pipeline confines it like the network
// child (role 'upsmon-rule-action': RUN_AS_USER or nobody, the empty jail, no new process, the
// upsmon-net filter); only then does it connect, send USERNAME and PASSWORD, then FSD <ups> or
// INSTCMD <ups> <cmd> (§2.3, §2.6; no LOGIN: it is not a monitor and must not count in NUMLOGINS),
// LOGOUT, and exit: 0 when upsd accepted every action, 1 otherwise. upsd's refusal (the user lacks
// the FSD right or the command in `instcmds`) is logged with the rule's name; never the password.

import { NutClient } from '../../client/client.js';
import { preloadTls } from '../../client/client.js';
import type { ServerAddress } from '../../client/ups-spec.js';
import type { MonitorEntry } from '../../core/config/upsmon-conf.js';
import { NutError } from '../../protocol/net/client-errors.js';
import type { RuleActionStart, RuleUpsAction } from '../../protocol/control/index.js';
import type { Logger } from '../../runtime/log.js';
import { confine } from '../../sandbox/confine.js';
import { isRoot } from '../../sandbox/drop-privileges.js';
import { installFatalHandlers } from '../../sandbox/fatal.js';
import { highestOpenFd } from '../../sandbox/rlimits.js';
import { childLogger, firstControl, leaveTerminalSignalsToSupervisor } from '../shared/child-io.js';
import { prepareForJail } from '../shared/jail-prep.js';
import { clientOptions, loadCa, resolveAll } from '../shared/upsd-addresses.js';

/** NUT's NET_TIMEOUT: how long upsd may take to accept the connection and to answer each line. */
export const RULE_ACTION_NET_TIMEOUT_MS = 10_000;
/** Descriptors the confined child may open beyond those it has: one connection, and slack for libuv. */
export const RULE_ACTION_NOFILE_HEADROOM = 8;
const LAST_STDIO_FD = 2;

export async function runRuleActionProcess(): Promise<number> {
  leaveTerminalSignalsToSupervisor();
  const early = childLogger({ syslog: false, debug: 0 });
  let start;
  try {
    start = await firstControl('rule-action', early, () => undefined, () => undefined);
  } catch (err) {
    early.error(`upsmon rule action: ${(err as Error).message}`);
    return 1;
  }
  if (start.t !== 'start' || !('actions' in start)) {
    early.error('upsmon rule action: the first control message is not a rule-action start');
    return 1;
  }
  const s: RuleActionStart = start;
  const log = childLogger(s.log);
  installFatalHandlers('upsmon rule action', log);
  const entry = s.conf.monitors[0];
  if (entry === undefined || s.conf.monitors.length !== 1 || entry.local === true) {
    log.error(`upsmon: rule ${s.rule}: the start message does not name one MONITOR: nothing sent`);
    return 1;
  }
  const addresses = (await resolveAll(s.conf, s.family, log)).get(entry.system) ?? [];
  let ca: string[] | undefined;
  try {
    ca = loadCa(s.conf);
    // node:tls must be in before the jail (STARTTLS happens inside it)
    await preloadTls();
    if (isRoot()) await prepareForJail(LAST_STDIO_FD, log);
    await confine({
      role: 'upsmon-rule-action', log, env: { HARDNUT_SECCOMP: s.seccomp }, user: s.user,
      ...(s.jail !== null ? { jail: s.jail } : {}),
      computed: { RLIMIT_NOFILE: highestOpenFd() + 1 + RULE_ACTION_NOFILE_HEADROOM },
    });
  } catch (err) {
    log.error(`upsmon: rule ${s.rule}: ${(err as Error).message}: nothing sent`);
    return 1;
  }
  process.stdin.destroy(); // the one message is read: nothing more is taken from anyone
  return await perform(s, entry, addresses, ca, log);
}

function describe(a: RuleUpsAction, entry: MonitorEntry): string {
  return a.kind === 'fsd' ? `FSD on UPS [${entry.system}]` : `instant command ${a.command} on UPS [${entry.system}]`;
}

/** Connects (each resolved address in turn), authenticates, sends each action; the exit code. */
async function perform(s: RuleActionStart, entry: MonitorEntry, addresses: ServerAddress[], ca: string[] | undefined, log: Logger): Promise<number> {
  const what = `rule ${s.rule} (${s.event === 'fire' ? 'fired' : 'cleared'})`;
  if (addresses.length === 0) { log.error(`upsmon: ${what}: cannot resolve ${entry.host}: nothing sent`); return 1; }
  let client: NutClient | undefined;
  let last: unknown;
  for (const address of addresses) {
    try {
      client = await NutClient.connect(address, { timeoutMs: RULE_ACTION_NET_TIMEOUT_MS, connectTimeoutMs: RULE_ACTION_NET_TIMEOUT_MS, ...clientOptions(s.conf, entry.host, ca) });
      break;
    } catch (err) {
      last = err;
    }
  }
  if (client === undefined) {
    log.error(`upsmon: ${what}: cannot connect to upsd for UPS [${entry.system}]: ${(last as Error | undefined)?.message ?? 'connection failure'}: nothing sent`);
    return 1;
  }
  let failed = 0;
  try {
    // refused credentials show as ACCESS-DENIED on the action itself (§2.2)
    await client.authenticate(entry.user, entry.password);
    for (const a of s.actions) {
      try {
        if (a.kind === 'fsd') await client.fsd(entry.upsName);
        else await client.instCmd(entry.upsName, a.command);
        log.notice(`upsmon: ${what}: ${describe(a, entry)} accepted by upsd`);
      } catch (err) {
        if (!(err instanceof NutError)) throw err;
        failed++;
        log.error(`upsmon: ${what}: ${describe(a, entry)} refused by upsd as user ${entry.user}: ${err.reply}`);
      }
    }
  } catch (err) {
    log.error(`upsmon: ${what}: ${err instanceof NutError ? `upsd refused the user ${entry.user}: ${err.reply}` : (err as Error).message}`);
    failed = s.actions.length;
  } finally {
    await client.close().catch(() => undefined);
  }
  return failed === 0 ? 0 : 1;
}
