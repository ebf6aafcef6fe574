// The single executable: dispatch by NUT's tool names, honest about what is not built yet.
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HARDNUT, freePort, makeTestDir, run, runHardnut, startProcess, userArgs, waitFor } from '../support/stack.js';

/** Runs hardnut reporting every file it loads (CommonJS's require cache and an ESM load hook); returns their text. */
async function loadedCode(args: string[]): Promise<{ code: number; files: string[]; sources: string[]; builtins: string[] }> {
  const dir = makeTestDir();
  try {
    const hook = join(dir.root, 'hook.mjs');
    writeFileSync(hook, "import { writeSync } from 'node:fs';\nexport async function load(url, ctx, next) { if (url.startsWith('file:')) writeSync(2, `LOADED ${url}\\n`); return next(url, ctx); }\n");
    const report = join(dir.root, 'report.mjs');
    // dist/ is CommonJS (scripts/build.mjs): Node 20's ESM hooks do not see require()
    writeFileSync(report, `import { createRequire, register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});\nconst cache = createRequire(import.meta.url).cache;\nprocess.on('exit', () => process.stderr.write(Object.keys(cache).map((f) => 'LOADED file://' + f + '\\n').join('') + 'BUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n`);
    const r = await run(process.execPath, ['--import', report, HARDNUT, ...args], dir.env);
    const files = [...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => fileURLToPath(m[1] as string));
    const builtins = /^BUILTINS (.*)$/m.exec(r.stderr)?.[1]?.split(' ') ?? [];
    // the source files bundled into what was loaded, repository-relative, from each chunk's source map
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const sources = files.flatMap((f) => {
      if (!existsSync(`${f}.map`)) return [relative(repo, f)];
      const map = JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] };
      return map.sources.map((s) => relative(repo, resolve(dirname(f), s)));
    });
    return { code: r.code, files, sources, builtins };
  } finally { dir.cleanup(); }
}

describe('hardnut <tool>', () => {
  it('--help lists the tools, with the drivers and NUT tool names', async () => {
    const r = await runHardnut(['--help'], process.env);
    expect(r.code).toBe(0);
    for (const tool of ['upsdrvctl', 'dummy-ups', 'upsd', 'upsc', 'upsmon', 'config', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${tool} `, 'm'));
    expect(r.stdout).toMatch(/NUT_CONFPATH/);
  });

  it('--help gives every driver its description', async () => {
    const r = await runHardnut(['--help'], process.env);
    for (const driver of ['dummy-ups', 'nutdrv_qx', 'apcsmart', 'snmp-ups', 'usbhid-ups']) expect(r.stdout).toMatch(new RegExp(`^  ${driver} +driver: \\w`, 'm'));
  });

  // Start-up time is what a user notices (issue #13: upsc took 0.49 s, bare Node 0.04 s); its
  // cause is what each tool compiles, which this checks exactly (bench/startup.mjs times it).
  it('upsc loads its own code, not upsd, upsmon, the drivers, net-snmp or TLS', async () => {
    const r = await loadedCode(['upsc', '-h']);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('src/clients/upsc.ts');
    // two files: not the chunk of esbuild's helpers either (scripts/build.mjs, evanw/esbuild#1892)
    expect([...new Set(r.files.map((f) => relative(dirname(HARDNUT), f)))].sort()).toEqual(['hardnut.js', 'tool-upsc.js']);
    // not even the drivers' table: a driver's name is looked up only when it is not a tool's
    for (const other of ['src/upsd/', 'src/upsmon/', 'src/driver/runtime.ts', 'src/driver/drivers/', 'node_modules/net-snmp/']) expect(r.sources.filter((s) => s.startsWith(other))).toEqual([]);
    expect(r.builtins).toContain('net');
    expect(r.builtins).not.toContain('tls');
  });

  it('upsc to an address loads no resolver (node:dns only for a host name)', async () => {
    const port = await freePort(); // nothing listens: upsc fails after the connect, as far as it goes
    const r = await loadedCode(['upsc', `u@127.0.0.1:${port}`]);
    expect(r.code).not.toBe(0);
    expect(r.builtins).toContain('net');
    expect(r.builtins).not.toContain('dns/promises');
  });

  it('upsd -h and -V load the command line only: not the server, its config parsers, crypto or tls', async () => {
    for (const flag of ['-h', '-V']) {
      const r = await loadedCode(['upsd', flag]);
      expect(r.code).toBe(0);
      expect(r.sources).toContain('src/upsd/main.ts');
      for (const other of ['src/upsd/serve.ts', 'src/upsd/server.ts', 'src/runtime/config-files.ts', 'src/sandbox/confine.ts']) expect(r.sources.filter((s) => s.startsWith(other))).toEqual([]);
      // not 'net': Node loads it itself for a stdout or stderr that is a pipe, as here
      for (const b of ['crypto', 'tls', 'dns/promises', 'child_process']) expect(r.builtins, `upsd ${flag}`).not.toContain(b);
    }
  });

  it('upssched loads node:child_process only to run CMDSCRIPT or go to the background, its daemon only in the daemon', async () => {
    const r = await loadedCode(['upssched', '-h']);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('src/upssched/main.ts');
    expect(r.builtins).not.toContain('child_process');
    // the client (upsmon's NOTIFYCMD, once per event) reads upssched.conf and sends one line
    for (const other of ['src/upssched/daemon.ts', 'src/sandbox/confine.ts', 'src/sandbox/seccomp.ts', 'src/runtime/config-files.ts', 'src/core/config/ups-conf.ts']) expect(r.sources.filter((s) => s.startsWith(other))).toEqual([]);
  });

  it('a driver loads its own driver only (dummy-ups: no snmp-ups, no usbhid-ups)', async () => {
    const r = await loadedCode(['dummy-ups', '-h']);
    expect(r.code).toBe(0);
    expect(r.sources).toContain('src/driver/drivers/dummy-ups.ts');
    for (const other of ['src/driver/drivers/snmp-ups.ts', 'src/driver/drivers/usbhid-ups.ts', 'node_modules/net-snmp/', 'src/upsd/main.ts']) expect(r.sources.filter((s) => s.startsWith(other))).toEqual([]);
    // ups.conf's parser, not config check's module with every daemon's (a resident daemon's memory)
    expect(r.sources).toContain('src/core/config/ups-conf.ts');
    for (const other of ['src/runtime/config-files.ts', 'src/core/config/upsd-users.ts', 'src/core/config/upsmon-conf.ts']) expect(r.sources).not.toContain(other);
  });

  // Issue #12: a daemon whose start-up fails after it bound its listeners must not live on.
  it('a daemon that fails after binding exits non-zero at once, its port closed', async () => {
    const port = await freePort();
    const dir = makeTestDir({
      'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'ups.status: OL\n',
      'upsd.conf': `LISTEN 127.0.0.1 ${port}\n`, 'upsd.users': '',
    });
    // the state directory upsd must chdir into (after binding, after the drop) does not exist
    const env = { ...dir.env, NUT_STATEPATH: join(dir.root, 'no-such-state') };
    const upsd = startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], env);
    try {
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => resolve(-1), 15_000); // lived on: the bug
        upsd.child.once('exit', (c) => { clearTimeout(t); resolve(c); });
      });
      expect(code, upsd.output()).toBe(1);
      expect(upsd.output()).toMatch(/Can't chdir to/);
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve(false); });
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    } finally {
      await upsd.stop('SIGKILL');
      dir.cleanup();
    }
  }, 30_000);

  it('an unknown tool says so and exits 2', async () => {
    const unknown = await runHardnut(['frobnicate'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown tool 'frobnicate'/);
  });

  it('a driver prints its NUT-style help and variables', async () => {
    const r = await runHardnut(['dummy-ups', '-h'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-a <id>/);
    expect(r.stdout).toMatch(/mode=<value>/);
  });
});

describe('hardnut demo', () => {
  it('runs the chain: the outage through upsd, upsmon notifying live, then the harmless shutdown', async () => {
    const r = await runHardnut(['demo'], process.env, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const statuses = [...r.stdout.matchAll(/ups\.status\s+(.+?)\s{3}\(/g)].map((m) => m[1]);
    expect(statuses.slice(0, 2)).toEqual(['OL', 'OB DISCHRG']);
    // upsmon may set FSD within milliseconds of LB, before the demo's next 250 ms look
    expect(statuses[2]).toMatch(/^(FSD )?OB DISCHRG LB$/);
    expect(r.stdout).toMatch(/on battery, discharging/);
    // upsmon's notifications, as its NOTIFYCMD received them, in NUT's order
    const notified = [...r.stdout.matchAll(/upsmon notifies (\w+)/g)].map((m) => m[1]);
    // LOWBATT and FSD come from one poll: their NOTIFYCMDs run side by side (as NUT's forks do),
    // so either may write its line first
    expect(notified[0]).toBe('ONBATT');
    expect([...notified.slice(1, 3)].sort()).toEqual(['FSD', 'LOWBATT']);
    expect(notified.slice(3)).toEqual(['SHUTDOWN']);
    expect(r.stdout).toMatch(/UPSNAME demo@127\.0\.0\.1:\d+\): UPS demo@127\.0\.0\.1:\d+ on battery/);
    // the primary set FSD on upsd before shutting down
    expect(statuses).toContain('FSD OB DISCHRG LB');
    expect(r.stdout).toMatch(/upsmon runs SHUTDOWNCMD: would shut down now/);
    expect(r.stdout.indexOf('SHUTDOWNCMD')).toBeGreaterThan(r.stdout.indexOf('notifies SHUTDOWN'));
    expect(r.stdout).toMatch(/demo finished\n$/);
  }, 70_000);

  /** Processes started for the demo in `dir` (its daemons carry NUT_CONFPATH=<dir>/etc). */
  const demoProcesses = (dir: string): string[] => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`NUT_CONFPATH=${join(dir, 'etc')}`); } catch { return false; }
  });

  // A user's Ctrl-C, or `hardnut demo | head`, once left dummy-ups running and the directory behind
  it.each([['Ctrl-C (SIGINT)', 'SIGINT'], ['its reader going away (EPIPE on stdout)', 'EPIPE']])('stopped by %s: its daemons stopped, its directory removed', async (_how, what) => {
    const demo = startProcess(process.execPath, [HARDNUT, 'demo'], process.env);
    try {
      // upsmon started: every daemon of the demo is running
      const dir = await waitFor('the demo\'s daemons', () => /upsmon monitors/.test(demo.output()) && /files in (\S+)/.exec(demo.output())?.[1], 30_000);
      expect(demoProcesses(dir).length, demo.output()).toBeGreaterThanOrEqual(3);
      if (what === 'SIGINT') demo.child.kill('SIGINT');
      else demo.child.stdout?.destroy(); // its next line (a status change, within seconds) meets EPIPE
      const code = await new Promise<number | null>((res) => { if (demo.child.exitCode !== null) res(demo.child.exitCode); else demo.child.once('exit', res); });
      if (what === 'SIGINT') expect(code, demo.output()).toBe(130);
      expect(demoProcesses(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally { await demo.stop('SIGKILL'); }
  }, 60_000);
});
