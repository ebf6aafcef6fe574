// The late-shutdown hook (issue 15) as it runs at the end of a shutdown: in a private mount
// namespace with / read-only and /etc/nut, node_modules and the repository's dist/ hidden, only
// the /run snapshot present, `hardnut killpower hook` runs the real nutdrv_qx from the snapshot
// against the Q1 simulator on a pty. The flag is armed and written by the dispatcher's own code
// (armKillpower). Root only: the namespace, the root-only /run directories and the driver's
// root -k path need it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot, onPath, requirePeer } from '../support/peers.js';
import { startSim, hasSocat, type Sim } from '../sim/sim.js';
import { armKillpower, readBootId } from '../../src/killpower/files.js';
import { encodeFlag, generateFlagKey } from '../../src/killpower/flag.js';
import { KILLPOWER_EXIT } from '../../src/killpower/main.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HARDNUT = join(REPO, 'dist/hardnut.js');
const HOOK_SCRIPT = join(REPO, 'policy/late-shutdown/hardnut-killpower.sh');
const DRACUT_DIR = '/usr/lib/dracut';

function runCommand(argv: string[], env: Record<string, string>): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', (e) => { resolve({ code: -1, out: e.message, ms: Date.now() - started }); });
    child.on('exit', (code) => resolve({ code, out, ms: Date.now() - started }));
  });
}
/** systemd-shutdown kills its hooks after 90 s. */
const SYSTEMD_HOOK_CAP_MS = 90_000;

const usable = isRoot() && hasSocat() && onPath('unshare') && existsSync(HARDNUT);
const why = 'root, socat, unshare (util-linux) and npm run build: the hook runs in a private mount namespace as root';

let base = '';
let sim: Sim | undefined;
let key: Uint8Array;

interface Run { code: number | null; out: string; ms: number }

/** Runs node with argv in a private mount namespace: / read-only; /etc/nut, node_modules and dist/ hidden. */
function isolated(argv: string[], env: Record<string, string>): Promise<Run> {
  return isolatedCommand([process.execPath, ...argv], env);
}

function isolatedCommand(argv: string[], env: Record<string, string>, passwd?: string): Promise<Run> {
  const hide = [realpathSync(join(REPO, 'node_modules')), realpathSync(join(REPO, 'dist')), ...(existsSync('/etc/nut') ? ['/etc/nut'] : [])];
  // sh only to set the namespace up; the hook itself is exec'd with its argv
  // base stays writable as /run is on a real system (a tmpfs of its own): bind-mounted first
  const script = `set -e; mount --bind '${base}' '${base}'; for d in ${hide.map((h) => `'${h}'`).join(' ')}; do mount -t tmpfs -o ro,size=4k none "$d"; done; ${passwd !== undefined ? `mount --bind '${passwd}' /etc/passwd; ` : ''}mount -o remount,bind,ro /; exec "$@"`;
  return runCommand(['unshare', '-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv], env);
}

// laid out as on /run: <run>/hardnut/late and <run>/hardnut/killpower (HARDNUT_RUN for the script)
const paths = (): { flagDir: string; late: string; etc: string } => ({ flagDir: join(base, 'hardnut/killpower'), late: join(base, 'hardnut/late'), etc: join(base, 'etc') });
const hookEnv = (): Record<string, string> => ({ HARDNUT_KILLPOWER_DIR: paths().flagDir, HARDNUT_LATE_DIR: paths().late });
const hook = (...args: string[]): Promise<Run> => isolated([join(paths().late, 'dist/hardnut.js'), 'killpower', 'hook', ...args], hookEnv());

function snapshot(section: string): void {
  const { etc, late } = paths();
  writeFileSync(join(etc, 'ups.conf'), `[q1]\n\tdriver = nutdrv_qx\n\tport = ${sim?.device ?? ''}\n\tprotocol = megatec\n${section}`);
  const r = spawnSync(process.execPath, [HARDNUT, 'killpower', 'snapshot'], {
    env: { ...process.env, NUT_CONFPATH: etc, HARDNUT_LATE_DIR: late, HARDNUT_KILLPOWER_KEY: join(etc, 'killpower.key') }, encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
}

/** What the dispatcher does: arm while root, write at the shutdown decision. Clears the last run's `sent`. */
function setFlag(ups: string[] = ['q1']): void {
  try { unlinkSync(join(paths().flagDir, 'sent')); } catch { /* first run */ }
  armKillpower(paths().flagDir, key, ups).write();
}

/** Run twice: the first sends `bytes`, the second nothing; both exit 0. Returns the second run. */
async function expectSendsOnce(run: () => Promise<Run>, bytes: string): Promise<Run> {
  const first = await rxAfter(run);
  expect(first.run.code, first.run.out).toBe(0);
  expect(first.rx).toContain(bytes);
  const again = await rxAfter(run);
  expect(again.run.code, again.run.out).toBe(0);
  expect(again.rx).toBe('');
  return again.run;
}

async function rxAfter(run: () => Promise<Run>): Promise<{ run: Run; rx: string }> {
  await sim?.clear();
  const r = await run();
  return { run: r, rx: (await sim?.rx()) ?? '' };
}

describe('the late-shutdown hook on a read-only root with only the /run snapshot', () => {
  beforeAll(async () => {
    if (!usable) return;
    base = mkdtempSync('/run/hardnut-killpower-test-');
    chmodSync(base, 0o755); // as /run is: the driver reads its program as nobody after the drop
    mkdirSync(paths().etc);
    mkdirSync(join(base, 'hardnut'));
    mkdirSync(join(base, 'dev'));
    sim = await startSim('q1', join(base, 'dev/ups'), { user: null, state: { utilityFail: true } });
    const kg = spawnSync(process.execPath, [HARDNUT, 'killpower', 'keygen', join(paths().etc, 'killpower.key')], { encoding: 'utf8' });
    expect(kg.status, kg.stderr).toBe(0);
    key = Uint8Array.from(readFileSync(join(paths().etc, 'killpower.key')));
    snapshot('\tstayoff\n\toffdelay = 30\n');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
  });

  it('on battery: sends the shutdown the config asks for (stayoff here); a second run sends nothing', async (ctx) => {
    requirePeer(ctx, usable, why);
    await sim?.set({ utilityFail: true });
    setFlag();
    const second = await expectSendsOnce(() => hook(), 'S.5R0000\r');
    expect(second.out).toContain('already sent');
    // NUT_STATEPATH/NUT_ALTPIDPATH of the late step: no pid file, no socket
    expect(readdirSync(join(paths().late, 'state'))).toEqual([]);
  }, 120_000);

  it('a late root whose /etc/passwd has no nobody (an initramfs listing only root): -k drops by number (65534) and still sends', async (ctx) => {
    requirePeer(ctx, usable, why);
    await sim?.set({ utilityFail: true });
    setFlag();
    const passwd = join(base, 'passwd-root-only');
    writeFileSync(passwd, readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => !l.startsWith('nobody:')).join('\n'));
    const r = await rxAfter(() => isolatedCommand([process.execPath, join(paths().late, 'dist/hardnut.js'), 'killpower', 'hook'], hookEnv(), passwd));
    expect(r.run.code, r.run.out).toBe(KILLPOWER_EXIT.ok);
    expect(r.rx).toContain('S.5R0000\r');
  }, 120_000);

  it('mains back mid-shutdown (the UPS reports line power): shutdown.return, so the host comes back', async (ctx) => {
    requirePeer(ctx, usable, why);
    await sim?.set({ utilityFail: false });
    setFlag();
    const r = await rxAfter(() => hook());
    expect(r.run.code, r.run.out).toBe(KILLPOWER_EXIT.ok);
    expect(r.rx).toContain('S.5R0003\r');
    expect(r.rx).not.toContain('R0000');
    expect(r.run.out).toContain('on line power');
  }, 120_000);

  it('dry run (-n): prints the bytes and sends no shutdown command', async (ctx) => {
    requirePeer(ctx, usable, why);
    await sim?.set({ utilityFail: true });
    setFlag();
    const r = await rxAfter(() => hook('-n'));
    expect(r.run.code, r.run.out).toBe(KILLPOWER_EXIT.ok);
    expect(r.run.out).toContain('q1: would send "S.5R0000\\r"');
    expect(r.rx).not.toMatch(/S\.5|(^|\r)C\r/);
  }, 120_000);

  it('no flag, an armed-but-unset flag, a forged flag, a flag from another boot, an unknown UPS: nothing is sent, the exit status says why', async (ctx) => {
    requirePeer(ctx, usable, why);
    const { flagDir } = paths();
    const flag = join(flagDir, 'flag');
    const cases: Array<[string, () => void, number]> = [
      ['no flag', () => { rmSync(flag, { force: true }); }, KILLPOWER_EXIT.noFlag],
      ['armed, not set', () => { armKillpower(flagDir, key, ['q1']); }, KILLPOWER_EXIT.noFlag],
      ['NUT\'s unsigned flag', () => { writeFileSync(flag, 'upsmon-shutdown-file\n'); }, KILLPOWER_EXIT.malformed],
      ['signed with another key', () => { writeFileSync(flag, encodeFlag({ bootId: readBootId(), time: Math.floor(Date.now() / 1000), ups: ['q1'] }, generateFlagKey())); }, KILLPOWER_EXIT.forged],
      ['another boot', () => { writeFileSync(flag, encodeFlag({ bootId: '00000000-0000-4000-8000-000000000000', time: Math.floor(Date.now() / 1000), ups: ['q1'] }, key)); }, KILLPOWER_EXIT.otherBoot],
      ['older than this boot', () => { writeFileSync(flag, encodeFlag({ bootId: readBootId(), time: 1_000_000, ups: ['q1'] }, key)); }, KILLPOWER_EXIT.otherBoot],
      ['a UPS not in the snapshot', () => { writeFileSync(flag, encodeFlag({ bootId: readBootId(), time: Math.floor(Date.now() / 1000), ups: ['q1', 'other'] }, key)); }, KILLPOWER_EXIT.unknownUps],
    ];
    for (const [name, plant, code] of cases) {
      try { unlinkSync(join(flagDir, 'sent')); } catch { /* none */ }
      plant();
      const r = await rxAfter(() => hook());
      expect(r.run.code, `${name}: ${r.run.out}`).toBe(code);
      expect(r.rx, name).toBe('');
    }
    // a symlink, a FIFO (never waited on) or a file root does not own where the flag belongs
    const good = encodeFlag({ bootId: readBootId(), time: Math.floor(Date.now() / 1000), ups: ['q1'] }, key);
    const planted: Array<[string, () => void]> = [
      ['symlink', () => { writeFileSync(join(base, 'good-flag'), good); symlinkSync(join(base, 'good-flag'), flag); }],
      ['FIFO', () => { expect(spawnSync('mkfifo', [flag]).status).toBe(0); }],
      ['owned by nobody', () => { writeFileSync(flag, good); chownSync(flag, 65534, 65534); }],
    ];
    for (const [name, plant] of planted) {
      rmSync(flag, { force: true });
      plant();
      const r = await rxAfter(() => hook());
      expect(r.run.code, `${name}: ${r.run.out}`).toBe(KILLPOWER_EXIT.malformed);
      expect(r.rx, name).toBe('');
    }
    rmSync(flag, { force: true });
  }, 300_000);

  it('the hook script (systemd-shutdown, dracut, exitrd, sysvinit): run twice, it sends once; both runs exit 0; without a flag, nothing', async (ctx) => {
    requirePeer(ctx, usable, why);
    const script = (): Promise<Run> => isolatedCommand([HOOK_SCRIPT, 'poweroff'], { HARDNUT_RUN: base });
    await sim?.set({ utilityFail: true });
    setFlag();
    await expectSendsOnce(script, 'S.5R0000\r');
    rmSync(join(paths().flagDir, 'flag'));
    rmSync(join(paths().flagDir, 'sent'));
    const none = await rxAfter(script);
    expect(none.run.code, none.run.out).toBe(0);
    expect(none.run.out).toContain('no flag');
    expect(none.rx).toBe('');
  }, 120_000);

  it('the exitrd route: an initramfs built by dracut with 90hardnut-killpower, chrooted into with /run and /dev carried over, sends the shutdown once', async (ctx) => {
    requirePeer(ctx, usable, why);
    requirePeer(ctx, onPath('dracut') && onPath('cpio'), 'dracut-core and cpio (apt-get install dracut-core cpio)');
    const work = mkdtempSync('/tmp/hardnut-dracut-');
    chmodSync(work, 0o755); // it becomes the exitrd's /, which nobody (the driver after -k's drop) must search
    try {
      // dracut's own tree, plus our module, as dracutbasedir (the system's modules.d is not touched)
      const lib = join(work, 'dracut');
      mkdirSync(join(lib, 'modules.d'), { recursive: true });
      for (const f of readdirSync(DRACUT_DIR)) if (f !== 'modules.d') symlinkSync(join(DRACUT_DIR, f), join(lib, f));
      for (const m of readdirSync(join(DRACUT_DIR, 'modules.d'))) symlinkSync(join(DRACUT_DIR, 'modules.d', m), join(lib, 'modules.d', m));
      cpSync(join(REPO, 'policy/late-shutdown/dracut/90hardnut-killpower'), join(lib, 'modules.d/90hardnut-killpower'), { recursive: true, dereference: true });
      const img = join(work, 'exitrd.img');
      const built = await runCommand(['dracut', '--no-kernel', '--no-compress', '--no-hostonly', '--no-early-microcode', '-m', 'hardnut-killpower', '--force', '--tmpdir', work, img], { dracutbasedir: lib });
      expect(built.code, built.out).toBe(0);
      const root = join(work, 'root');
      mkdirSync(root);
      const unpacked = await runCommand(['sh', '-c', 'cd "$1" && cpio -idm --quiet < "$2"', 'sh', root, img], {});
      expect(unpacked.code, unpacked.out).toBe(0);
      // what systemd-shutdown leaves the exitrd: /dev, /proc and /run of the old root
      const exitrd = (): Promise<Run> => runCommand(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
        'set -e; R=$1; mount --rbind /dev "$R/dev"; mount -t proc proc "$R/proc"; mount --rbind /run "$R/run"; exec chroot "$R" /bin/sh /usr/lib/dracut/hooks/shutdown/40-killpower-hook.sh',
        'sh', root], { HARDNUT_RUN: base });
      await sim?.set({ utilityFail: true });
      setFlag();
      await expectSendsOnce(exitrd, 'S.5R0000\r');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);

  it('upsmon -K: exit 0 with a valid signed flag, 1 without one or with a forged one (as NUT\'s)', async (ctx) => {
    requirePeer(ctx, usable, why);
    const { etc, flagDir } = paths();
    writeFileSync(join(etc, 'upsmon.conf'), 'MONITOR q1@localhost 1 mon pass primary\nSHUTDOWNCMD "/bin/true"\n');
    const k = (): Promise<Run> => isolated([HARDNUT_VIA_LATE(), 'upsmon', '-K'], { ...hookEnv(), NUT_CONFPATH: etc });
    setFlag();
    expect((await k()).code).toBe(0);
    rmSync(join(flagDir, 'flag'));
    expect((await k()).code).toBe(1);
    writeFileSync(join(flagDir, 'flag'), encodeFlag({ bootId: readBootId(), time: Math.floor(Date.now() / 1000), ups: ['q1'] }, generateFlagKey()));
    const forged = await k();
    expect(forged.code).toBe(1);
    expect(forged.out).toContain('not valid');
  }, 120_000);

  it('a UPS that never answers: the hook gives up inside systemd-shutdown\'s 90 s cap, and a later hook may try again', async (ctx) => {
    requirePeer(ctx, usable, why);
    await sim?.silent(true);
    try {
      setFlag();
      const r = await hook();
      expect(r.code, r.out).toBe(KILLPOWER_EXIT.driverFailed);
      expect(r.ms).toBeLessThan(SYSTEMD_HOOK_CAP_MS);
      expect(existsSync(join(paths().flagDir, 'sent'))).toBe(false);
    } finally {
      await sim?.silent(false);
    }
  }, 150_000);
});

/** upsmon from the snapshot's copy of dist/ (the repository's is hidden in the namespace). */
function HARDNUT_VIA_LATE(): string {
  return join(paths().late, 'dist/hardnut.js');
}
