// upsmon's two seccomp roles (issue 4): 'upsmon-net', an allowlist — the jailed network child
// may talk TCP and nothing else (no exec, no files); 'dispatcher', a denylist — it must exec
// NOTIFYCMDs, which inherit its filter, so it refuses (EPERM) what none of them needs: any socket
// but AF_UNIX, ptrace, io_uring, personality, mounts, BPF… — for itself and for what it runs.
// 'notifier' (issue 20 item 6): the dispatcher's denylist less the socket rule — NOTIFYCMD now
// runs there, and a mail script needs TCP; the dispatcher itself still has none.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { requireRoot } from '../support/peers.js';
import { POLICIES, isDenylist, resolveDenials, resolvePolicy } from '../../src/sandbox/seccomp.js';

let child = '';
beforeAll(async () => {
  const cache = new URL('../../node_modules/.cache/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  child = join(mkdtempSync(join(cache, 'hn-upsmon-seccomp-')), 'child.mjs');
  await build({
    entryPoints: [new URL('./upsmon-seccomp-child.ts', import.meta.url).pathname],
    outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    external: ['koffi'], logLevel: 'warning',
  });
});
afterAll(() => { for (const d of [child && dirname(child)]) if (d) rmSync(d, { recursive: true, force: true }); });

function attempt(role: string, what: string): { signal: NodeJS.Signals | null; out: string } {
  const r = spawnSync(process.execPath, [child, role, what], { encoding: 'utf8', timeout: 20_000, cwd: '/' });
  return { signal: r.signal, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('upsmon seccomp policies', () => {
  it('upsmon-net is an allowlist without exec, files or privilege calls', () => {
    expect(POLICIES.has('upsmon-net')).toBe(true);
    expect(isDenylist('upsmon-net')).toBe(false);
    const allowed = resolvePolicy('upsmon-net');
    expect(allowed.get('kill')?.equals, 'kill only of itself').toEqual(['self']);
    for (const n of ['execve', 'execveat', 'fork', 'vfork', 'openat', 'open', 'ptrace', 'setuid', 'chroot', 'mount', 'bpf', 'io_uring_setup']) {
      expect(allowed.has(n), `upsmon-net allows ${n}`).toBe(false);
    }
    expect(allowed.get('socket')?.equals).toEqual([1, 2, 10]);
  });

  it('dispatcher is a denylist that refuses every socket but AF_UNIX and the calls no notification needs, each with its reason', () => {
    expect(isDenylist('dispatcher')).toBe(true);
    const denied = resolveDenials('dispatcher');
    expect(denied.get('socket')).toMatchObject({ unlessArg: 0, unlessEquals: 1 });
    for (const n of ['ptrace', 'process_vm_writev', 'mount', 'bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'keyctl', 'init_module', 'kexec_load', 'unshare', 'setns', 'personality', 'open_by_handle_at']) {
      expect(denied.has(n), `dispatcher refuses ${n}`).toBe(true);
    }
    for (const [n, rule] of denied) expect(rule.reason.length, n).toBeGreaterThan(5);
    // what it must keep: running NOTIFYCMD and the shutdown helper
    for (const n of ['execve', 'fork', 'vfork', 'wait4', 'reboot']) expect(denied.has(n), n).toBe(false);
    // clone: refused only with a namespace flag (issue 19), so fork and threads work
    expect(denied.get('clone')?.ifEquals).toContain('CLONE_NEWUSER');
  });
});

describe('death tests, role upsmon-net', () => {
  it('TCP works inside the filter (control)', (ctx) => {
    requireRoot(ctx);
    expect(attempt('upsmon-net', 'inet')).toEqual({ signal: null, out: 'ERROR ECONNREFUSED' });
  });
  for (const what of ['exec', 'open', 'ptrace', 'personality', 'io_uring']) {
    it(`${what} kills the process (SIGSYS)`, (ctx) => {
      requireRoot(ctx);
      const r = attempt('upsmon-net', what);
      expect(r.out).not.toMatch(/ALLOWED|EXIT 0/);
      expect(r.signal).toBe('SIGSYS');
    });
  }
});

describe('death tests, role dispatcher', () => {
  it('runs a program and reaches AF_UNIX sockets (control)', (ctx) => {
    requireRoot(ctx);
    expect(attempt('dispatcher', 'exec')).toEqual({ signal: null, out: 'EXIT 0' });
    expect(attempt('dispatcher', 'unix')).toEqual({ signal: null, out: 'ERROR ENOENT' });
  });

  it('no TCP: socket(AF_INET) is refused, for the dispatcher and for a program it runs', (ctx) => {
    requireRoot(ctx);
    expect(attempt('dispatcher', 'inet')).toEqual({ signal: null, out: 'ERROR EPERM' });
    expect(attempt('dispatcher', 'exec-inet')).toEqual({ signal: null, out: 'CHILD EPERM' });
  });

  it("the notifier's filter, where NOTIFYCMD runs now, lets it and a program it runs open TCP; the rest of the dispatcher's refusals stay", (ctx) => {
    requireRoot(ctx);
    const d = resolveDenials('dispatcher');
    const n = resolveDenials('notifier');
    expect(n.has('socket')).toBe(false);
    expect([...d.keys()].filter((k) => k !== 'socket' && !n.has(k))).toEqual([]);
    // a connection to port 9 on 127.0.0.1: refused by the kernel (nothing listens), not by the filter
    expect(attempt('notifier', 'inet')).toEqual({ signal: null, out: 'ERROR ECONNREFUSED' });
    expect(attempt('notifier', 'exec-inet')).toEqual({ signal: null, out: 'CHILD ECONNREFUSED' });
    expect(attempt('notifier', 'ptrace')).toEqual({ signal: null, out: 'ERROR errno 1' });
  });

  for (const what of ['ptrace', 'personality', 'io_uring']) {
    it(`${what} fails with EPERM (allowed to nut without the filter)`, (ctx) => {
      requireRoot(ctx);
      expect(attempt('dispatcher', what)).toEqual({ signal: null, out: 'ERROR errno 1' });
    });
  }
});
