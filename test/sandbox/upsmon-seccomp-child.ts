// Run by test/sandbox/upsmon-seccomp.test.ts (bundled with esbuild): enters one of upsmon's
// seccomp roles the way the real process does — dropped to its user when root (nut for the
// dispatcher, nobody for the network child), no_new_privs, the role's filter — then attempts
// one thing and prints what happened. A SIGSYS death is an allowlist's answer; "ERROR EPERM"
// (or "errno 1") the denylist's.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import net from 'node:net';
import { applySeccomp, preloadSeccomp } from '../../src/sandbox/seccomp.js';
import { dropToUser } from '../../src/sandbox/confine.js';
import { isRoot, lookupUser } from '../../src/sandbox/drop-privileges.js';

const [role = 'dispatcher', attempt = 'none'] = process.argv.slice(2);
const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): { func(s: string): (...a: unknown[]) => number }; errno(): number };
const libc = koffi.load('libc.so.6');
const ptrace = libc.func('long ptrace(int request, int pid, void *addr, void *data)');
const personality = libc.func('int personality(unsigned long persona)');
const syscall3 = libc.func('long syscall(long number, long a, long b, long c)');
const IO_URING_SETUP = 425; // the same number on x86_64 and aarch64
preloadSeccomp();
if (isRoot()) {
  const user = lookupUser(role === 'upsmon-net' ? 'nobody' : 'nut');
  if (!user) throw new Error('no such user');
  dropToUser(user);
}
applySeccomp(role);

const report = (what: string): void => { process.stdout.write(`${what}\n`); };
const libcResult = (rc: number): string => (rc >= 0 ? 'ALLOWED' : `ERROR errno ${koffi.errno()}`);
const connectScript = "require('net').connect(9,'127.0.0.1').on('error',(e)=>{console.log(e.code);process.exit(0)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)})";
switch (attempt) {
  case 'none': report('ALIVE'); break;
  case 'inet': {
    const s = net.createConnection({ host: '127.0.0.1', port: 9 });
    s.on('error', (e: NodeJS.ErrnoException) => report(`ERROR ${e.code ?? e.message}`));
    s.on('connect', () => { report('ALLOWED'); s.destroy(); });
    break;
  }
  case 'unix': {
    const s = net.createConnection('/nonexistent/hardnut-test.sock');
    s.on('error', (e: NodeJS.ErrnoException) => report(`ERROR ${e.code ?? e.message}`));
    break;
  }
  case 'exec': {
    const r = spawnSync('/bin/true');
    report(r.error ? `ERROR ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` : `EXIT ${String(r.status)}`);
    break;
  }
  case 'exec-inet': {
    // what a NOTIFYCMD would meet: the filter is inherited across exec
    const r = spawnSync(process.execPath, ['-e', connectScript], { encoding: 'utf8' });
    report(`CHILD ${r.stdout.trim()}`);
    break;
  }
  case 'open': try { openSync('/etc/hostname', 'r'); report('ALLOWED'); } catch (e) { report(`ERROR ${(e as NodeJS.ErrnoException).code ?? ''}`); } break;
  case 'ptrace': report(libcResult(ptrace(0, 0, null, null))); break;
  case 'personality': report(libcResult(personality(0xffffffff))); break;
  case 'io_uring': report(libcResult(syscall3(IO_URING_SETUP, 1, 0, 0))); break;
  default: report(`unknown attempt ${attempt}`);
}
