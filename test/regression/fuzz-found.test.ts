// Failures the fuzz targets (test/fuzz) found, each kept as a named case that runs in every
// `npm test`. Name: what must hold, and which target found it. Inputs are the shrunk
// counterexamples, cut down by hand to the shape a user would write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../src/core/config/diagnostics.js';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { parseUpsdConf } from '../../src/core/config/upsd-conf.js';
import { parseUpsdUsers } from '../../src/core/config/upsd-users.js';
import { parseUpsConf } from '../../src/core/config/ups-conf.js';
import { DriverState } from '../../src/driver/dstate.js';
import { STAT_HANDLED, StateServer } from '../../src/driver/state-server.js';
import { freePort, makeTestDir, type Proc, type TestDir } from '../support/stack.js';
import { startHardnutUpsd } from '../upsd/support/upsd-stack.js';
import { QuietLogger } from '../support/quiet-logger.js';
import { DAEMON_USER_WHY, requireAll, runsDaemons } from '../support/peers.js';

function leaks(diags: Diagnostic[], secret: string): string[] {
  return diags.map(formatDiagnostic).filter((t) => t.includes(secret));
}

describe('config fuzz: a password on a wrapped line never appears in a diagnostic', () => {
  // The readers echo a word that looks like a directive ("invalid directive WORD") or a key. When a
  // long line is wrapped before its password, the password starts the next line and is echoed —
  // into the terminal, and into logs when a daemon reports its config. (diagnostics.ts promises
  // "never values of that kind"; upsmon-conf.ts's secrets set only covers unwrapped lines.)

  it('upsmon.conf: MONITOR wrapped before the password (found by config: no password … after a line wrap)', () => {
    const r = parseUpsmonConf('MINSUPPLIES 1\nMONITOR ups@localhost 1 monuser\n  "S3CRET_UPS_PASSWORD" primary\n', 'upsmon.conf');
    expect(leaks(r.diagnostics, 'S3CRET_UPS_PASSWORD')).toEqual([]);
  });

  it('upsd.conf: CERTIDENT wrapped before the password (found by config: no password … after a line wrap)', () => {
    const r = parseUpsdConf('CERTIDENT "upsd cert"\n  "NSSDB_PASSWORD_123"\n', 'upsd.conf');
    expect(leaks(r.diagnostics, 'NSSDB_PASSWORD_123')).toEqual([]);
  });

  it('upsd.users: password = wrapped, the password holding "=" (base64) (found by config: no password … after a line wrap)', () => {
    const r = parseUpsdUsers('[monuser]\n\tpassword =\n\t\t"c2VjcmV0UGFzc3dvcmQ=="\n\tupsmon primary\n', 'upsd.users');
    expect(leaks(r.diagnostics, 'c2VjcmV0UGFzc3dvcmQ')).toEqual([]);
  });

  it('ups.conf: a wrapped password line before the first section (found by config: no password … after a line wrap)', () => {
    const r = parseUpsConf('community =\n  "Pr1vateCommunity"\n[snmp]\n\tdriver = snmp-ups\n\tport = 192.0.2.1\n', 'ups.conf');
    expect(leaks(r.diagnostics, 'Pr1vateCommunity')).toEqual([]);
  });
});

describe('state-server fuzz: LOGOUT ends the conversation', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hn-rg-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  // Found as: `logout\nSET "ups.mfr" "" TRACKING "a b"\n` in one read made the driver run the SET
  // (and log an error for its tracking id) after answering OK Goodbye. NUT master's sock_read
  // returns right after LOGOUT (drivers/dstate.c); spec §3.3: "OK Goodbye, ~1 s pause, close".
  it('requests after LOGOUT in the same read are not executed', async () => {
    const path = join(dir, 'dummy-ups-logout');
    const state = new DriverState();
    state.setInfo('ups.mfr', 'Original');
    state.dataOk();
    const sets: string[] = [];
    const server = new StateServer(path, state, {
      instcmd: () => STAT_HANDLED,
      setvar: (name, value) => { sets.push(`${name}=${value}`); state.setInfo(name, value); return STAT_HANDLED; },
    }, new QuietLogger());
    await server.listen();
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.createConnection(path);
        let got = '';
        const t = setTimeout(() => { s.destroy(); reject(new Error(`no close; got ${JSON.stringify(got)}`)); }, 10_000);
        s.on('connect', () => s.write('LOGOUT\nSET ups.mfr "Changed after logout"\nINSTCMD load.off\n'));
        s.on('data', (d: Buffer) => { got += d.toString(); });
        s.on('close', () => { clearTimeout(t); resolve(got); });
      });
      expect(reply).toBe('OK Goodbye\n');
      expect(sets).toEqual([]);
      expect(state.getInfo('ups.mfr')).toBe('Original');
    } finally {
      await server.close();
    }
  });
});

describe('upsd-socket fuzz: every reply reaches the client', () => {
  let dir: TestDir | undefined;
  let upsd: Proc | undefined;
  let port = 0;
  beforeAll(async ({}, suite) => {
    requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
    port = await freePort();
    // no driver needed: LOGIN checks only the UPS name and the credentials (§2.3)
    dir = makeTestDir({
      'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n',
      'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`,
      'upsd.users': '[admin]\n\tpassword = adminpass\n\tupsmon primary\n',
    });
    upsd = await startHardnutUpsd(dir, port);
  }, 60_000);
  afterAll(async () => {
    await upsd?.stop();
    dir?.cleanup();
  });

  // Found as: a mutated upsrw transcript with a wrong PASSWORD and four LOGINs, sent whole and
  // followed by the client's FIN (shutdown(SHUT_WR), `nc -N`): upsd answered the first three
  // ACCESS-DENIED, held the fourth back (failed-login throttle) and then closed the connection
  // without it or any later reply. NUT answers every request that arrived before the EOF.
  it('replies held back by the failed-login throttle are still sent after the client half-closes', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      let got = '';
      const t = setTimeout(() => { s.destroy(); reject(new Error(`no close; got ${JSON.stringify(got)}`)); }, 20_000);
      s.on('connect', () => s.end(`USERNAME admin\nPASSWORD wrong\n${'LOGIN ups1\n'.repeat(4)}GET UPSDESC ups1\n`));
      s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
      s.on('error', () => undefined);
      s.on('close', () => { clearTimeout(t); resolve(got); });
    });
    expect(reply).toBe(`OK\nOK\n${'ERR ACCESS-DENIED\n'.repeat(4)}UPSDESC ups1 "Unavailable"\n`);
  }, 30_000);

  // Found in review: with half-open sockets, a client that half-closes before sending anything
  // was left open until the 60 s idle timeout (the close waited for a first request).
  it('a client that half-closes before any request is closed at once', async () => {
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      const t = setTimeout(() => { s.destroy(); reject(new Error('still open after 5 s')); }, 5_000);
      s.on('connect', () => s.end());
      s.on('error', () => undefined);
      s.on('close', () => { clearTimeout(t); resolve(); });
    });
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 30_000);

  // Found as: `VER EXTRA0\n\t\n\xff"LIST" ENUM UPS1\r\n` then 978 234 `"` without LF, written
  // whole: the replies to the three lines before the over-long one were lost now and then, but
  // never when the same bytes came in pieces. upsd destroys the socket on an over-long line with
  // the client's bytes still unread, so the kernel answers with a reset; a client still writing
  // gets EPIPE/ECONNRESET on its write and loses the replies it had not read yet. A client that
  // writes everything before it reads (a blocking client, `printf … | nc`) loses them every time.
  it('the replies to the lines before an over-long line reach a client that writes all before reading', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      let got = '';
      const s = net.connect({
        host: '127.0.0.1', port, localAddress: '127.0.0.2',
        // onread: pause() really stops reading, so nothing is read before the write is over
        onread: { buffer: Buffer.alloc(64 * 1024), callback: (n: number, b: Buffer): boolean => { got += b.toString('latin1', 0, n); return true; } },
      });
      const t = setTimeout(() => { s.destroy(); reject(new Error(`no close; got ${JSON.stringify(got)}`)); }, 20_000);
      s.on('error', () => undefined);
      s.on('close', () => { clearTimeout(t); resolve(got); });
      s.on('connect', () => {
        s.pause();
        // 16 MB: more than the socket buffers on both sides hold (tcp_wmem, tcp_rmem), so the write is still going when upsd gives up
        s.write(Buffer.concat([Buffer.from('VER EXTRA0\nGET UPSDESC ups1\n'), Buffer.alloc(16 << 20, 0x22)]), () => s.resume());
      });
    });
    expect(reply).toBe('ERR INVALID-ARGUMENT\nUPSDESC ups1 "Unavailable"\n');
  }, 30_000);
});
