// The dispatcher on its own (spec §2.2–§2.5): every command, every error path, NUT's check order.
// A table of request lines and the exact reply each gets, each case on a fresh connection.
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_FAILURES_PER_ADDRESS } from '../../src/upsd/auth-throttle.js';
import { COMMAND_NAMES, dispatch, type CommandContext, type Reply } from '../../src/upsd/commands.js';
import type { UpsEntry } from '../../src/upsd/ups-registry.js';
import { harness, run, session, type Harness } from './support/dispatch-harness.js';

const AUTH = ['USERNAME admin', 'PASSWORD adminpass'];

/** [what, requests, expected replies (for the requests after the first `skip`)] */
type Case = [string, string[], string[]];

const CASES: Case[] = [
  // VER NETVER PROTVER HELP
  ['VER', ['VER'], ['Network UPS Tools upsd 2.8.0 (hardnut 9.9.9) - http://www.networkupstools.org/\n']],
  ['VER with an argument', ['VER x'], ['ERR INVALID-ARGUMENT\n']],
  ['NETVER / PROTVER', ['NETVER', 'PROTVER', 'netver 1', 'PROTVER a b'], ['1.3\n', '1.3\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n']],
  ['HELP', ['HELP', 'help x'], ['Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n', 'ERR INVALID-ARGUMENT\n']],
  ['unknown command, empty line', ['FOO', '', 'LISTS UPS', 'VERX'], ['ERR UNKNOWN-COMMAND\n', 'ERR UNKNOWN-COMMAND\n', 'ERR UNKNOWN-COMMAND\n', 'ERR UNKNOWN-COMMAND\n']],
  ['STARTTLS without a certificate', ['STARTTLS', 'STARTTLS x y'], ['ERR FEATURE-NOT-CONFIGURED\n', 'ERR FEATURE-NOT-CONFIGURED\n']],
  // USERNAME PASSWORD
  ['USERNAME / PASSWORD counts and repeats', ['USERNAME', 'USERNAME a b', 'USERNAME a', 'USERNAME b', 'PASSWORD', 'PASSWORD a b', 'PASSWORD x', 'PASSWORD y'],
    ['ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'OK\n', 'ERR ALREADY-SET-USERNAME\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'OK\n', 'ERR ALREADY-SET-PASSWORD\n']],
  // the auth gate, before any argument check
  ['USERNAME-REQUIRED first', ['LOGIN', 'PRIMARY', 'MASTER a', 'FSD', 'SET', 'INSTCMD'], Array(6).fill('ERR USERNAME-REQUIRED\n') as string[]],
  ['then PASSWORD-REQUIRED', ['USERNAME x', 'LOGIN', 'PRIMARY', 'MASTER a', 'FSD', 'SET', 'INSTCMD'], ['OK\n', ...Array(6).fill('ERR PASSWORD-REQUIRED\n') as string[]]],
  ['PASSWORD alone is not enough', ['PASSWORD x', 'LOGIN ups1'], ['OK\n', 'ERR USERNAME-REQUIRED\n']],
  // LOGIN
  ['LOGIN order: args, UPS, permission', [...AUTH, 'LOGIN', 'LOGIN a b', 'LOGIN nope', 'LOGIN ups1'],
    ['OK\n', 'OK\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR UNKNOWN-UPS\n', 'ERR ACCESS-DENIED\n']],
  ['LOGIN, then ALREADY-LOGGED-IN (checked before the UPS)', ['USERNAME sec', 'PASSWORD secpass', 'LOGIN UPS1', 'LOGIN ups1', 'LOGIN nope'],
    ['OK\n', 'OK\n', 'OK\n', 'ERR ALREADY-LOGGED-IN\n', 'ERR ALREADY-LOGGED-IN\n']],
  ['LOGIN needs no driver', ['USERNAME sec', 'PASSWORD secpass', 'LOGIN down'], ['OK\n', 'OK\n', 'OK\n']],
  ['wrong password, unknown user, user without password', ['USERNAME sec', 'PASSWORD bad', 'LOGIN ups1'], ['OK\n', 'OK\n', 'ERR ACCESS-DENIED\n']],
  ['unknown user', ['USERNAME who', 'PASSWORD x', 'LOGIN ups1'], ['OK\n', 'OK\n', 'ERR ACCESS-DENIED\n']],
  ['user without a password', ['USERNAME nopass', 'PASSWORD x', 'SET VAR ups1 ups.id x'], ['OK\n', 'OK\n', 'ERR ACCESS-DENIED\n']],
  ['LOGOUT', ['LOGOUT x', 'LOGOUT'], ['ERR INVALID-ARGUMENT\n', 'OK Goodbye\n']],
  // PRIMARY / MASTER
  ['PRIMARY / MASTER granted to upsmon primary', ['USERNAME mon', 'PASSWORD monpass', 'PRIMARY ups1', 'MASTER UPS1', 'PRIMARY', 'MASTER a b', 'PRIMARY nope', 'PRIMARY down'],
    ['OK\n', 'OK\n', 'OK PRIMARY-GRANTED\n', 'OK MASTER-GRANTED\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR UNKNOWN-UPS\n', 'OK PRIMARY-GRANTED\n']],
  ['PRIMARY refused to a secondary', ['USERNAME sec', 'PASSWORD secpass', 'PRIMARY ups1', 'MASTER ups1'], ['OK\n', 'OK\n', 'ERR ACCESS-DENIED\n', 'ERR ACCESS-DENIED\n']],
  // FSD
  ['FSD order', ['USERNAME sec', 'PASSWORD secpass', 'FSD', 'FSD a b', 'FSD nope', 'FSD ups1'],
    ['OK\n', 'OK\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR UNKNOWN-UPS\n', 'ERR ACCESS-DENIED\n']],
  ['FSD sets the latch; ups.status shows it', ['USERNAME mon', 'PASSWORD monpass', 'FSD down', 'FSD ups1', 'GET VAR ups1 ups.status', 'GET VAR ups1 UPS.STATUS'],
    ['OK\n', 'OK\n', 'OK FSD-SET\n', 'OK FSD-SET\n', 'VAR ups1 ups.status "FSD OL"\n', 'VAR ups1 UPS.STATUS "FSD OL"\n']],
  // GET
  ['GET counts', ['GET', 'GET x', 'GET VAR ups1', 'GET FOO a b', 'GET NUMATTACH ups1'],
    ['ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n']],
  ['GET TRACKING', ['GET TRACKING', 'GET TRACKING abc'], ['OFF\n', 'ERR FEATURE-NOT-CONFIGURED\n']],
  ['GET NUMLOGINS', ['GET NUMLOGINS nope', 'GET NUMLOGINS down', 'GET NUMLOGINS stale', 'GET NUMLOGINS UPS1'],
    ['ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n', 'NUMLOGINS UPS1 0\n']],
  ['GET UPSDESC', ['GET UPSDESC Ups1', 'GET UPSDESC down', 'GET UPSDESC nope'],
    ['UPSDESC Ups1 "My \\"first\\" UPS \\#1"\n', 'UPSDESC down "Unavailable"\n', 'ERR UNKNOWN-UPS\n']],
  ['GET VAR server.*', ['GET VAR nope server.info', 'GET VAR x SERVER.VERSION', 'GET VAR x server.other'],
    ['VAR nope server.info "Network UPS Tools upsd 2.8.0 (hardnut 9.9.9) - http://www.networkupstools.org/"\n', 'VAR x server.version "2.8.0"\n', 'ERR VAR-NOT-SUPPORTED\n']],
  ['GET VAR order', ['GET VAR nope ups.status', 'GET VAR down ups.status', 'GET VAR stale ups.status', 'GET VAR ups1 nope', 'GET VAR UPS1 battery.charge', 'GET VAR ups1 ups.mfr'],
    ['ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n', 'ERR VAR-NOT-SUPPORTED\n', 'VAR UPS1 battery.charge "100"\n', 'VAR ups1 ups.mfr "A \\"quoted\\" \\\\ name"\n']],
  ['GET TYPE', ['GET TYPE ups1 ups.id', 'GET TYPE ups1 input.transfer.low', 'GET TYPE ups1 input.transfer.high', 'GET TYPE ups1 ups.readonly', 'GET TYPE ups1 ups.noaux', 'GET TYPE ups1 nope', 'GET TYPE down x'],
    ['TYPE ups1 ups.id RW STRING:4\n', 'TYPE ups1 input.transfer.low RW ENUM NUMBER\n', 'TYPE ups1 input.transfer.high RW RANGE NUMBER\n', 'TYPE ups1 ups.readonly NUMBER\n', 'TYPE ups1 ups.noaux RW STRING:0\n', 'ERR VAR-NOT-SUPPORTED\n', 'ERR DRIVER-NOT-CONNECTED\n']],
  ['GET DESC / CMDDESC', ['GET DESC ups1 UPS.STATUS', 'GET DESC ups1 ups.mfr', 'GET DESC ups1 nope', 'GET DESC stale x', 'GET CMDDESC ups1 load.off', 'GET CMDDESC ups1 nope', 'GET CMDDESC nope x'],
    ['DESC ups1 UPS.STATUS "UPS status"\n', 'DESC ups1 ups.mfr "Has "quotes""\n', 'DESC ups1 nope "Description unavailable"\n', 'ERR DATA-STALE\n', 'CMDDESC ups1 load.off "Turn off"\n', 'CMDDESC ups1 nope "Description unavailable"\n', 'ERR UNKNOWN-UPS\n']],
  // LIST
  ['LIST counts', ['LIST', 'LIST VAR', 'LIST ENUM ups1', 'LIST FOO a b', 'LIST CLIENTS ups1'], Array(5).fill('ERR INVALID-ARGUMENT\n') as string[]],
  ['LIST UPS', ['LIST UPS'], ['BEGIN LIST UPS\nUPS ups1 "My \\"first\\" UPS \\#1"\nUPS down "Description unavailable"\nUPS stale "Description unavailable"\nEND LIST UPS\n']],
  ['LIST VAR / RW / CMD errors', ['LIST VAR nope', 'LIST RW down', 'LIST CMD stale'], ['ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n']],
  ['LIST RW', ['LIST RW Ups1'], ['BEGIN LIST RW Ups1\nRW Ups1 input.transfer.high "280"\nRW Ups1 input.transfer.low "160"\nRW Ups1 ups.id "ID1"\nRW Ups1 ups.noaux "x"\nEND LIST RW Ups1\n']],
  ['LIST CMD sorted case-insensitively', ['LIST CMD ups1'], ['BEGIN LIST CMD ups1\nCMD ups1 Beeper.Enable\nCMD ups1 load.off\nEND LIST CMD ups1\n']],
  ['LIST ENUM / RANGE', ['LIST ENUM ups1 input.transfer.low', 'LIST RANGE ups1 input.transfer.high', 'LIST ENUM ups1 nope', 'LIST RANGE ups1 ups.id'],
    ['BEGIN LIST ENUM ups1 input.transfer.low\nENUM ups1 input.transfer.low "150"\nENUM ups1 input.transfer.low "160"\nEND LIST ENUM ups1 input.transfer.low\n',
      'BEGIN LIST RANGE ups1 input.transfer.high\nRANGE ups1 input.transfer.high "260" "290"\nEND LIST RANGE ups1 input.transfer.high\n',
      'ERR VAR-NOT-SUPPORTED\n', 'BEGIN LIST RANGE ups1 ups.id\nEND LIST RANGE ups1 ups.id\n']],
  ['LIST CLIENT: no driver check, no auth', ['LIST CLIENT down', 'LIST CLIENT nope'], ['BEGIN LIST CLIENT down\nEND LIST CLIENT down\n', 'ERR UNKNOWN-UPS\n']],
  // SET
  ['SET counts', [...AUTH, 'SET', 'SET VAR', 'SET VAR ups1 ups.id', 'SET TRACKING', 'SET TRACKING maybe', 'SET FOO x'],
    ['OK\n', 'OK\n', ...Array(6).fill('ERR INVALID-ARGUMENT\n') as string[]]],
  ['SET VAR order: UPS, driver, stale, permission before the variable', ['USERNAME cmduser', 'PASSWORD cmdpass', 'SET VAR nope x y', 'SET VAR down x y', 'SET VAR stale x y', 'SET VAR ups1 nope y'],
    ['OK\n', 'OK\n', 'ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n', 'ERR ACCESS-DENIED\n']],
  ['SET VAR checks', [...AUTH, 'SET VAR ups1 nope y', 'SET VAR ups1 ups.readonly y', 'SET VAR ups1 ups.noaux y', 'SET VAR ups1 ups.id 12345', 'SET VAR ups1 ups.id 1234',
    'SET VAR ups1 input.transfer.low 155', 'SET VAR ups1 input.transfer.low 150', 'SET VAR ups1 input.transfer.high 300', 'SET VAR ups1 input.transfer.high 270xyz'],
    ['OK\n', 'OK\n', 'ERR VAR-NOT-SUPPORTED\n', 'ERR READONLY\n', 'ERR SET-FAILED\n', 'ERR TOO-LONG\n', 'OK\n', 'ERR INVALID-VALUE\n', 'OK\n', 'ERR INVALID-VALUE\n', 'OK\n']],
  // INSTCMD
  ['INSTCMD order: UPS, driver, stale, command, permission', ['USERNAME cmduser', 'PASSWORD cmdpass', 'INSTCMD', 'INSTCMD ups1', 'INSTCMD nope x', 'INSTCMD down x', 'INSTCMD stale x', 'INSTCMD ups1 nope', 'INSTCMD ups1 beeper.enable', 'INSTCMD ups1 LOAD.OFF'],
    ['OK\n', 'OK\n', 'ERR INVALID-ARGUMENT\n', 'ERR INVALID-ARGUMENT\n', 'ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n', 'ERR CMD-NOT-SUPPORTED\n', 'ERR ACCESS-DENIED\n', 'OK\n']],
];

describe('dispatch: replies and check order (§2.3)', () => {
  let h: Harness;
  beforeEach(() => { h = harness(); });
  for (const [what, requests, expected] of CASES) {
    it(what, () => {
      const s = session(h);
      expect(run(h, s, requests).map((r) => r.text)).toEqual(expected);
    });
  }

  it('knows exactly NUT\'s commands', () => {
    expect(COMMAND_NAMES).toEqual(['VER', 'NETVER', 'PROTVER', 'HELP', 'STARTTLS', 'GET', 'LIST', 'USERNAME', 'PASSWORD', 'LOGIN', 'LOGOUT', 'PRIMARY', 'MASTER', 'FSD', 'SET', 'INSTCMD']);
  });
});

describe('dispatch: effects', () => {
  let h: Harness;
  beforeEach(() => { h = harness(); });

  it('LOGIN counts the login; LIST CLIENT lists the canonical name, newest connection first', () => {
    const a = session(h, '10.0.0.1');
    const b = session(h, '10.0.0.2');
    run(h, a, ['USERNAME sec', 'PASSWORD secpass', 'LOGIN UPS1']);
    run(h, b, ['USERNAME mon', 'PASSWORD monpass', 'LOGIN ups1']);
    expect((h.registry.get('ups1') as UpsEntry).numLogins).toBe(2);
    expect(run(h, session(h), ['GET NUMLOGINS ups1', 'LIST CLIENT Ups1']).map((r) => r.text)).toEqual([
      'NUMLOGINS ups1 2\n',
      'BEGIN LIST CLIENT Ups1\nCLIENT ups1 10.0.0.2\nCLIENT ups1 10.0.0.1\nEND LIST CLIENT Ups1\n',
    ]);
  });

  it('SET and INSTCMD are forwarded to the driver as NUT writes them', () => {
    const s = session(h);
    run(h, s, [...AUTH, 'SET VAR ups1 ups.id "a\\"b"', 'INSTCMD ups1 load.off', 'INSTCMD ups1 load.off 5', 'INSTCMD ups1 load.off 5 6']);
    expect(h.sent).toEqual([
      { ups: 'ups1', line: 'SET ups.id "a\\"b"\n' },
      { ups: 'ups1', line: 'INSTCMD load.off\n' },
      { ups: 'ups1', line: 'INSTCMD load.off 5\n' },
      { ups: 'ups1', line: 'INSTCMD load.off\n' }, // a fourth word drops the parameter (§2.3 ⚠)
    ]);
  });

  it('a driver that cannot be written to: SET-FAILED / INSTCMD-FAILED', () => {
    h.driverUp = false;
    expect(run(h, session(h), [...AUTH, 'SET VAR ups1 ups.id a', 'INSTCMD ups1 load.off']).map((r) => r.text).slice(2))
      .toEqual(['ERR SET-FAILED\n', 'ERR INSTCMD-FAILED\n']);
  });

  it('tracking: OK TRACKING <id>, the id goes to the driver, GET TRACKING follows the driver\'s answer', () => {
    const s = session(h);
    const r = run(h, s, [...AUTH, 'SET TRACKING on', 'GET TRACKING', 'INSTCMD ups1 load.off']).map((x) => x.text);
    expect(r.slice(2)).toEqual(['OK\n', 'ON\n', 'OK TRACKING 00000001-0000-4000-8000-000000000000\n']);
    expect(h.sent[0]?.line).toBe('INSTCMD load.off TRACKING 00000001-0000-4000-8000-000000000000\n');
    expect(run(h, s, ['GET TRACKING 00000001-0000-4000-8000-000000000000'])[0]?.text).toBe('PENDING\n');
    h.tracking.set('00000001-0000-4000-8000-000000000000', 0);
    expect(run(h, s, ['GET TRACKING 00000001-0000-4000-8000-000000000000'])[0]?.text).toBe('SUCCESS\n');
    expect(run(h, s, ['GET TRACKING nope'])[0]?.text).toBe('ERR UNKNOWN\n');
    // another connection without tracking may not ask
    expect(run(h, session(h), ['GET TRACKING 00000001-0000-4000-8000-000000000000'])[0]?.text).toBe('ERR FEATURE-NOT-CONFIGURED\n');
    expect(run(h, s, ['SET TRACKING OFF', 'GET TRACKING', 'INSTCMD ups1 load.off']).map((x) => x.text)).toEqual(['OK\n', 'OFF\n', 'OK\n']);
  });

  it('LOGOUT asks the server to close; STARTTLS with a certificate asks it to start TLS', () => {
    expect(run(h, session(h), ['LOGOUT'])[0]).toEqual({ text: 'OK Goodbye\n', then: 'logout' });
    const tlsCtx = { ...h.ctx, tlsReady: true } as CommandContext;
    const s = session(h);
    expect(dispatch(tlsCtx, s, ['STARTTLS'])).toEqual({ text: 'OK STARTTLS\n', then: 'starttls' });
    s.tls = true;
    expect(dispatch(tlsCtx, s, ['STARTTLS']).text).toBe('ERR ALREADY-SSL-MODE\n');
  });

  it('no password ever reaches the log', () => {
    const s = session(h);
    run(h, s, ['USERNAME admin', 'PASSWORD sekrit-pw', 'SET VAR ups1 ups.id ab', 'LOGIN ups1', 'FSD ups1', 'INSTCMD ups1 load.off', 'PASSWORD again']);
    const t = session(h);
    run(h, t, ['USERNAME admin', 'PASSWORD adminpass', 'SET VAR ups1 ups.id ab', 'FSD ups1', 'INSTCMD ups1 load.off', 'USERNAME x']);
    expect(h.logs.length).toBeGreaterThan(0);
    expect(h.logs.join('\n')).not.toMatch(/sekrit-pw|adminpass/);
  });
});

describe('hardnut additions (not in NUT)', () => {
  let h: Harness;
  beforeEach(() => { h = harness(); });

  it('FSD <ups> CLEAR: by a user with the FSD right, once the UPS is on line power', () => {
    const ups = h.registry.get('ups1') as UpsEntry;
    const mon = session(h);
    expect(run(h, mon, ['USERNAME mon', 'PASSWORD monpass', 'FSD ups1', 'GET VAR ups1 ups.status', 'FSD ups1 CLEAR', 'GET VAR ups1 ups.status']).map((r) => r.text).slice(2))
      .toEqual(['OK FSD-SET\n', 'VAR ups1 ups.status "FSD OL"\n', 'OK FSD-CLEARED\n', 'VAR ups1 ups.status "OL"\n']);
    // not while on battery
    run(h, mon, ['FSD ups1']);
    ups.state.setInfo('ups.status', 'OB DISCHRG');
    expect(run(h, mon, ['FSD ups1 clear'])[0]?.text).toBe('ERR INVALID-VALUE\n');
    ups.state.setInfo('ups.status', 'OL OB');
    expect(run(h, mon, ['FSD ups1 CLEAR'])[0]?.text).toBe('ERR INVALID-VALUE\n');
    expect(ups.fsd).toBe(true);
    ups.state.setInfo('ups.status', 'OL CHRG');
    // not without the FSD right, not with a wrong password, not for an unknown UPS or a dead driver
    expect(run(h, session(h), ['USERNAME sec', 'PASSWORD secpass', 'FSD ups1 CLEAR'])[2]?.text).toBe('ERR ACCESS-DENIED\n');
    expect(run(h, session(h), ['USERNAME mon', 'PASSWORD x', 'FSD ups1 CLEAR'])[2]?.text).toBe('ERR ACCESS-DENIED\n');
    expect(run(h, mon, ['FSD nope CLEAR', 'FSD down CLEAR', 'FSD stale CLEAR']).map((r) => r.text))
      .toEqual(['ERR UNKNOWN-UPS\n', 'ERR DRIVER-NOT-CONNECTED\n', 'ERR DATA-STALE\n']);
    expect(ups.fsd).toBe(true);
    expect(run(h, mon, ['FSD ups1 CLEAR'])[0]?.text).toBe('OK FSD-CLEARED\n');
    expect(ups.fsd).toBe(false);
    // NUT's syntax for anything else is unchanged
    expect(run(h, mon, ['FSD ups1 NOW'])[0]?.text).toBe('ERR INVALID-ARGUMENT\n');
  });

  it('failed logins: every answer at once; past the per-address limit checks are refused unmade, even with the right password', () => {
    const replies: Reply[] = [];
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) replies.push(...run(h, session(h, '192.0.2.7'), ['USERNAME admin', `PASSWORD guess${String(i)}`, 'LOGIN ups1']).slice(2));
    expect(replies).toEqual(Array(MAX_FAILURES_PER_ADDRESS).fill({ text: 'ERR ACCESS-DENIED\n' }));
    // the right password from that address now gets the same answer: a guess there teaches nothing
    const s = session(h, '192.0.2.7');
    expect(run(h, s, ['USERNAME sec', 'PASSWORD secpass', 'LOGIN ups1'])[2]).toEqual({ text: 'ERR ACCESS-DENIED\n' });
    expect(s.authenticated).toBe(false);
    // another address is not affected, and a success marks the session authenticated
    const other = session(h, '192.0.2.8');
    expect(run(h, other, ['USERNAME sec', 'PASSWORD secpass', 'LOGIN ups1'])[2]).toEqual({ text: 'OK\n' });
    expect(other.authenticated).toBe(true);
    // a missing right with a good password is not a failed login
    for (let i = 0; i < 2 * MAX_FAILURES_PER_ADDRESS; i++) expect(run(h, session(h, '192.0.2.9'), [...AUTH, 'LOGIN ups1'])[2]).toEqual({ text: 'ERR ACCESS-DENIED\n' });
    expect(run(h, session(h, '192.0.2.9'), ['USERNAME sec', 'PASSWORD secpass', 'LOGIN ups1'])[2]).toEqual({ text: 'OK\n' });
  });
});
