// hardnut's client tools against a scripted server (no Debian needed): output formats, error
// lines and exit codes. The byte-for-byte comparison with Debian's tools is in
// test/interop/clients-tools-vs-debian.test.ts.
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpsd, type FakeUpsd, type Handler } from '../client/fake-upsd.js';
import { freePort, runHardnut, waitFor } from '../support/stack.js';

const servers: FakeUpsd[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

const VARS: Array<[string, string]> = [['battery.charge', '100'], ['ups.mfr', 'Acme "Power"'], ['ups.status', 'OL']];

const upsd: Handler = (line, conn) => {
  const w = line.split(' ');
  if (line === 'STARTTLS') conn.write('ERR FEATURE-NOT-CONFIGURED\n');
  else if (line === 'LIST UPS') conn.write('BEGIN LIST UPS\nUPS ups1 "First \\"one\\""\nUPS ups2 "Second"\nEND LIST UPS\n');
  else if (line === 'LIST VAR ups1') conn.write(`BEGIN LIST VAR ups1\n${VARS.map(([k, v]) => `VAR ups1 ${k} "${v.replace(/"/g, '\\"')}"\n`).join('')}END LIST VAR ups1\n`);
  else if (w[0] === 'GET' && w[1] === 'VAR' && w[2] === 'ups1') {
    const v = VARS.find(([k]) => k === w[3]);
    conn.write(v ? `VAR ups1 ${v[0]} "${v[1].replace(/"/g, '\\"')}"\n` : 'ERR VAR-NOT-SUPPORTED\n');
  } else if (w[0] === 'GET' || w[0] === 'LIST') conn.write('ERR UNKNOWN-UPS\n');
  else if (line === 'LOGOUT') { conn.write('OK Goodbye\n'); conn.destroy(); }
  else conn.write('ERR UNKNOWN-COMMAND\n');
};

async function server(h: Handler = upsd): Promise<string> {
  const s = await startFakeUpsd(h);
  servers.push(s);
  return `127.0.0.1:${s.port}`;
}

describe('upsc', () => {
  it('lists variables, prints one, fails like NUT on an unknown one', async () => {
    const h = await server();
    expect(await runHardnut(['upsc', `ups1@${h}`], process.env)).toEqual({ code: 0, stdout: 'battery.charge: 100\nups.mfr: Acme "Power"\nups.status: OL\n', stderr: '' });
    expect(await runHardnut(['upsc', `ups1@${h}`, 'ups.mfr'], process.env)).toEqual({ code: 0, stdout: 'Acme "Power"\n', stderr: '' });
    expect(await runHardnut(['upsc', `ups1@${h}`, 'ups.bogus'], process.env)).toEqual({ code: 1, stdout: '', stderr: 'Error: Variable not supported by UPS\n' });
    expect(await runHardnut(['upsc', `nope@${h}`], process.env)).toEqual({ code: 1, stdout: '', stderr: 'Error: Unknown UPS\n' });
    expect(await runHardnut(['upsc', 'ups1:3493'], process.env)).toEqual({
      code: 1, stdout: '', stderr: 'upscli_splitname: port specified, but not a hostname\nError: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]\n',
    });
  });

  it('-l, -L and -j', async () => {
    const h = await server();
    expect((await runHardnut(['upsc', '-l', h], process.env)).stdout).toBe('ups1\nups2\n');
    expect((await runHardnut(['upsc', '-L', h], process.env)).stdout).toBe('ups1: First "one"\nups2: Second\n');
    expect((await runHardnut(['upsc', '-j', '-L', h], process.env)).stdout).toBe('{\n  "ups1": "First \\"one\\"",\n  "ups2": "Second"\n}\n');
    const json = await runHardnut(['upsc', '-j', `ups1@${h}`], process.env);
    expect(JSON.parse(json.stdout)).toEqual(Object.fromEntries(VARS));
  });

  it('a server that never answers: NUT\'s "Server disconnected" after the 5 s reply timeout', async () => {
    const h = await server(() => undefined);
    const t0 = Date.now();
    const r = await runHardnut(['upsc', `ups1@${h}`, 'ups.status'], process.env);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'Error: Server disconnected\n' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
  }, 20_000);
});

describe('option errors read like glibc getopt, then NUT\'s usage (exit 0)', () => {
  it.each([['upsc', '-x', "upsc: invalid option -- 'x'"], ['upscmd', '-u', "upscmd: option requires an argument -- 'u'"], ['upsrw', '-q', "upsrw: invalid option -- 'q'"]])('%s %s', async (tool, flag, msg) => {
    const r = await runHardnut([tool, flag], process.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${msg}\n`);
    expect(r.stdout).toContain(`usage: ${tool} `);
  });
});

describe('upslog', () => {
  it('-d lines to stdout with the format escapes', async () => {
    const h = await server();
    const pidDir = mkdtempSync(join(tmpdir(), 'hn-upslog-'));
    // -u root: stay who we are when run as root (upslog drops to nut by default)
    const r = await runHardnut(['upslog', '-s', `ups1@${h}`, '-l', '-', '-i', '1', '-d', '2', '-u', 'root', '-f', '%VAR ups.status% %VAR battery.charge% %VAR x.y%%t[%UPSHOST%]'], { ...process.env, NUT_ALTPIDPATH: pidDir });
    rmSync(pidDir, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(1)).toEqual([`logging status of ups1@${h} to - (1s intervals)`, `OL 100 NA\t[ups1@${h}]`, `OL 100 NA\t[ups1@${h}]`, '']);
  });

  it('refuses a -m tuple that is not ups,logfile', async () => {
    const r = await runHardnut(['upslog', '-m', 'ups1@localhost'], process.env);
    expect([r.code, r.stderr]).toEqual([1, "Argument '-m upsspec,logfile' requires exactly 2 components in the tuple\n"]);
  });

  it('logging to a file it goes to the background: the parent exits 0 with each warning once; the pid file lives as long as the logger', async () => {
    const h = await server();
    const down = `127.0.0.1:${await freePort()}`;
    const dir = mkdtempSync(join(tmpdir(), 'hn-upslog-'));
    const file = join(dir, 'ups.log');
    const pidFile = join(dir, 'upslog.pid');
    let pid: number | undefined;
    try {
      const r = await runHardnut(['upslog', '-m', `ups1@${h},${file}`, '-m', `ups1@${down},${file}`, '-i', '1', '-u', 'root', '-f', '%UPSHOST% %VAR ups.status%'], { ...process.env, NUT_ALTPIDPATH: dir });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').slice(1)).toEqual([`logging status of ups1@${h} to ${file} (1s intervals)`, `logging status of ups1@${down} to ${file} (1s intervals)`, '']);
      expect(r.stderr).toBe('Warning: initial connect failed: Connection failure: Connection refused\n');
      pid = await waitFor('pid file', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'latin1').trim()), 10_000);
      await waitFor('a logged line', () => existsSync(file) && readFileSync(file, 'utf8').includes(`ups1@${h} OL\nups1@${down} NA\n`), 10_000);
      process.kill(pid, 'SIGTERM');
      await waitFor('pid file removed at exit', () => !existsSync(pidFile), 10_000);
    } finally {
      if (pid !== undefined) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone, as it should be */ } }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
