// Seccomp through libseccomp.so.2 (koffi). An allowlist per role (policy/seccomp/<role>.json,
// bundled into the executable), default action kill-process, applied to every thread at once
// (TSYNC: libuv and V8 threads exist before our code runs and would escape a per-thread filter).
//
// Two rules are not plain allows. clone3 answers ENOSYS: its flags sit in a struct the filter
// cannot read, and glibc then falls back to clone. clone is allowed only with CLONE_THREAD, so a
// sandboxed process can start threads but never fork a process.

import { createRequire } from 'node:module';
import { HardnutError } from '../core/errors.js';
import nodeBase from '../../policy/seccomp/node-base.json' with { type: 'json' };
import driverFile from '../../policy/seccomp/driver-file.json' with { type: 'json' };
import driverNetwork from '../../policy/seccomp/driver-network.json' with { type: 'json' };
import driverSerial from '../../policy/seccomp/driver-serial.json' with { type: 'json' };
import driverSnmp from '../../policy/seccomp/driver-snmp.json' with { type: 'json' };
import driverUsb from '../../policy/seccomp/driver-usb.json' with { type: 'json' };
import upsmonNet from '../../policy/seccomp/upsmon-net.json' with { type: 'json' };
import upsmonLocal from '../../policy/seccomp/upsmon-local.json' with { type: 'json' };
import dispatcher from '../../policy/seccomp/dispatcher.json' with { type: 'json' };
import notifier from '../../policy/seccomp/notifier.json' with { type: 'json' };
import upsd from '../../policy/seccomp/upsd.json' with { type: 'json' };
import exporter from '../../policy/seccomp/exporter.json' with { type: 'json' };

/**
 * A value an argument is compared with: a number, `"self"` (the pid of the process that loads
 * the filter, read when it is built) or a name from ARG_CONSTANTS (an ioctl request, a clone
 * flag), which may carry a mask.
 */
export type ArgValue = number | string;

/** An argument condition: the values, or the values each with the reason it is allowed. */
export interface ArgCondition { arg: number; equals: ArgValue | ArgValue[] | Record<string, string>; reason: string }

export interface SeccompPolicy {
  role: string;
  description: string;
  /** Other policies whose allows this one includes. */
  extends?: string[];
  /** syscall name → why this role needs it */
  allow: Record<string, string>;
  /**
   * syscalls allowed only when one argument equals one of the values (socket only for AF_UNIX,
   * kill only of "self", ioctl only with the listed requests). The same syscall in a policy and
   * one it extends: the values add up.
   */
  allowIf?: Record<string, ArgCondition>;
  /**
   * 'kill' (the default): an allowlist, anything else kills the process. 'allow': a denylist, for
   * a process that runs programs it does not know — upsmon's dispatcher execs NOTIFYCMDs, and a
   * filter is inherited across exec, so only calls no notification program needs can be refused.
   */
  defaultAction?: 'kill' | 'allow';
  /** Denylist roles: syscall name → why it is refused (answered with EPERM). */
  deny?: Record<string, string>;
  /** Denylist roles: refused (EPERM) unless one argument equals a number or "self" (e.g. socket unless AF_UNIX). */
  denyUnless?: Record<string, { arg: number; equals: number | string; reason: string }>;
  /** Denylist roles: refused (EPERM) when one argument equals one of the values (ioctl TIOCSTI, clone CLONE_NEWUSER). */
  denyIf?: Record<string, ArgCondition>;
}

export interface AllowRule { reason: string; arg?: number; equals?: ArgValue[] }

export const POLICIES: ReadonlyMap<string, SeccompPolicy> = new Map<string, SeccompPolicy>([
  [nodeBase.role, nodeBase],
  [driverFile.role, driverFile],
  [driverNetwork.role, driverNetwork],
  [driverSerial.role, driverSerial],
  [driverSnmp.role, driverSnmp],
  [driverUsb.role, driverUsb],
  [upsmonNet.role, upsmonNet],
  [upsmonLocal.role, upsmonLocal],
  [dispatcher.role, dispatcher as SeccompPolicy],
  [notifier.role, notifier as SeccompPolicy],
  [upsd.role, upsd],
  [exporter.role, exporter],
]);

export class SeccompError extends HardnutError {
  constructor(message: string) {
    super('ERR_SECCOMP', message);
  }
}

const SCMP_ACT_KILL_PROCESS = 0x80000000;
const SCMP_ACT_ALLOW = 0x7fff0000;
const SCMP_ACT_LOG = 0x7ffc0000;
const scmpActErrno = (errno: number): number => 0x00050000 | (errno & 0xffff);
const SCMP_FLTATR_CTL_TSYNC = 4;
const SCMP_FLTATR_CTL_NNP = 3;
/** libseccomp ≥ 2.5: 2 = compile the syscall checks as a binary tree instead of a list. */
const SCMP_FLTATR_CTL_OPTIMIZE = 8;
const SCMP_CMP_NE = 1;
const SCMP_CMP_EQ = 4;
const SCMP_CMP_MASKED_EQ = 7;
const SCMP_ARCH_X86_64 = 0xc000003e;
const SCMP_ARCH_AARCH64 = 0xc00000b7;
const CLONE_THREAD = 0x00010000;
const ENOSYS = 38;
const EPERM = 1;
const PR_SET_NO_NEW_PRIVS = 38;

/** Architectures whose syscall tables the policies were profiled on. */
export const SUPPORTED_ARCHES: ReadonlyMap<number, string> = new Map([[SCMP_ARCH_X86_64, 'x86_64'], [SCMP_ARCH_AARCH64, 'aarch64']]);

/** The kernel reads an ioctl request as an unsigned int: only its low 32 bits are compared. */
const IOCTL_MASK = 0xffffffff;
/** hidraw requests carry the report length in bits 16–29: compare direction, type and number. */
const IOC_SIZE_FREE_MASK = 0xc000ffff;

/**
 * Named argument values. asm-generic numbers: the same on x86_64 and aarch64, the two
 * architectures in SUPPORTED_ARCHES. A comparison is (argument & mask) == value.
 */
type Named = ReadonlyArray<readonly [string, number]>;
const withMask = (entries: Named, mask?: number): Array<[string, { value: number; mask: number }]> =>
  entries.map(([name, value]) => [name, { value, mask: mask ?? value }]);

export const ARG_CONSTANTS: ReadonlyMap<string, { value: number; mask: number }> = new Map([
  ...withMask([
    // descriptors (any file)
    ['FIONBIO', 0x5421], ['FIOCLEX', 0x5451], ['FIONCLEX', 0x5450], ['FIONREAD', 0x541b],
    // terminals and serial ports
    ['TCGETS', 0x5401], ['TCSETS', 0x5402], ['TCSETSW', 0x5403], ['TCSETSF', 0x5404],
    ['TCSBRK', 0x5409], ['TCXONC', 0x540a], ['TCFLSH', 0x540b], ['TIOCEXCL', 0x540c], ['TIOCNXCL', 0x540d],
    ['TIOCOUTQ', 0x5411], ['TIOCGWINSZ', 0x5413], ['TIOCMGET', 0x5415], ['TIOCMBIS', 0x5416],
    ['TIOCMBIC', 0x5417], ['TIOCMSET', 0x5418], ['TIOCGSERIAL', 0x541e], ['TIOCSSERIAL', 0x541f],
    ['TCSBRKP', 0x5425], ['TIOCSBRK', 0x5427], ['TIOCCBRK', 0x5428],
    ['TCGETS2', 0x802c542a], ['TCSETS2', 0x402c542b], ['TCSETSW2', 0x402c542c], ['TCSETSF2', 0x402c542d],
    ['TIOCMIWAIT', 0x545c], ['TIOCGICOUNT', 0x545d],
    // what no role may ever do: type into a terminal, or into the Linux console
    ['TIOCSTI', 0x5412], ['TIOCLINUX', 0x541c],
    // hidraw with a fixed size
    ['HIDIOCGRDESCSIZE', 0x80044801], ['HIDIOCGRDESC', 0x90044802], ['HIDIOCGRAWINFO', 0x80084803],
  ], IOCTL_MASK),
  // hidraw with the report length in the request (any length)
  ...withMask([
    ['HIDIOCGRAWNAME', 0x80004804], ['HIDIOCGRAWPHYS', 0x80004805], ['HIDIOCSFEATURE', 0xc0004806],
    ['HIDIOCGFEATURE', 0xc0004807], ['HIDIOCGINPUT', 0xc000480a],
  ], IOC_SIZE_FREE_MASK),
  // clone(2) flags that create a namespace: matched when the flag is set
  ...withMask([
    ['CLONE_NEWNS', 0x00020000], ['CLONE_NEWCGROUP', 0x02000000], ['CLONE_NEWUTS', 0x04000000],
    ['CLONE_NEWIPC', 0x08000000], ['CLONE_NEWUSER', 0x10000000], ['CLONE_NEWPID', 0x20000000],
    ['CLONE_NEWNET', 0x40000000],
  ]),
]);

/** ioctl requests no policy may allow and every denylist must refuse (issue 19 item 1). */
export const FORBIDDEN_IOCTLS: readonly string[] = ['TIOCSTI', 'TIOCLINUX'];
/** clone flags that create a namespace: never allowed, in any role. */
export const NAMESPACE_FLAGS: readonly string[] = [...ARG_CONSTANTS.keys()].filter((k) => k.startsWith('CLONE_NEW'));
/**
 * Calls that act on another process by pid (its signals, its limits): a role may make them only
 * on itself — the first argument "self" (or 0, "the caller", for prlimit64). Never kill(0) or
 * kill(-1): those signal a process group or every process the user owns.
 */
export const SELF_ONLY: ReadonlyMap<string, readonly ArgValue[]> = new Map<string, readonly ArgValue[]>([
  ['kill', ['self']], ['tkill', ['self']], ['tgkill', ['self']], ['rt_sigqueueinfo', ['self']],
  ['rt_tgsigqueueinfo', ['self']], ['pidfd_open', ['self']], ['prlimit64', [0, 'self']],
]);
/**
 * Never allowed by an allowlist, refused by every denylist: their target is a descriptor the
 * filter cannot read (pidfd_send_signal also takes a /proc/<pid> directory), or a namespace.
 */
export const NEVER_ALLOWED: readonly string[] = ['pidfd_send_signal', 'pidfd_getfd', 'process_madvise', 'process_mrelease', 'unshare', 'setns'];

interface Comparison { op: number; a: number; b: number }

/** One value of a condition as the comparison libseccomp makes; `self` is this process's pid. */
function comparison(v: ArgValue, self: number): Comparison {
  if (typeof v === 'number') return { op: SCMP_CMP_EQ, a: v, b: 0 };
  if (v === 'self') return { op: SCMP_CMP_EQ, a: self, b: 0 };
  const c = ARG_CONSTANTS.get(v);
  if (!c) throw new SeccompError(`unknown argument value '${v}'`);
  return { op: SCMP_CMP_MASKED_EQ, a: c.mask, b: c.value };
}

function valuesOf(c: ArgCondition): ArgValue[] {
  if (Array.isArray(c.equals)) return c.equals;
  if (typeof c.equals === 'object') return Object.keys(c.equals).map((k) => (/^-?\d+$/.test(k) ? Number(k) : k));
  return [c.equals];
}

/** Whether `v` (as compared) matches the request `req` (e.g. TIOCSTI). */
function matchesRequest(v: ArgValue, req: string): boolean {
  const target = ARG_CONSTANTS.get(req);
  if (!target) return false;
  const c = typeof v === 'number' ? { value: v, mask: IOCTL_MASK } : ARG_CONSTANTS.get(v);
  return c !== undefined && ((target.value & c.mask) >>> 0) === c.value >>> 0;
}

/** The complete rules of a role: its own entries plus those of the policies it extends. */
export function resolvePolicy(role: string): Map<string, AllowRule> {
  const policy = POLICIES.get(role);
  if (!policy) throw new SeccompError(`no seccomp policy for role '${role}'`);
  const out = new Map<string, AllowRule>();
  for (const base of policy.extends ?? []) for (const [k, v] of resolvePolicy(base)) out.set(k, v);
  for (const [k, reason] of Object.entries(policy.allow)) out.set(k, { reason });
  for (const [k, c] of Object.entries(policy.allowIf ?? {})) {
    const prev = out.get(k);
    // a role adds values to its base's condition on the same argument (ioctl requests)
    if (prev?.arg === c.arg && prev.equals) out.set(k, { reason: `${prev.reason}; ${c.reason}`, arg: c.arg, equals: [...prev.equals, ...valuesOf(c)] });
    else out.set(k, { reason: c.reason, arg: c.arg, equals: valuesOf(c) });
  }
  validateAllowlist(role, out);
  return out;
}

/**
 * Fails (SeccompError) when an allowlist's rules allow what no role may: an unconditional ioctl
 * or TIOCSTI/TIOCLINUX, a call on another process, a namespace. Checked every time a policy is
 * resolved, so a bad edit of a JSON file stops the daemon instead of loading a weaker filter.
 */
export function validateAllowlist(role: string, rules: ReadonlyMap<string, AllowRule>): void {
  const fail = (m: string): never => { throw new SeccompError(`policy ${role}: ${m}`); };
  for (const [name, rule] of rules) {
    if (rule.reason.trim().length < 10) fail(`${name} has no written reason`);
    for (const v of rule.equals ?? []) if (typeof v === 'string') comparison(v, 1);
    if (NEVER_ALLOWED.includes(name)) fail(`${name} may never be allowed`);
    const self = SELF_ONLY.get(name);
    if (self && (rule.arg !== 0 || !rule.equals || rule.equals.some((v) => !self.includes(v)))) fail(`${name} may only be allowed on the process itself (arg 0: ${self.join(' or ')})`);
    if (name === 'ioctl') {
      if (rule.arg !== 1 || !rule.equals) fail('ioctl must be allowed per request (allowIf on arg 1)');
      for (const v of rule.equals ?? []) for (const bad of FORBIDDEN_IOCTLS) if (matchesRequest(v, bad)) fail(`ioctl ${String(v)} would allow ${bad}`);
    }
  }
}

export interface DenyRule { reason: string; unlessArg?: number; unlessEquals?: ArgValue; ifArg?: number; ifEquals?: ArgValue[] }

/** A denylist role's refusals (empty for allowlist roles). */
export function resolveDenials(role: string): Map<string, DenyRule> {
  const policy = POLICIES.get(role);
  if (!policy) throw new SeccompError(`no seccomp policy for role '${role}'`);
  const out = new Map<string, DenyRule>();
  // a denylist extending another takes its refusals, less the calls its own `allow` names
  for (const base of policy.extends ?? []) for (const [k, v] of resolveDenials(base)) out.set(k, v);
  if (policy.defaultAction === 'allow') for (const k of Object.keys(policy.allow)) out.delete(k);
  for (const [k, reason] of Object.entries(policy.deny ?? {})) out.set(k, { reason });
  for (const [k, c] of Object.entries(policy.denyUnless ?? {})) {
    if (typeof c.equals === 'string' && c.equals !== 'self') throw new SeccompError(`policy ${role}: denyUnless ${k} compares with a number or "self"`);
    out.set(k, { reason: c.reason, unlessArg: c.arg, unlessEquals: c.equals });
  }
  for (const [k, c] of Object.entries(policy.denyIf ?? {})) {
    const values = valuesOf(c);
    for (const v of values) if (typeof v === 'string') comparison(v, 1);
    out.set(k, { reason: c.reason, ifArg: c.arg, ifEquals: values });
  }
  return out;
}

/** True for a denylist role (default action allow). */
export function isDenylist(role: string): boolean {
  return POLICIES.get(role)?.defaultAction === 'allow';
}

interface Lib {
  koffi: { errno(): number };
  init(action: number): unknown;
  release(ctx: unknown): void;
  attrSet(ctx: unknown, attr: number, value: number): number;
  resolve(name: string): number;
  ruleAdd(ctx: unknown, action: number, nr: number, count: number, cmps: unknown): number;
  load(ctx: unknown): number;
  arch(): number;
  prctl(option: number, a: number, b: number, c: number, d: number): number;
}

let lib: Lib | undefined;

function bind(): Lib {
  if (lib) return lib;
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(p: string): { func(s: string): (...a: unknown[]) => unknown };
    struct(name: string, def: Record<string, string>): unknown;
    errno(): number;
  };
  const s = koffi.load('libseccomp.so.2');
  const c = koffi.load('libc.so.6');
  koffi.struct('scmp_arg_cmp', { arg: 'uint32', op: 'int', datum_a: 'uint64', datum_b: 'uint64' });
  lib = {
    koffi,
    init: s.func('void *seccomp_init(uint32_t def_action)') as Lib['init'],
    release: s.func('void seccomp_release(void *ctx)') as Lib['release'],
    attrSet: s.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)') as Lib['attrSet'],
    resolve: s.func('int seccomp_syscall_resolve_name(const char *name)') as Lib['resolve'],
    ruleAdd: s.func('int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const scmp_arg_cmp *arg_array)') as Lib['ruleAdd'],
    load: s.func('int seccomp_load(void *ctx)') as Lib['load'],
    arch: s.func('uint32_t seccomp_arch_native(void)') as Lib['arch'],
    prctl: c.func('int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d)') as Lib['prctl'],
  };
  return lib;
}

/** Loads libseccomp now: after a chroot it can no longer be found. */
export function preloadSeccomp(): void {
  bind();
}

export interface ApplyOptions {
  /** 'log': violations are logged by the kernel instead of killing (profiling, never in production). */
  mode?: 'enforce' | 'log';
  /** Extra syscalls allowed for this process only (e.g. a test harness's own needs). */
  extra?: string[];
  /**
   * false: do not set PR_SET_NO_NEW_PRIVS. Only a root process may load a filter so (the kernel
   * demands CAP_SYS_ADMIN); upsmon's dispatcher does it for the setuid shutdown helper, which
   * no_new_privs would strip of its setuid bit. Default true.
   */
  noNewPrivs?: boolean;
}

/**
 * Sets PR_SET_NO_NEW_PRIVS and loads the role's filter into every thread. Throws SeccompError
 * when the architecture is not one the policies were profiled on, or libseccomp refuses.
 */
export function applySeccomp(role: string, opts: ApplyOptions = {}): void {
  if (isDenylist(role)) { applyDenylist(role, opts); return; }
  const allow = resolvePolicy(role);
  // "self" is the process loading the filter (a forked child builds its own: confine.ts)
  const self = process.pid;
  const l = bind();
  // Node opens its stdout/stderr handles lazily, asking the kernel what they are (a pipe, a
  // socket under systemd) on first use: do it now, so no role needs those calls afterwards.
  void process.stdout.writable;
  void process.stderr.writable;
  const arch = l.arch();
  if (!SUPPORTED_ARCHES.has(arch)) throw new SeccompError(`seccomp policies are not profiled for architecture 0x${arch.toString(16)}`);
  if (l.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) throw new SeccompError(`prctl(PR_SET_NO_NEW_PRIVS) failed (errno ${l.koffi.errno()})`);
  const ctx = l.init(opts.mode === 'log' ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
  if (!ctx) throw new SeccompError('seccomp_init failed');
  try {
    check(l.attrSet(ctx, SCMP_FLTATR_CTL_TSYNC, 1), 'TSYNC');
    check(l.attrSet(ctx, SCMP_FLTATR_CTL_NNP, 1), 'NO_NEW_PRIVS');
    // Every syscall runs the filter. As a list, read and write were checked against the whole
    // allowlist: 0.2–0.5 µs of upsd's ~7.6 µs per GET VAR (BENCHMARKS.md). A tree checks about
    // log2 of it. Same rules either way; an older libseccomp without the option keeps the list.
    l.attrSet(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (const name of opts.extra ?? []) if (!allow.has(name)) allow.set(name, { reason: 'extra' });
    for (const [name, rule] of allow) {
      const nr = l.resolve(name);
      if (nr < 0) continue; // not on this architecture (e.g. epoll_wait on aarch64)
      if (name === 'clone') {
        // threads only: CLONE_THREAD set and no namespace flag, in one masked comparison
        const ns = NAMESPACE_FLAGS.reduce((m, f) => m | (ARG_CONSTANTS.get(f)?.value ?? 0), 0);
        check(l.ruleAdd(ctx, SCMP_ACT_ALLOW, nr, 1, [{ arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: (CLONE_THREAD | ns) >>> 0, datum_b: CLONE_THREAD }]), 'clone');
      } else if (rule.arg !== undefined && rule.equals !== undefined) {
        // one rule per permitted value: libseccomp ORs rules of the same syscall
        for (const v of rule.equals) addCompare(l, ctx, SCMP_ACT_ALLOW, nr, rule.arg, comparison(v, self), name);
      } else {
        check(l.ruleAdd(ctx, SCMP_ACT_ALLOW, nr, 0, null), name);
      }
    }
    const clone3 = l.resolve('clone3');
    if (clone3 >= 0) check(l.ruleAdd(ctx, scmpActErrno(ENOSYS), clone3, 0, null), 'clone3');
    check(l.load(ctx), 'load');
  } finally {
    l.release(ctx);
  }
}

/**
 * A denylist role: everything is allowed but the listed calls, which fail with EPERM (a program
 * the dispatcher runs inherits the filter: an error it can report beats a SIGSYS death). In log
 * mode the listed calls are logged by the kernel and allowed.
 */
function applyDenylist(role: string, opts: ApplyOptions): void {
  const deny = resolveDenials(role);
  const self = process.pid;
  const l = bind();
  void process.stdout.writable;
  void process.stderr.writable;
  const arch = l.arch();
  if (!SUPPORTED_ARCHES.has(arch)) throw new SeccompError(`seccomp policies are not profiled for architecture 0x${arch.toString(16)}`);
  const nnp = opts.noNewPrivs !== false;
  if (nnp && l.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) throw new SeccompError(`prctl(PR_SET_NO_NEW_PRIVS) failed (errno ${l.koffi.errno()})`);
  const ctx = l.init(SCMP_ACT_ALLOW);
  if (!ctx) throw new SeccompError('seccomp_init failed');
  const action = opts.mode === 'log' ? SCMP_ACT_LOG : scmpActErrno(EPERM);
  try {
    check(l.attrSet(ctx, SCMP_FLTATR_CTL_TSYNC, 1), 'TSYNC');
    check(l.attrSet(ctx, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0), 'NO_NEW_PRIVS');
    for (const [name, rule] of deny) {
      const nr = l.resolve(name);
      if (nr < 0) continue; // not on this architecture
      if (rule.unlessArg !== undefined && rule.unlessEquals !== undefined) {
        // a full 64-bit "not equal": a pid with stray high bits is refused too
        const v = rule.unlessEquals === 'self' ? self : Number(rule.unlessEquals);
        check(l.ruleAdd(ctx, action, nr, 1, [{ arg: rule.unlessArg, op: SCMP_CMP_NE, datum_a: v, datum_b: 0 }]), name);
      } else if (rule.ifArg !== undefined && rule.ifEquals !== undefined) {
        // masked where the kernel reads fewer bits (an ioctl request is 32): no high-bit bypass
        for (const v of rule.ifEquals) addCompare(l, ctx, action, nr, rule.ifArg, comparison(v, self), name);
      } else {
        check(l.ruleAdd(ctx, action, nr, 0, null), name);
      }
    }
    // clone3's flags sit in a struct the filter cannot read: ENOSYS, and glibc falls back to
    // clone, whose namespace flags the rules above refuse (issue 19 item 10)
    const clone3 = l.resolve('clone3');
    if (clone3 >= 0) check(l.ruleAdd(ctx, scmpActErrno(ENOSYS), clone3, 0, null), 'clone3');
    check(l.load(ctx), 'load');
  } finally {
    l.release(ctx);
  }
}

function addCompare(l: Lib, ctx: unknown, action: number, nr: number, arg: number, c: Comparison, what: string): void {
  check(l.ruleAdd(ctx, action, nr, 1, [{ arg, op: c.op, datum_a: c.a, datum_b: c.b }]), what);
}

function check(rc: number, what: string): void {
  if (rc !== 0) throw new SeccompError(`seccomp ${what} failed (${rc})`);
}

export type SeccompMode = 'enforce' | 'log' | 'off';

/**
 * Whether a daemon loads its filter: HARDNUT_SECCOMP=enforce|log|off; by default enforce when
 * started as root (a real install), off otherwise (a developer's laptop). Decide it before the
 * privilege drop: afterwards the process is no longer root.
 */
export function seccompMode(env: Readonly<Record<string, string | undefined>>, startedAsRoot: boolean): SeccompMode {
  const v = env['HARDNUT_SECCOMP'];
  if (v === 'enforce' || v === 'log' || v === 'off') return v;
  return startedAsRoot ? 'enforce' : 'off';
}
