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
import dispatcher from '../../policy/seccomp/dispatcher.json' with { type: 'json' };
import upsd from '../../policy/seccomp/upsd.json' with { type: 'json' };

export interface SeccompPolicy {
  role: string;
  description: string;
  /** Other policies whose allows this one includes. */
  extends?: string[];
  /** syscall name → why this role needs it */
  allow: Record<string, string>;
  /** syscalls allowed only when one argument equals a value (e.g. socket only for AF_UNIX) */
  allowIf?: Record<string, { arg: number; equals: number | number[]; reason: string }>;
  /**
   * 'kill' (the default): an allowlist, anything else kills the process. 'allow': a denylist, for
   * a process that runs programs it does not know — upsmon's dispatcher execs NOTIFYCMDs, and a
   * filter is inherited across exec, so only calls no notification program needs can be refused.
   */
  defaultAction?: 'kill' | 'allow';
  /** Denylist roles: syscall name → why it is refused (answered with EPERM). */
  deny?: Record<string, string>;
  /** Denylist roles: refused (EPERM) unless one argument equals a value (e.g. socket unless AF_UNIX). */
  denyUnless?: Record<string, { arg: number; equals: number; reason: string }>;
}

export interface AllowRule { reason: string; arg?: number; equals?: number[] }

export const POLICIES: ReadonlyMap<string, SeccompPolicy> = new Map<string, SeccompPolicy>([
  [nodeBase.role, nodeBase],
  [driverFile.role, driverFile],
  [driverNetwork.role, driverNetwork],
  [driverSerial.role, driverSerial],
  [driverSnmp.role, driverSnmp],
  [driverUsb.role, driverUsb],
  [upsmonNet.role, upsmonNet],
  [dispatcher.role, dispatcher as SeccompPolicy],
  [upsd.role, upsd],
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

/** The complete rules of a role: its own entries plus those of the policies it extends. */
export function resolvePolicy(role: string): Map<string, AllowRule> {
  const policy = POLICIES.get(role);
  if (!policy) throw new SeccompError(`no seccomp policy for role '${role}'`);
  const out = new Map<string, AllowRule>();
  for (const base of policy.extends ?? []) for (const [k, v] of resolvePolicy(base)) out.set(k, v);
  for (const [k, reason] of Object.entries(policy.allow)) out.set(k, { reason });
  for (const [k, c] of Object.entries(policy.allowIf ?? {})) out.set(k, { reason: c.reason, arg: c.arg, equals: Array.isArray(c.equals) ? c.equals : [c.equals] });
  return out;
}

export interface DenyRule { reason: string; unlessArg?: number; unlessEquals?: number }

/** A denylist role's refusals (empty for allowlist roles). */
export function resolveDenials(role: string): Map<string, DenyRule> {
  const policy = POLICIES.get(role);
  if (!policy) throw new SeccompError(`no seccomp policy for role '${role}'`);
  const out = new Map<string, DenyRule>();
  for (const [k, reason] of Object.entries(policy.deny ?? {})) out.set(k, { reason });
  for (const [k, c] of Object.entries(policy.denyUnless ?? {})) out.set(k, { reason: c.reason, unlessArg: c.arg, unlessEquals: c.equals });
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
        check(l.ruleAdd(ctx, SCMP_ACT_ALLOW, nr, 1, [{ arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: CLONE_THREAD, datum_b: CLONE_THREAD }]), 'clone');
      } else if (rule.arg !== undefined && rule.equals !== undefined) {
        // one rule per permitted value: libseccomp ORs rules of the same syscall
        for (const v of rule.equals) check(l.ruleAdd(ctx, SCMP_ACT_ALLOW, nr, 1, [{ arg: rule.arg, op: SCMP_CMP_EQ, datum_a: v, datum_b: 0 }]), name);
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
        check(l.ruleAdd(ctx, action, nr, 1, [{ arg: rule.unlessArg, op: SCMP_CMP_NE, datum_a: rule.unlessEquals, datum_b: 0 }]), name);
      } else {
        check(l.ruleAdd(ctx, action, nr, 0, null), name);
      }
    }
    check(l.load(ctx), 'load');
  } finally {
    l.release(ctx);
  }
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

/** The last start-up step of a daemon: from here on only the role's syscalls are allowed. */
export function enterSeccomp(role: string, mode: SeccompMode, note: (message: string) => void = () => undefined): void {
  if (mode === 'off') { note('seccomp off (not started as root; HARDNUT_SECCOMP=enforce to force it)'); return; }
  applySeccomp(role, { mode });
  note(`seccomp role ${role} (${mode})`);
}
