// The role table (DESIGN.md): every process hardnut confines has one row here, and the one
// pipeline (confine.ts) reads it. A row says what the process becomes after start-up — its seccomp
// policy, user and groups, jail, rlimits — what it keeps across the drop and why, and which native
// libraries must be loaded while they still can be (a chroot hides them, seccomp forbids opening).
// test/sandbox/roles.test.ts starts the real daemon of every row as root and checks /proc/PID:
// adding a row without a starter there fails that test.

import { HardnutError } from '../core/errors.js';

/** Linux resource numbers (asm-generic/resource.h; the same on x86_64 and aarch64). */
export type RlimitName = 'RLIMIT_CORE' | 'RLIMIT_NPROC' | 'RLIMIT_NOFILE';

export interface RlimitRow {
  resource: RlimitName;
  /** A fixed value, or 'computed': the caller passes it (upsmon-net: descriptors open now + headroom). */
  value: number | 'computed';
  why: string;
}

export type NativeLib = 'koffi' | 'libc' | 'libseccomp' | 'rlimits';

export interface RoleRow {
  /** Row name; also the default seccomp policy name when `seccomp` is the same. */
  name: string;
  /** The command that runs in this role. */
  process: string;
  /** policy/seccomp/<seccomp>.json (a driver instance may name another, e.g. repeater mode). */
  seccomp: string;
  /** Who the process becomes when started as root, and where that name comes from. */
  user: {
    default: string; from: string;
    /** Ids used when /etc/passwd has no such user (an initramfs may list only root). */
    missing?: { uid: number; gid: number };
  };
  /** Supplementary groups after the drop (setgroups): 'none', or the primary group plus named ones. */
  groups: { keep: 'none' | 'primary'; extra: string; why: string };
  /** chroot: 'none', 'optional' (a flag names it), or 'required' (an empty root-owned dir, created if missing). */
  jail: { kind: 'none' } | { kind: 'optional'; from: string } | { kind: 'required'; default: string; empty: true };
  rlimits: RlimitRow[];
  /** Descriptors and secrets the process keeps across the drop, and why. */
  fdsKept: Array<{ what: string; why: string }>;
  /** What the process does as its user between the drop and the filter (ConfineOptions.asUser). */
  asUser: string;
  /** Native bindings loaded before the drop (in this order). */
  natives: NativeLib[];
  /**
   * 'always': no_new_privs then the filter after the drop. 'unless-setuid-helper': the dispatcher
   * hands a shutdown to the setuid helper, which no_new_privs would strip of its setuid bit; it
   * then loads its filter while still root (the kernel demands CAP_SYS_ADMIN without nnp).
   */
  noNewPrivs: 'always' | 'unless-setuid-helper';
}

/** No core dumps: a core of upsd or the dispatcher would hold passwords or the intent key. */
const NO_CORE: RlimitRow = { resource: 'RLIMIT_CORE', value: 0, why: 'no core dump: memory holds secrets (passwords, SNMP communities, the intent key)' };

/**
 * hardnut difference: NUT's drivers keep the group given by -g / ups.conf `group` for the socket
 * only; ours drop every group too (setgroups([])), and the socket's group is set by descriptor.
 */
const DRIVER_USER = { default: 'nut', from: '-u, else ups.conf user =, else nut (NUT RUN_AS_USER)' };
const DRIVER_GROUPS = { keep: 'none' as const, extra: '', why: 'a driver needs only its own device and socket, both opened or created for it' };
const DRIVER_JAIL = { kind: 'optional' as const, from: '-r <dir> or ups.conf chroot = (root-owned, not writable by others)' };
const DRIVER_NATIVES: NativeLib[] = ['koffi', 'libc', 'rlimits', 'libseccomp'];
const DRIVER_AS_USER = 'chdir to the state path, replace a duplicate instance (a nut process), first reads of the device (parsed as nut), bind the socket 0660 (policies forbid bind, chmod, kill), write the pid file';
const DRIVER_SOCKET = { what: 'state socket <statepath>/<driver>-<ups>', why: 'upsd reads the driver through it; created after the drop, so nut owns it' };

function driverRow(name: string, device: { what: string; why: string }, process: string): RoleRow {
  return {
    name, process, seccomp: name, user: DRIVER_USER, groups: DRIVER_GROUPS, jail: DRIVER_JAIL,
    rlimits: [NO_CORE], asUser: DRIVER_AS_USER, fdsKept: [device, DRIVER_SOCKET], natives: DRIVER_NATIVES, noNewPrivs: 'always',
  };
}

/** upsmon's monitor child, whichever its role (upsmon-net, upsmon-local). */
const UPSMON_JAIL = { kind: 'required' as const, default: '/run/hardnut/upsmon/empty', empty: true as const };
const UPSMON_CHILD_FDS = [
  { what: 'fd 0: control messages from the supervisor', why: 'start, reload, fsd, stop' },
  { what: 'fd 1, 2: stdio', why: 'log in the foreground' },
  { what: 'fd 3: the framed pipe to the dispatcher', why: 'its only way to ask for anything' },
];
function upsmonChildLimits(nofileWhy: string): RlimitRow[] {
  return [
    { resource: 'RLIMIT_NOFILE', value: 'computed', why: nofileWhy },
    { resource: 'RLIMIT_NPROC', value: 0, why: 'no new process (or thread): libuv\'s pool is started before' },
    NO_CORE,
  ];
}

/**
 * -k: the same driver under its own filter (issue 15). The late-shutdown step runs where no nut
 * user may exist (an initramfs that lists only root), so it becomes nobody, by number when
 * /etc/passwd does not know the name: the device is opened as root as for a normal start, then
 * the shutdown's status read (device data) and commands run as nobody under no_new_privs and
 * the driver's filter. Nothing privileged parses what the UPS answers, even at the last step.
 */
function killpowerRow(row: RoleRow): RoleRow {
  return {
    ...row, name: `${row.name}-killpower`, process: `${row.process} -k (upsdrvctl shutdown, the late-shutdown hook)`,
    user: { default: 'nobody', from: 'fixed: the late step may have no nut user', missing: { uid: 65534, gid: 65534 } },
    jail: DRIVER_JAIL,
    asUser: 'nothing: the device\'s first bytes (nutdrv_qx\'s protocol detection), the status read and the shutdown commands all come after the filter is loaded',
    fdsKept: row.fdsKept.slice(0, 1),
  };
}

const DRIVER_ROWS: readonly RoleRow[] = [
  driverRow('driver-file', { what: 'the device file (dummy-ups .dev/.seq)', why: 're-read on change; opened by path, readable by nut' }, 'hardnut dummy-ups'),
  driverRow('driver-serial', { what: 'the serial port', why: 'opened, locked and configured (termios, DTR/RTS) as root in openDevice (root:dialout 0660); no byte is read or written on it before the drop' }, 'hardnut nutdrv_qx | apcsmart | scripted-ups (serial script)'),
  driverRow('driver-network', { what: 'none beyond the socket', why: 'repeater mode connects to the upstream upsd after the drop' }, 'hardnut dummy-ups (repeater: port = ups@host) | scripted-ups (tcp script, connects after the drop)'),
  driverRow('driver-snmp', { what: 'the UDP socket to the agent', why: 'created while root (the policy forbids new Internet sockets); MIB detection parses the replies only after the drop' }, 'hardnut snmp-ups'),
  driverRow('driver-usb', { what: 'the hidraw device', why: 'opened while root; its report descriptor is parsed only after the drop' }, 'hardnut usbhid-ups'),
];

export const ROLES: readonly RoleRow[] = [
  ...DRIVER_ROWS,
  // dummy-ups (file, repeater) has no shutdown: -k exits with 'shutdown not supported' before any confinement
  ...DRIVER_ROWS.filter((r) => r.name !== 'driver-file' && r.name !== 'driver-network').map(killpowerRow),
  {
    name: 'upsd', process: 'hardnut upsd', seccomp: 'upsd', asUser: 'chdir to the state path',
    user: { default: 'nut', from: '-u, else nut (NUT RUN_AS_USER)' },
    groups: { keep: 'none', extra: '', why: 'upsd reads ups.conf/upsd.users (root:nut 0640) through its primary group' },
    jail: { kind: 'optional', from: '-r <dir> (NUT: every path is then inside <dir>)' },
    rlimits: [NO_CORE],
    fdsKept: [
      { what: 'the listening sockets (TCP 3493, LISTEN unix paths)', why: 'port 3493 < 1024 needs root to bind' },
      { what: 'the TLS certificate and key, in memory', why: 'the key file is root-only' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    name: 'upsmon-net', process: 'hardnut upsmon --role net (spawned by the supervisor)', seccomp: 'upsmon-net', asUser: 'nothing',
    user: { default: 'nobody', from: 'RUN_AS_USER in upsmon.conf, else nobody' },
    groups: { keep: 'none', extra: '', why: 'the network child reads nothing but sockets it opens' },
    jail: UPSMON_JAIL,
    rlimits: upsmonChildLimits('descriptors open now + headroom + 2 per MONITOR: no descriptor exhaustion games'),
    fdsKept: UPSMON_CHILD_FDS,
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // issue 14: a upsmon with only LOCALMONITOR lines; with any MONITOR line the child is upsmon-net
    name: 'upsmon-local', process: 'hardnut upsmon --role net, only LOCALMONITOR lines (spawned by the supervisor)', seccomp: 'upsmon-local', asUser: 'nothing',
    user: { default: 'nobody', from: 'RUN_AS_USER in upsmon.conf, else nobody' },
    groups: { keep: 'none', extra: '', why: 'it reads only driver sockets the supervisor connected for it' },
    jail: UPSMON_JAIL,
    rlimits: upsmonChildLimits('descriptors open now + headroom + 2 per LOCALMONITOR'),
    fdsKept: [
      ...UPSMON_CHILD_FDS,
      { what: 'fd 4: Node\'s IPC channel to the supervisor', why: 'asks for a driver connection, receives it as a descriptor (the jail has no path to the socket)' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // issue 16: a rule's fsd / instcmd. The dispatcher has no network and the monitor is jailed
    // with only its pipe, so root (the supervisor) starts this one-shot child for a rule event its
    // own copy of upsrules.conf admits: resolve upsd, confine, log in with that MONITOR's
    // credentials, send FSD / INSTCMD, parse the replies under the filter, exit. The network
    // child's filter and jail: it does the same kind of work, less of it.
    name: 'upsmon-rule-action', process: 'hardnut upsmon --role rule-action (spawned by the supervisor for a rule\'s fsd or instcmd)', seccomp: 'upsmon-net', asUser: 'nothing',
    user: { default: 'nobody', from: 'RUN_AS_USER in upsmon.conf, else nobody (as the network child)' },
    groups: { keep: 'none', extra: '', why: 'it reads nothing but the one connection it opens' },
    jail: UPSMON_JAIL,
    rlimits: upsmonChildLimits('descriptors open now + headroom: one connection to upsd'),
    fdsKept: [
      { what: 'fd 0: the start message from the supervisor', why: 'the rule, its actions and the one MONITOR line (with its password) to log in with' },
      { what: 'fd 1, 2: stdio', why: 'log in the foreground' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    name: 'dispatcher', process: 'hardnut upsmon --role dispatch (spawned by the supervisor)', seccomp: 'dispatcher', asUser: 'nothing',
    user: { default: 'nut', from: 'the supervisor (NUT RUN_AS_USER for the dispatcher: nut)' },
    groups: { keep: 'primary', extra: 'the shutdown group (nutshutdown) when the helper or socket plan needs it', why: 'only that group may run the setuid helper or connect to hardnut-shutdown.socket' },
    jail: { kind: 'none' },
    rlimits: [NO_CORE],
    fdsKept: [
      { what: 'fd 0: control messages from the supervisor', why: 'start, reload, fsd, flag-written, stop' },
      { what: 'fd 3: the framed pipe from the network child', why: 'the only input it acts on (close-on-exec: no NOTIFYCMD sees it)' },
      { what: 'fd 4: bytes to the supervisor', why: 'asks root to write POWERDOWNFLAG, and passes on the names of rules with an fsd or instcmd action (close-on-exec)' },
      { what: 'the intent key in memory, or /run/initctl', why: 'read or opened while root: the shutdown hand-over' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'unless-setuid-helper',
  },
  {
    // issue 20 item 6: NOTIFYCMD (and wall) run here, outside the dispatcher's filter, so a notify
    // script reaches the network; fed by the dispatcher over a one-way framed pipe, fatal on any bad frame.
    // hardnut difference: NUT has no NOTIFYUSER; it runs NOTIFYCMD as RUN_AS_USER, in its monitor.
    name: 'notifier', process: 'hardnut upsmon --role notify (spawned by the supervisor)', seccomp: 'notifier', asUser: 'nothing: it confines itself before reading a frame',
    user: { default: 'nut', from: 'NOTIFYUSER in upsmon.conf, else the dispatcher\'s user (nut)' },
    groups: { keep: 'primary', extra: '', why: 'NOTIFYCMD runs with the notify user\'s own group, as it ran in the dispatcher' },
    jail: { kind: 'none' },
    rlimits: [NO_CORE],
    fdsKept: [
      { what: 'fd 0: control messages from the supervisor', why: 'start, reload, stop' },
      { what: 'fd 3: the one-way framed pipe from the dispatcher', why: 'the only input it acts on (close-on-exec: no NOTIFYCMD sees it)' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // hardnut difference: NUT's upslog drops to its user before the first query too, but
    // connects as root; ours connects, lists UPSes and parses every reply only after the drop.
    name: 'upslog', process: 'hardnut upslog', seccomp: 'driver-network', asUser: 'nothing: it connects, lists and parses under the filter',
    user: { default: 'nut', from: '-u, else nut (NUT RUN_AS_USER)' },
    groups: { keep: 'none', extra: '', why: 'it writes only log files it opened as root' },
    jail: { kind: 'none' },
    rlimits: [NO_CORE],
    fdsKept: [{ what: 'the log files (-l, -m)', why: 'opened as root (e.g. in /var/log), written as nut' }],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // issue 16: `hardnut rules check` asks each UPS of the upsmon.conf beside the rule file what it
    // publishes (DUMPALL on a driver socket, LIST VAR on upsd without logging in). Started as root
    // it reads its files first and confines itself before it connects to anything: root parses no
    // device or network data, and the parser cannot type into the terminal it was started from.
    name: 'rules-check', process: 'hardnut rules check (started as root: after reading its files, before asking any UPS)', seccomp: 'driver-network', asUser: 'nothing: it connects and parses under the filter',
    user: { default: 'nut', from: 'nut, else nobody (no account of its own: it only reads what any local client may)' },
    groups: { keep: 'none', extra: '', why: 'it reads only the connections it opens' },
    jail: { kind: 'none' },
    rlimits: [NO_CORE],
    fdsKept: [{ what: 'fd 0, 1, 2: stdio', why: 'prints the check' }],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // hardnut difference: NUT's upssched runs as whoever starts it; started as root, ours drops
    // to nut. It execs CMDSCRIPT, so its filter is a denylist inherited by it: the notifier's, since
    // upsmon's notifier runs upssched as NOTIFYCMD and CMDSCRIPT may send mail too (issue 20 item 6).
    name: 'upssched', process: 'hardnut upssched (its timer daemon)', seccomp: 'notifier', asUser: 'bind PIPEFN (0660), so it is the user\'s',
    user: { default: 'nut', from: 'nut (the dispatcher\'s user, which normally starts it)' },
    groups: { keep: 'none', extra: '', why: 'CMDSCRIPT runs with the daemon\'s identity; it needs no group' },
    jail: { kind: 'none' },
    rlimits: [NO_CORE],
    fdsKept: [{ what: 'the PIPEFN listening socket', why: 'upssched clients send START/CANCEL through it' }],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
  {
    // Issue 18: the HTTP parser and everything a scraper or browser sends live here, never in upsd.
    name: 'exporter', process: 'hardnut exporter', seccomp: 'exporter', asUser: 'nothing: it connects to upsd and parses requests under the filter',
    user: { default: 'nobody', from: 'nobody (it reads only what upsd serves to anyone)' },
    groups: { keep: 'none', extra: '', why: 'it opens no file after the drop' },
    jail: { kind: 'required', default: '/run/hardnut/exporter/empty', empty: true },
    rlimits: [NO_CORE],
    fdsKept: [
      { what: 'the LISTEN sockets', why: 'bound as root (any port), before the jail' },
      { what: 'upsd credentials from exporter.conf, in memory', why: 'the file is read as root; upsd addresses are resolved before the jail (no DNS inside)' },
      { what: 'the HTTPS certificate and key (CERTFILE), upsd\'s CA (CERTPATH) and HTTPUSER hashes, in memory; node:tls loaded', why: 'read as root before the jail, which has no files' },
      { what: 'with LOCAL lines, fd 3: Node\'s IPC channel to its root parent (exporter/local.ts)', why: 'the parent connects to the driver sockets, which the jail cannot reach, and passes each in (SCM_RIGHTS)' },
    ],
    natives: ['koffi', 'libc', 'rlimits', 'libseccomp'], noNewPrivs: 'always',
  },
];

export function roleRow(name: string): RoleRow {
  const row = ROLES.find((r) => r.name === name);
  if (!row) throw new HardnutError('ERR_ROLE', `no role '${name}' in the role table`);
  return row;
}
