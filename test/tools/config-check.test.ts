import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type Nacl from 'tweetnacl';
import { main } from '../../src/tools/config-check.js';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT } from '../support/stack.js';

/** The NUT user (apt nut-server creates it); the checks as upsd's user need it and root. */
const nacl = createRequire(import.meta.url)('tweetnacl') as typeof Nacl;
const NUT = lookupUser('nut');
const AS_ROOT = process.getuid?.() === 0;
const NUT_PEER = 'root and the nut user (apt nut-server)';

const CONF_SAMPLES = new URL('../../conf/', import.meta.url).pathname;
const SIX = ['nut.conf', 'ups.conf', 'upsd.conf', 'upsd.users', 'upsmon.conf', 'upssched.conf'];

let tmp: string;
let out: string;
let err: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hardnut-config-check-'));
  chmodSync(tmp, 0o711); // upsd's user must reach the files, as in /etc/nut
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes files root:nut with mode 0640 (what a careful admin has), unless a mode is given. */
function write(dir: string, files: Record<string, string>, mode = 0o640): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), mode);
    if (NUT && AS_ROOT) chownSync(join(dir, name), 0, NUT.gid);
  }
  return dir;
}

/** The last line of stdout: the summary (a line saying how upsmon shuts down comes before it). */
const summary = (text: string): string => `${text.trimEnd().split('\n').at(-1) ?? ''}\n`;

/** dummy-ups' data file that GOOD's ups.conf names. */
const DEV = { 'ups1.dev': 'ups.status: OL\n' };

const GOOD = {
  'nut.conf': 'MODE=standalone\n',
  'ups.conf': '[myups]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "Test UPS"\n',
  'upsd.conf': 'LISTEN 127.0.0.1 3493\n',
  'upsd.users': '[monuser]\n\tpassword = "Pw-Alpha-7731"\n\tupsmon primary\n',
  // the shutdown named in the file, so that no host's installation changes the outcome
  'upsmon.conf': 'MONITOR myups@localhost 1 monuser "Pw-Alpha-7731" primary\nSHUTDOWNMETHOD initctl\nPOWERDOWNFLAG /etc/killpower\n',
  'upssched.conf': 'CMDSCRIPT /usr/local/bin/cmd\nPIPEFN /run/nut/upssched.pipe\nLOCKFN /run/nut/upssched.lock\nAT ONBATT * START-TIMER onbatt 30\n',
};

describe('hardnut config check', () => {
  it('a good directory: exit 0, summary on stdout, nothing on stderr', async () => {
    const dir = write(join(tmp, 'good'), { ...GOOD, ...DEV });
    expect(await main(['check', dir], {})).toBe(0);
    expect(summary(out)).toBe(`checked 6 files in ${dir}: 0 errors, 0 warnings\n`);
    expect(err).toBe('');
  });

  it("hardnut's own conf/ samples check clean", async () => {
    const dir = join(tmp, 'samples');
    mkdirSync(dir);
    for (const f of SIX) {
      copyFileSync(join(CONF_SAMPLES, f), join(dir, f));
      chmodSync(join(dir, f), 0o640);
      if (NUT && AS_ROOT) chownSync(join(dir, f), 0, NUT.gid); // as Debian installs them: root:nut
    }
    expect(await main(['check', dir], {})).toBe(0);
    // the sample's SHUTDOWNCMD names the helper where make install puts it (the package names its own)
    const helper = '/usr/local/lib/hardnut/upsshutdown';
    if (!AS_ROOT) {
      expect(out).toContain(`shutdown: command ${helper} poweroff (upsmon is not started as root`);
      expect(err).toBe('');
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 0 errors, 0 warnings\n`);
    } else if (!existsSync(helper)) {
      // as root on a host without it: upsmon would refuse to start, said at the line (a warning: the file may be for another host)
      expect(err).toBe(`${join(dir, 'upsmon.conf')}:27: warning: upsmon on this host would refuse to start: SHUTDOWNCMD names the shutdown helper ${helper}, which is not there or not executable\n`
        + '  hint: install it here (README: installing), or check this file on the host it is for\n');
      expect(out).toContain('shutdown: none: upsmon would refuse to start');
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 0 errors, 1 warning\n`);
    }
  });

  it('DIR defaults to NUT_CONFPATH', async () => {
    const dir = write(join(tmp, 'env'), { 'ups.conf': GOOD['ups.conf'], ...DEV });
    expect(await main(['check'], { NUT_CONFPATH: dir })).toBe(0);
    expect(summary(out)).toBe(`checked 1 file in ${dir}: 0 errors, 0 warnings\n`);
  });

  it('an error exits 1 and is printed as file:line: error: … with its hint', async () => {
    const dir = write(join(tmp, 'bad'), { 'ups.conf': '[myups]\n\tdriver = dummy-ups\n\tpollinterval = 0\n' });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'ups.conf')}:3: error: pollinterval must be`);
    expect(err).toContain(`${join(dir, 'ups.conf')}:1: error: UPS [myups] has no port`);
    expect(err).toMatch(/\n {2}hint: /);
    expect(summary(out)).toBe(`checked 1 file in ${dir}: 2 errors, 0 warnings\n`);
  });

  it('warnings alone exit 0 and are counted', async () => {
    const dir = write(join(tmp, 'warn'), { 'upsd.conf': 'ACL all 0.0.0.0/0\nMAXAGE 15\n' });
    expect(await main(['check', dir], {})).toBe(0);
    expect(err).toContain(`${join(dir, 'upsd.conf')}:1: warning: ACL`);
    expect(summary(out)).toBe(`checked 1 file in ${dir}: 0 errors, 1 warning\n`);
  });

  it('the old 5-word MONITOR line: error naming the line, hint with the 6-word form and upsd.users', async () => {
    const dir = write(join(tmp, 'legacy'), {
      ...GOOD, ...DEV,
      'upsmon.conf': '# converted from NUT 2.4\nMONITOR myups@localhost 1 Legacy-Secret-55 master\nSHUTDOWNCMD x\nPOWERDOWNFLAG /etc/killpower\nMINSUPPLIES 0\n',
    });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsmon.conf')}:2: error: old-style MONITOR line without a username`);
    expect(err).toContain('hint: write MONITOR <ups>@<host>[:<port>] <power value> <username> <password> primary|secondary');
    expect(err).toContain('upsd.users');
    expect(err + out).not.toContain('Legacy-Secret-55');
  });

  it('a MONITOR user that is an OS account and not in upsd.users: says it is an operating-system account', async () => {
    const dir = write(join(tmp, 'osuser'), {
      ...GOOD, ...DEV,
      'upsmon.conf': 'MONITOR myups@localhost 1 root "Root-Pw-4412" primary\nSHUTDOWNCMD x\nPOWERDOWNFLAG /etc/killpower\n',
    });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsmon.conf')}:1: error: MONITOR myups@localhost: user 'root' is not defined in upsd.users`);
    expect(err).toMatch(/'root' is an operating-system account, not an upsd\.users user/);
    expect(err + out).not.toContain('Root-Pw-4412');
  });

  it('a MONITOR user that is neither: hint to add the section', async () => {
    const dir = write(join(tmp, 'nouser'), {
      ...GOOD, ...DEV,
      'upsmon.conf': 'MONITOR myups@127.0.0.1 1 ghost pw primary\nSHUTDOWNCMD x\nPOWERDOWNFLAG /etc/killpower\n',
    });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain('hint: add a [ghost] section with the same password and "upsmon primary" to upsd.users');
  });

  it('cross-checks: case of the username, password mismatch, primary rights, unknown UPS', async () => {
    const dir = write(join(tmp, 'cross'), {
      ...GOOD, ...DEV,
      'upsd.users': '[monuser]\npassword = "Users-Pw-1"\nupsmon secondary\n[other]\npassword = "Users-Pw-2"\nupsmon primary\n',
      'upsmon.conf': [
        'MONITOR myups@localhost 1 MonUser "Users-Pw-1" secondary',
        'MONITOR myups@[::1] 1 other "Mon-Pw-Wrong" primary',
        'MONITOR myups@localhost:3493 1 monuser "Users-Pw-1" primary',
        'MONITOR nosuch@localhost 0 other "Users-Pw-2" secondary',
        'MONITOR elsewhere@nas.example 0 nobody "x" secondary',
        'SHUTDOWNCMD x', 'POWERDOWNFLAG /etc/killpower',
      ].join('\n') + '\n',
    });
    expect(await main(['check', dir], {})).toBe(1);
    const f = join(dir, 'upsmon.conf');
    expect(err).toContain(`${f}:1: error: MONITOR myups@localhost: user 'MonUser' is not defined in upsd.users`);
    expect(err).toContain('usernames are case-sensitive: upsd.users has [monuser]');
    expect(err).toContain(`${f}:2: error: MONITOR myups@[::1]: the password does not match`);
    expect(err).toContain(`${f}:3: error: MONITOR myups@localhost:3493 is primary, but user [monuser] may not act as primary`);
    expect(err).toContain('add "upsmon primary" to the [monuser] section');
    expect(err).toContain(`${f}:4: error: MONITOR nosuch@localhost: there is no UPS [nosuch] in ups.conf`);
    expect(err).not.toContain(`${f}:5:`);
    expect(err + out).not.toMatch(/Users-Pw|Mon-Pw-Wrong/);
  });

  it('passwords never appear in the output, whatever goes wrong', async () => {
    const dir = write(join(tmp, 'secrets'), {
      'upsd.users': '[u]\npassword = "Never-Show-1" extra\npassword = Never-Show-2\nNever-Show-3\n[u]\npassword = Never-Show-4\n',
      'upsmon.conf': 'MONITOR a@localhost 1 u Never-Show-5 boss\nMONITOR b@localhost 1 u\n  Never-Show-6 primary\nCERTIDENT c Never-Show-7 x\nMONITOR a@localhost 1 Never-Show-8 master\n',
      'upsd.conf': 'CERTIDENT name Never-Show-9 more\n',
    }, 0o644);
    expect(await main(['check', dir], {})).toBe(1);
    expect(err.length).toBeGreaterThan(200);
    expect(err + out).not.toContain('Never-Show');
  });

  it('world-readable upsd.users and upsmon.conf: "contains passwords" warnings; world-writable: warning', async () => {
    const dir = write(join(tmp, 'perms'), { 'upsd.users': GOOD['upsd.users'], 'upsmon.conf': GOOD['upsmon.conf'] }, 0o644);
    write(dir, { 'upsd.conf': 'MAXAGE 15\n' }, 0o666);
    expect(await main(['check', dir], {})).toBe(0);
    expect(err).toContain(`${join(dir, 'upsd.users')}: warning: is readable by every user (mode 0644) and contains passwords`);
    expect(err).toContain(`${join(dir, 'upsmon.conf')}: warning: is readable by every user (mode 0644) and contains passwords`);
    expect(err).toContain(`hint: chown root:nut ${join(dir, 'upsd.users')}; chmod 0640 ${join(dir, 'upsd.users')}`);
    expect(err).toContain(`${join(dir, 'upsd.conf')}: warning: is world-writable (mode 0666)`);
    expect(summary(out)).toBe(`checked 3 files in ${dir}: 0 errors, 3 warnings\n`);
  });

  it('a world-writable upsd.users is an error (any local user could add an admin): exit 1, path and mode named', async () => {
    const dir = write(join(tmp, 'ww-users'), { 'upsd.users': GOOD['upsd.users'] }, 0o646);
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsd.users')}: error: is world-writable (mode 0646)`);
    expect(err).toContain(`hint: chmod o-w ${join(dir, 'upsd.users')}`);
    expect(out).toMatch(/: 1 errors?, /);
  });

  describe('what the daemons refuse, check refuses first (their own code)', () => {
    it('an unknown driver variable: exit 1, ups.conf:line, as dummy-ups itself says', async () => {
      const dir = write(join(tmp, 'badvar'), { ...GOOD, ...DEV, 'ups.conf': '[myups]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tbogus = 1\n' });
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain(`${join(dir, 'ups.conf')}:4: error: [myups]: 'bogus' is not a valid variable name for driver dummy-ups`);
      expect(err).toContain('hint: hardnut dummy-ups -L lists the variables it takes');
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 1 error, 0 warnings\n`);
    });

    it('an unknown driver name: exit 1 at the driver line, naming the drivers there are', async () => {
      const dir = write(join(tmp, 'baddrv'), { ...GOOD, 'ups.conf': '[myups]\n\tdriver = dummy-upz\n\tport = ups1.dev\n' });
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain(`${join(dir, 'ups.conf')}:2: error: [myups]: driver dummy-upz is not a hardnut driver, and not found in driverpath: upsdrvctl cannot start it`);
      expect(err).toMatch(/hint: hardnut's drivers are dummy-ups, /);
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 1 error, 0 warnings\n`);
    });

    it('a missing port file: exit 1 at the port line, naming the file dummy-ups would open', async () => {
      const dir = write(join(tmp, 'noport'), GOOD);
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain(`${join(dir, 'ups.conf')}:3: error: [myups]: Can't open dummy-ups definition file ${join(dir, 'ups1.dev')}: no such file: dummy-ups refuses to start`);
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 1 error, 0 warnings\n`);
    });

    it('upsd.users that user nut cannot read (root:root 0640): error with the chown/chmod fix', async (ctx) => {
      requirePeer(ctx, Boolean(NUT) && AS_ROOT, NUT_PEER);
      const dir = write(join(tmp, 'rootonly'), { ...GOOD, ...DEV });
      const users = join(dir, 'upsd.users');
      chownSync(users, 0, 0);
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain(`${users}: error: user nut (upsd reads it as this user on reload) cannot read this file (owner uid 0, group root, mode 0640)`);
      expect(err).toContain(`hint: chown root:nut ${users}; chmod 0640 ${users}`);
      expect(summary(out)).toBe(`checked 6 files in ${dir}: 1 error, 0 warnings\n`);
    });

    it('a config directory user nut cannot enter: error naming the directory', async (ctx) => {
      requirePeer(ctx, Boolean(NUT) && AS_ROOT, NUT_PEER);
      const dir = write(join(tmp, 'closed'), { 'upsd.conf': 'MAXAGE 15\n' });
      chmodSync(dir, 0o700);
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain(`${join(dir, 'upsd.conf')}: error: user nut (upsd reads it as this user on reload) cannot reach this file: it may not enter ${dir} (owner uid 0, group root, mode 0700)`);
      expect(err).toContain(`hint: chgrp nut ${dir}; chmod g+x ${dir}`);
    });
    it("run by an ordinary user, the files need only be that user's: daemons it starts stay that user", async (ctx) => {
      requirePeer(ctx, Boolean(NUT) && AS_ROOT, NUT_PEER);
      // a directory only nobody can enter: the check that root runs complains for nut; nobody's does not
      const dir = write(join(tmp, 'mine'), { ...GOOD, ...DEV });
      chmodSync(join(tmp, 'mine'), 0o700);
      const files = readdirSync(dir).map((f) => join(dir, f));
      for (const p of [dir, ...files]) chownSync(p, 65534, 65534);
      const r = spawnSync(process.execPath, [HARDNUT, 'config', 'check', dir], { uid: 65534, gid: 65534, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
      expect(r.stderr).not.toContain('user nut');
      expect(summary(r.stdout)).toBe(`checked 6 files in ${dir}: 0 errors, 0 warnings\n`);
      expect(r.status).toBe(0);
      // the same directory checked by root: nut could not reach it
      expect(await main(['check', dir], {})).toBe(1);
      expect(err).toContain('user nut (upsd reads it as this user on reload) cannot reach this file');
    });
  });

  it('group-writable is a warning', async () => {
    const dir = write(join(tmp, 'gw'), { 'ups.conf': GOOD['ups.conf'], ...DEV }, 0o660);
    expect(await main(['check', dir], {})).toBe(0);
    expect(err).toContain('is group-writable (mode 0660)');
  });

  it('nut.conf MODE against the files present', async () => {
    const dir = write(join(tmp, 'mode'), { 'nut.conf': 'MODE=standalone\n', 'ups.conf': '# nothing yet\n' });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'nut.conf')}:1: warning: MODE=standalone needs upsd.conf`);
    expect(err).toContain(`${join(dir, 'nut.conf')}:1: error: MODE=standalone starts upsd, but ups.conf defines no UPS`);
  });

  it('spaces around = in nut.conf are an error', async () => {
    const dir = write(join(tmp, 'nutconf'), { 'nut.conf': 'MODE = netclient\n' });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'nut.conf')}:1: error: spaces around '='`);
  });

  it('a config "file" that is a directory is an error', async () => {
    const dir = write(join(tmp, 'notfile'), { 'upsd.conf': 'MAXAGE 15\n' });
    mkdirSync(join(dir, 'ups.conf'));
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'ups.conf')}: error: is not a regular file (a directory)`);
    expect(summary(out)).toBe(`checked 2 files in ${dir}: 1 error, 0 warnings\n`);
  });

  it('missing DIR: exit 1 with a clear message', async () => {
    const dir = join(tmp, 'does-not-exist');
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toBe(`hardnut config check: ${dir}: no such directory\n`);
    expect(out).toBe('');
  });

  it('a DIR without any NUT file: exit 1', async () => {
    const dir = join(tmp, 'empty');
    mkdirSync(dir);
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`no NUT config files in ${dir}`);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    expect(await main([], {})).toBe(2);
    expect(err).toContain('usage: hardnut config check [DIR]');
    expect(await main(['frobnicate'], {})).toBe(2);
    expect(err).toContain("unknown command 'frobnicate'");
    expect(await main(['check', 'a', 'b'], {})).toBe(2);
    expect(await main(['check', '-x'], {})).toBe(2);
    expect(await main(['--help'], {})).toBe(0);
    expect(out).toContain('usage: hardnut config check [DIR]');
  });
});

describe('config check says how upsmon will shut the host down, and why (issue 20 item 7)', () => {
  const mon = (dir: string): string => join(dir, 'upsmon.conf');
  const MONITOR = 'MONITOR myups@localhost 1 monuser "Pw-Alpha-7731" primary';

  it('the method upsmon.conf chose, with file:line; an override from the environment warned', async () => {
    const dir = write(join(tmp, 'method'), { 'upsmon.conf': GOOD['upsmon.conf'] });
    expect(await main(['check', dir], {})).toBe(0);
    // run by an ordinary user, check says the decision is this user's (root's may differ)
    const unprivileged = AS_ROOT ? '' : ' [as upsmon started by this user, not root]';
    expect(out).toContain(`shutdown: initctl /run/initctl or /dev/initctl (SHUTDOWNMETHOD initctl, ${mon(dir)}:2)${unprivileged}\n`);
    out = ''; err = '';
    expect(await main(['check', dir], { HARDNUT_SHUTDOWN_METHOD: 'command' })).toBe(0);
    expect(err).toContain(`${mon(dir)}: warning: HARDNUT_SHUTDOWN_METHOD=command in the environment overrides SHUTDOWNMETHOD initctl (${mon(dir)}:2); put SHUTDOWNMETHOD in ${mon(dir)} instead`);
    expect(out).toContain('shutdown: none, no SHUTDOWNCMD (HARDNUT_SHUTDOWN_METHOD=command in the environment)');
  });

  it('a method that is not one: error at its line, exit 1', async () => {
    const dir = write(join(tmp, 'badmethod'), { 'upsmon.conf': `${MONITOR}\nSHUTDOWNMETHOD systemd\n` });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${mon(dir)}:2: error: SHUTDOWNMETHOD 'systemd' is not a shutdown method: upsmon refuses to start`);
  });

  it('as root: a helper or key in a directory another user can change is an error at the line that named it', async (ctx) => {
    requirePeer(ctx, Boolean(NUT) && AS_ROOT, NUT_PEER);
    const open = join(tmp, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777); // not sticky: anyone may replace what is in it
    const safe = join(tmp, 'safe');
    mkdirSync(safe, { mode: 0o755 });
    const helperIn = (d: string): string => {
      const p = join(d, 'upsshutdown');
      copyFileSync('/bin/true', p);
      chmodSync(p, 0o4755); // setuid root, executable by nut: only its directory is wrong
      return p;
    };
    const keyIn = (d: string): string => {
      const p = join(d, 'upsshutdown.key');
      const pair = nacl.sign.keyPair();
      writeFileSync(p, pair.secretKey, { mode: 0o600 });
      return p;
    };
    const dir = write(join(tmp, 'unsafe'), { 'upsmon.conf': `${MONITOR}\nSHUTDOWNMETHOD helper\nSHUTDOWNHELPER ${helperIn(open)}\nINTENTKEY ${keyIn(safe)}\n` });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${mon(dir)}:3: error: upsmon refuses to start: no way to shut this host down: ${join(open, 'upsshutdown')} is in a directory another user can change (${open} is writable by group or others (mode 777))`);
    expect(out).toContain(`shutdown: helper ${join(open, 'upsshutdown')} (SHUTDOWNMETHOD helper, ${mon(dir)}:2)`);

    out = ''; err = '';
    const dir2 = write(join(tmp, 'unsafekey'), { 'upsmon.conf': `${MONITOR}\nSHUTDOWNCMD "${helperIn(safe)} poweroff"\nINTENTKEY ${keyIn(open)}\n` });
    expect(await main(['check', dir2], {})).toBe(1);
    expect(err).toContain(`${mon(dir2)}:3: error: upsmon refuses to start: no way to shut this host down: the intent key ${join(open, 'upsshutdown.key')} is in a directory another user can change`);
    expect(out).toContain(`shutdown: helper ${join(safe, 'upsshutdown')} (SHUTDOWNCMD names hardnut's helper, ${mon(dir2)}:2)`);

    // both safe: the check passes, and says which helper
    out = ''; err = '';
    const dir3 = write(join(tmp, 'safeboth'), { 'upsmon.conf': `${MONITOR}\nSHUTDOWNCMD "${join(safe, 'upsshutdown')} poweroff"\nINTENTKEY ${join(safe, 'upsshutdown.key')}\nPOWERDOWNFLAG /run/killpower\n` });
    expect(await main(['check', dir3], {})).toBe(0);
    expect(err).toBe('');
    expect(out).toContain(`shutdown: helper ${join(safe, 'upsshutdown')} (SHUTDOWNCMD names hardnut's helper, ${mon(dir3)}:2)`);
  });
});

// exporter.conf (issue 18): the exporter's own reader (file:line), and as root what the exporter
// (and upsd, for upsd.users) would refuse to read because another user (nobody) can change it.
function nobody(ctx: SkipContext): { uid: number; gid: number } {
  requirePeer(ctx, isRoot(), 'root (only root\'s exporter checks who can write its files)');
  const n = lookupUser('nobody');
  requirePeer(ctx, n !== undefined, 'the nobody user');
  return n as { uid: number; gid: number };
}

function exporterConf(text: string): string {
  const dir = join(tmp, 'etc');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'exporter.conf'), text, { mode: 0o600 });
  return dir;
}

describe('hardnut config check: exporter.conf', () => {
  it('hardnut\'s conf/exporter.conf sample checks clean', async () => {
    const dir = join(tmp, 'samples');
    mkdirSync(dir, { mode: 0o755 });
    copyFileSync(join(CONF_SAMPLES, 'exporter.conf'), join(dir, 'exporter.conf'));
    chmodSync(join(dir, 'exporter.conf'), 0o600);
    expect(await main(['check', dir], {})).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`checked 1 file in ${dir}: 0 errors, 0 warnings\n`);
  });

  it('bad lines are errors at file:line, per-SERVER TLS words included', async () => {
    const dir = exporterConf('SERVER a 127.0.0.1 FORCESSL 2\nSERVER b 127.0.0.1 CERTVERIFY 1\nFROB\n');
    expect(await main(['check', dir], {})).toBe(1);
    const f = join(dir, 'exporter.conf');
    expect(err).toContain(`${f}:1: error: SERVER: FORCESSL 0|1`);
    expect(err).toContain(`${f}:2: error: SERVER b: CERTVERIFY 1 needs CERTPATH`);
    expect(err).toContain(`${f}:3: error: unknown directive 'FROB'`);
  });

  it('as root: an exporter.conf nobody owns, or in a directory nobody can write, is an error naming the component', async (ctx) => {
    const n = nobody(ctx);
    const dir = exporterConf('SERVER a 127.0.0.1\n');
    const f = join(dir, 'exporter.conf');
    chownSync(f, n.uid, n.gid);
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${f}: error: ${f} is owned by uid ${String(n.uid)}, not root: another user could change what root reads here; refusing it: the exporter refuses to start`);
    chownSync(f, 0, 0);
    chmodSync(dir, 0o777);
    err = '';
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${dir} is writable by group or others (mode 777)`);
    chmodSync(dir, 0o755);
    err = '';
    out = '';
    expect(await main(['check', dir], {})).toBe(0);
    expect(out).toBe(`checked 1 file in ${dir}: 0 errors, 0 warnings\n`);
  });

  it('as root: a server\'s CERTPATH or the CERTFILE in nobody\'s directory is an error at its line', async (ctx) => {
    const n = nobody(ctx);
    const theirs = join(tmp, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    writeFileSync(join(theirs, 'ca.pem'), 'x');
    writeFileSync(join(theirs, 'exporter.pem'), 'x');
    chownSync(theirs, n.uid, n.gid);
    const dir = exporterConf(`LISTEN 127.0.0.1\nSERVER a 127.0.0.1 CERTVERIFY 1 CERTPATH ${join(theirs, 'ca.pem')}\nCERTFILE ${join(theirs, 'exporter.pem')}\n`);
    const f = join(dir, 'exporter.conf');
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${f}:2: error: CERTPATH ${join(theirs, 'ca.pem')}: ${theirs} is owned by uid ${String(n.uid)}, not root`);
    expect(err).toContain(`${f}: error: CERTFILE ${join(theirs, 'exporter.pem')}: ${theirs} is owned by uid ${String(n.uid)}, not root`);
  });

  it('as root: upsd.users in a directory nobody can write is an error (upsd refuses it)', async (ctx) => {
    nobody(ctx);
    const dir = join(tmp, 'etc');
    mkdirSync(dir, { mode: 0o757 });
    chmodSync(dir, 0o757);
    writeFileSync(join(dir, 'upsd.users'), '[admin]\n\tpassword = x\n\tactions = SET\n', { mode: 0o600 });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsd.users')}: error: ${dir} is writable by group or others (mode 757): another user could change what root reads here; refusing it: upsd refuses to start`);
  });

  it('as root: upsd.conf\'s CERTFILE owned by nobody is an error (upsd refuses it)', async (ctx) => {
    const n = nobody(ctx);
    const dir = join(tmp, 'etc');
    mkdirSync(dir, { mode: 0o755 });
    const pem = join(tmp, 'upsd.pem');
    writeFileSync(pem, 'x', { mode: 0o600 });
    chownSync(pem, n.uid, n.gid);
    writeFileSync(join(dir, 'upsd.conf'), `LISTEN 127.0.0.1\nCERTFILE ${pem}\n`, { mode: 0o640 });
    expect(await main(['check', dir], {})).toBe(1);
    expect(err).toContain(`${join(dir, 'upsd.conf')}: error: CERTFILE ${pem}: ${pem} is owned by uid ${String(n.uid)}, not root: another user could change what root reads here; refusing it: upsd refuses to start`);
  });
});
