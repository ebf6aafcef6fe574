// Death tests (issue 5): inside the real sandbox of a role — dropped to nut, its seccomp filter
// loaded — each forbidden call fails or kills the process, as the policy states.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireRoot } from '../support/peers.js';
import { POLICIES, resolvePolicy } from '../../src/sandbox/seccomp.js';

let child = '';
let scratch = '';
beforeAll(async () => {
  // inside the repo, so the child resolves koffi from node_modules like the real executable
  const cache = new URL('../../node_modules/.cache/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  child = join(mkdtempSync(join(cache, 'hn-seccomp-')), 'child.mjs');
  scratch = mkdtempSync(join(tmpdir(), 'hn-scratch-'));
  chmodSync(scratch, 0o777);
  await build({
    entryPoints: [new URL('./fixtures/seccomp-child.ts', import.meta.url).pathname],
    outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    external: ['koffi'], logLevel: 'warning',
  });
});
afterAll(() => { for (const d of [scratch, child && dirname(child)]) if (d) rmSync(d, { recursive: true, force: true }); });

function attempt(role: string, what: string): { signal: NodeJS.Signals | null; out: string } {
  const r = spawnSync(process.execPath, [child, role, what, scratch], { encoding: 'utf8', timeout: 20_000, cwd: '/' });
  return { signal: r.signal, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('seccomp policies', () => {
  it('every syscall a policy allows has its reason written down', () => {
    for (const policy of POLICIES.values()) {
      for (const [name, rule] of resolvePolicy(policy.role)) {
        expect(rule.reason.length, `${policy.role}: ${name}`).toBeGreaterThan(10);
      }
    }
  });

  it('no policy allows what no role may do', () => {
    const never = ['execve', 'execveat', 'fork', 'vfork', 'ptrace', 'mount', 'umount2', 'setuid', 'setgid', 'setresuid', 'setreuid', 'chmod', 'fchmod', 'fchmodat', 'kill', 'init_module', 'bpf', 'keyctl', 'reboot', 'chroot', 'pivot_root', 'unshare', 'setns'];
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

/** Per role: what each forbidden attempt must do. Roles not listed here are tested by their own suites. */
const DEATH: Record<string, Record<string, 'SIGSYS' | 'ALLOWED-BY-POLICY'>> = {
  'driver-file': { execve: 'SIGSYS', shell: 'SIGSYS', inet: 'SIGSYS', ptrace: 'SIGSYS', mount: 'SIGSYS', setuid: 'SIGSYS', chmod: 'SIGSYS', kill: 'SIGSYS' },
  // a network driver may open Internet sockets; nothing else
  'driver-network': { execve: 'SIGSYS', shell: 'SIGSYS', inet: 'ALLOWED-BY-POLICY', ptrace: 'SIGSYS', mount: 'SIGSYS', setuid: 'SIGSYS', chmod: 'SIGSYS', kill: 'SIGSYS' },
  // upsd's listeners are bound before the filter: no new Internet socket after it
  upsd: { execve: 'SIGSYS', shell: 'SIGSYS', inet: 'SIGSYS', ptrace: 'SIGSYS', mount: 'SIGSYS', setuid: 'SIGSYS', chmod: 'SIGSYS', kill: 'SIGSYS' },
};

for (const [role, attempts] of Object.entries(DEATH)) {
  describe(`death tests, role ${role}`, () => {
    it('the sandbox itself leaves the process working (control)', (ctx) => {
      requireRoot(ctx);
      expect(attempt(role, 'none')).toEqual({ signal: null, out: 'ALIVE' });
    });

    for (const [what, expected] of Object.entries(attempts)) {
      it(`${what}: ${expected === 'SIGSYS' ? 'kills the process (SIGSYS)' : 'allowed by this role'}`, (ctx) => {
        requireRoot(ctx);
        const r = attempt(role, what);
        if (expected === 'SIGSYS') {
          expect(r.out).not.toMatch(/ALLOWED/);
          expect(r.signal).toBe('SIGSYS');
        } else {
          expect(r.signal).toBeNull();
        }
      });
    }

    it('open of /etc/shadow fails with EACCES (no longer root)', (ctx) => {
      requireRoot(ctx);
      expect(attempt(role, 'shadow')).toEqual({ signal: null, out: 'ERROR EACCES' });
    });
  });
}

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
