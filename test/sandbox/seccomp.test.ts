// The seccomp policies as written (issue 5): reasons, what no role may do, argument filters; and
// a driver doing real work under its filter. The death tests run per row in roles.test.ts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRoot } from '../support/peers.js';
import { ARG_CONSTANTS, FORBIDDEN_IOCTLS, NAMESPACE_FLAGS, NEVER_ALLOWED, POLICIES, SELF_ONLY, isDenylist, resolveDenials, resolvePolicy, validateAllowlist, type AllowRule } from '../../src/sandbox/seccomp.js';

describe('seccomp policies', () => {
  it('every syscall a policy allows has its reason written down', () => {
    for (const policy of POLICIES.values()) {
      for (const [name, rule] of resolvePolicy(policy.role)) {
        expect(rule.reason.length, `${policy.role}: ${name}`).toBeGreaterThan(10);
      }
    }
  });

  it('no policy allows what no role may do', () => {
    const never = ['execve', 'execveat', 'fork', 'vfork', 'ptrace', 'mount', 'umount2', 'setuid', 'setgid', 'setresuid', 'setreuid', 'chmod', 'fchmod', 'fchmodat', 'init_module', 'bpf', 'keyctl', 'reboot', 'chroot', 'pivot_root', ...NEVER_ALLOWED];
    for (const policy of POLICIES.values()) {
      // 'dispatcher' (upsmon) is excluded on purpose: it must exec NOTIFYCMDs and the shutdown
      // helper, which inherit its filter, so it is a denylist (default allow) and cannot forbid
      // exec or fork. What it does forbid is tested in test/sandbox/upsmon-seccomp.test.ts.
      if (policy.defaultAction === 'allow') continue;
      const allowed = resolvePolicy(policy.role);
      for (const n of never) expect(allowed.has(n), `${policy.role} allows ${n}`).toBe(false);
    }
  });
});

describe('argument filters (issue 19): no terminal, no neighbour, no namespace', () => {
  const allowlists = [...POLICIES.values()].filter((p) => p.defaultAction !== 'allow').map((p) => p.role);

  it('every allowlist allows ioctl per request, never TIOCSTI or TIOCLINUX', () => {
    for (const role of allowlists) {
      const ioctl = resolvePolicy(role).get('ioctl');
      expect(ioctl?.arg, role).toBe(1);
      for (const bad of FORBIDDEN_IOCTLS) expect(ioctl?.equals, role).not.toContain(bad);
    }
    // what each role needs, and nothing of another role's device
    expect(resolvePolicy('upsd').get('ioctl')?.equals).toEqual(['FIONBIO', 'FIOCLEX', 'TCGETS', 'TCSETS', 'TIOCGWINSZ']);
    expect(resolvePolicy('driver-serial').get('ioctl')?.equals).toEqual(expect.arrayContaining(['TIOCMGET', 'TIOCMSET', 'TCFLSH', 'TCSBRK']));
    expect(resolvePolicy('driver-usb').get('ioctl')?.equals).toEqual(expect.arrayContaining(['HIDIOCGFEATURE', 'HIDIOCSFEATURE']));
    expect(resolvePolicy('driver-file').get('ioctl')?.equals).not.toContain('TIOCMSET');
  });

  it('every allowlist allows kill, tgkill and prlimit64 only on the process itself', () => {
    for (const role of allowlists) {
      const rules = resolvePolicy(role);
      for (const [name, values] of SELF_ONLY) {
        const r = rules.get(name);
        if (!r) continue; // not allowed at all: stricter still
        expect(r.arg, `${role} ${name}`).toBe(0);
        for (const v of r.equals ?? ['unconditional']) expect(values, `${role} ${name} ${String(v)}`).toContain(v);
      }
      expect(rules.get('kill')?.equals, role).toEqual(['self']);
      expect(rules.get('prlimit64')?.equals, role).toEqual([0, 'self']);
    }
  });

  it('the dispatcher (a denylist) refuses the same: calls on other pids, TIOCSTI, namespaces, pidfd signals', () => {
    expect(isDenylist('dispatcher')).toBe(true);
    const d = resolveDenials('dispatcher');
    for (const name of SELF_ONLY.keys()) {
      expect(d.get(name)?.unlessArg, name).toBe(0);
      expect(['self', 0], name).toContain(d.get(name)?.unlessEquals);
    }
    for (const name of NEVER_ALLOWED) expect(d.has(name), name).toBe(true);
    expect(d.get('ioctl')).toMatchObject({ ifArg: 1, ifEquals: FORBIDDEN_IOCTLS });
    expect([...(d.get('clone')?.ifEquals ?? [])].sort()).toEqual([...NAMESPACE_FLAGS].sort());
  });

  it('a policy edit that would allow a forbidden call is refused when the policy is resolved', () => {
    const base = resolvePolicy('driver-file');
    const bad = (name: string, rule: AllowRule): (() => void) => () => validateAllowlist('edited', new Map([...base, [name, rule]]));
    const reason = 'a reason long enough';
    expect(bad('ioctl', { reason })).toThrow(/per request/);
    expect(bad('ioctl', { reason, arg: 1, equals: ['FIONBIO', 'TIOCSTI'] })).toThrow(/TIOCSTI/);
    expect(bad('ioctl', { reason, arg: 1, equals: [0x541c] })).toThrow(/TIOCLINUX/);
    expect(bad('ioctl', { reason, arg: 1, equals: ['TIOCNOSUCH'] })).toThrow(/unknown argument value/);
    expect(bad('kill', { reason })).toThrow(/itself/);
    expect(bad('kill', { reason, arg: 0, equals: [0] })).toThrow(/itself/);
    expect(bad('prlimit64', { reason, arg: 1, equals: [0] })).toThrow(/itself/);
    expect(bad('pidfd_send_signal', { reason })).toThrow(/never/);
    expect(bad('unshare', { reason })).toThrow(/never/);
    expect(bad('getpid', { reason: 'short' })).toThrow(/reason/);
    expect(() => validateAllowlist('driver-file', base)).not.toThrow();
  });

  it('named values are the kernel\'s (asm-generic, x86_64 and aarch64)', () => {
    expect(ARG_CONSTANTS.get('TIOCSTI')).toEqual({ value: 0x5412, mask: 0xffffffff });
    expect(ARG_CONSTANTS.get('TIOCLINUX')?.value).toBe(0x541c);
    expect(ARG_CONSTANTS.get('CLONE_NEWUSER')).toEqual({ value: 0x10000000, mask: 0x10000000 });
    // HIDIOCGFEATURE(len): any length, bits 16-29
    const g = ARG_CONSTANTS.get('HIDIOCGFEATURE');
    expect(g && ((0xc0404807 & g.mask) >>> 0) === g.value).toBe(true);
  });
});

// The death tests of every row's policy (execve, a shell, an AF_INET socket, ptrace, mount,
// setuid, chmod, kill of another pid, /etc/shadow) are generated from the role table in
// test/sandbox/roles.test.ts.

describe('a driver under its filter', () => {
  it('runs with Seccomp 2, NoNewPrivs 1 and no capabilities when started as root', async (ctx) => {
    requireRoot(ctx);
    const { makeTestDir, startHardnutDriver, talk, waitForSocket } = await import('../support/stack.js');
    const d = makeTestDir({ 'ups.conf': '[s]\n\tdriver = dummy-ups\n\tport = s.seq\n', 's.seq': 'ups.status: OL\nTIMER 1\nups.status: OB\nTIMER 1\n' });
    const proc = startHardnutDriver(d, 'dummy-ups', 's', ['-i', '1']);
    try {
      await waitForSocket(join(d.state, 'dummy-ups-s'));
      const { waitFor } = await import('../support/stack.js');
      // the filter is the last start-up step, just after the socket appears
      const status = await waitFor('seccomp in force', () => {
        const st = readFileSync(`/proc/${proc.child.pid}/status`, 'latin1');
        return /^Seccomp:\s+2$/m.test(st) ? st : undefined;
      });
      expect(status).toMatch(/^Seccomp:\s+2$/m);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      // real work for a while: loops of the .seq, clients, SET, garbage, an over-long line
      const end = Date.now() + 8000;
      while (Date.now() < end) {
        await talk(join(d.state, 'dummy-ups-s'), 'DUMPALL\nSET x.y "1" TRACKING a\nGETPID\nPING\n', /PONG/);
        await talk(join(d.state, 'dummy-ups-s'), `x "a#b"\n${'A'.repeat(40_000)}`, /$/).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(proc.child.exitCode).toBeNull();
      expect(proc.child.signalCode).toBeNull();
      expect(await proc.stop()).toBe(0);
    } finally {
      await proc.stop();
      d.cleanup();
    }
  }, 30_000);
});
