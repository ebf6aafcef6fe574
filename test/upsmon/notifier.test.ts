// Notifications reach the network, the dispatcher still does not (issue 20 item 6). The real
// upsmon as root: at ONBATT a NOTIFYCMD that opens a TCP connection to a local "SMTP" listener
// (as msmtp or curl would) delivers the message, as NOTIFYUSER; the dispatcher's own filter, which
// SHUTDOWNCMD inherits, still refuses the same connection. And the notifier process alone, fed
// forged frames on its pipe: it exits non-zero and runs nothing of them.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { encodeControl } from '../../src/protocol/control/index.js';
import { encodeFrame } from '../../src/protocol/notify-frame/index.js';
import { EXIT_CHILD_FAULT } from '../../src/upsmon/shared/exit-codes.js';
import { DAEMON_USER, requireRoot } from '../support/peers.js';
import { HARDNUT, freePort, waitFor, type Proc } from '../support/stack.js';
import {
  PRIMARY_LOGIN, makeUpsmonDir, startDriver, startHardnutUpsmon, startUpsd, upsdFiles, upsmonChildren, waitForUpsd, type UpsmonDir,
} from '../interop/upsmon-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

/** A TCP listener on 127.0.0.1 standing in for a remote SMTP server: what each connection wrote. */
async function smtpListener(): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server = net.createServer((s) => {
    let text = '';
    s.write('220 test ESMTP\r\n');
    s.on('data', (d: Buffer) => { text += d.toString('utf8'); });
    s.on('end', () => s.end());
    s.on('close', () => { if (text !== '') received.push(text); });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, received };
}

/** An empty file every user may append to (the scripts run as nut or NOTIFYUSER). */
function sharedFile(d: UpsmonDir, name: string): string {
  const path = join(d.rec, name);
  writeFileSync(path, '');
  chmodSync(path, 0o666);
  return path;
}

/** A bash script that connects to 127.0.0.1:port (bash's /dev/tcp: socket(AF_INET) + connect) and sends its line, or records why it could not. */
function tcpScript(d: UpsmonDir, name: string, port: number, line: string): { path: string; failures: string } {
  const failures = sharedFile(d, `${name}-failed`);
  const path = join(d.bin, name);
  writeFileSync(path, [
    '#!/bin/bash',
    `exec 2>>${failures}`,
    `if ! exec 3<>/dev/tcp/127.0.0.1/${String(port)}; then echo "$(id -u) no connection" >&2; exit 1; fi`,
    // as an SMTP client does: the greeting first (closing with it unread would reset the connection)
    'read -r -t 20 greeting <&3',
    `printf '%s\\r\\n' "${line}" >&3`,
    'exec 3>&-',
    '',
  ].join('\n'));
  chmodSync(path, 0o755);
  return { path, failures };
}

/** dummy-ups [u] with `status`, upsd, and upsmon as primary whose NOTIFYCMD mails `line` to the listener; `extra` sees the dir. */
async function mailingUpsmon(status: string, tag: string, line: string, extra: (d: UpsmonDir, smtpPort: number) => string[]) {
  const smtp = await smtpListener();
  const upsdPort = await freePort();
  const d = makeUpsmonDir({ 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': `ups.status: ${status}\n`, ...upsdFiles(upsdPort) });
  cleanups.push(() => d.cleanup());
  const mail = tcpScript(d, 'mail', smtp.port, line);
  const more = extra(d, smtp.port);
  track(await startDriver('hardnut', d, 'u'));
  track(startUpsd('hardnut', d));
  await waitForUpsd(upsdPort, ['u'], d.env);
  const upsmon = track(startHardnutUpsmon(d, tag, {
    system: `u@127.0.0.1:${String(upsdPort)}`, role: 'primary', login: PRIMARY_LOGIN,
    extra: ['POLLFREQ 1', 'POLLFREQALERT 1', 'DEADTIME 15', `NOTIFYCMD ${mail.path}`, ...more],
  }));
  return { d, smtp, mail, upsmon, upsdPort };
}

describe('the notifier: NOTIFYCMD with the network, the dispatcher without', () => {
  it('at ONBATT a notify script reaches a TCP listener on 127.0.0.1 as NOTIFYUSER; SHUTDOWNCMD, under the dispatcher\'s filter, gets EPERM', async (ctx) => {
    requireRoot(ctx);
    const nobody = lookupUser('nobody');
    if (!nobody) throw new Error('no user nobody');
    let probe = { path: '', failures: '' };
    const { d, smtp, mail, upsmon, upsdPort } = await mailingUpsmon('OB', 'net', 'MAIL $NOTIFYTYPE uid=$(id -u) $1', (dir, port) => {
      probe = tcpScript(dir, 'shutdown-probe', port, 'SHUTDOWNCMD connected uid=$(id -u)');
      return ['FINALDELAY 0', 'NOTIFYUSER nobody', `SHUTDOWNCMD ${probe.path}`];
    });
    const fail = (err: Error): never => { throw new Error(`${err.message}\nreceived: ${JSON.stringify(smtp.received)}\nfailed: ${readFileSync(mail.failures, 'utf8')}\nevents: ${JSON.stringify(d.events())}\nupsmon:\n${upsmon.output()}`); };
    const onbatt = await waitFor('ONBATT mailed through the listener', () => smtp.received.find((t) => t.startsWith('MAIL ONBATT')), 30_000, 100).catch(fail);
    // the message intact, sent by a process running as NOTIFYUSER (nobody), not nut, not root
    expect(onbatt).toBe(`MAIL ONBATT uid=${String(nobody.uid)} UPS u@127.0.0.1:${String(upsdPort)} on battery\r\n`);
    expect(readFileSync(mail.failures, 'utf8')).toBe('');
    const kids = await upsmonChildren(upsmon.child.pid as number);
    // the dispatcher's own process is under its filter (Seccomp 2), as nut
    const status = readFileSync(`/proc/${String(kids.dispatch)}/status`, 'latin1');
    expect(status).toMatch(/^Seccomp:\s+2$/m);

    // Now the battery runs low: the dispatcher runs SHUTDOWNCMD (no helper in tests), which
    // inherits the dispatcher's filter: the same connection is refused there.
    writeFileSync(join(d.etc, 'u.dev'), 'ups.status: OB LB\n');
    const refused = await waitFor('SHUTDOWNCMD refused a connection', () => { const t = readFileSync(probe.failures, 'utf8'); return t.includes('no connection') ? t : undefined; }, 30_000, 100).catch(fail);
    const nut = lookupUser(DAEMON_USER);
    expect(refused).toMatch(/Operation not permitted/);
    expect(refused).toContain(`${String(nut?.uid)} no connection`);
    expect(smtp.received.filter((t) => t.startsWith('SHUTDOWNCMD'))).toEqual([]);
  }, 90_000);
});

describe('the notifier under the supervisor', () => {
  it('a notifier that dies takes the dispatcher and the network child with it; all three restart and the next ONBATT is delivered', async (ctx) => {
    requireRoot(ctx);
    const { d, smtp, upsmon } = await mailingUpsmon('OL', 'rs', 'MAIL $NOTIFYTYPE $1', () => []);
    const before = await upsmonChildren(upsmon.child.pid as number);
    await waitFor('the notifier confined', () => /^Seccomp:\s+2$/m.test(readFileSync(`/proc/${String(before.notify)}/status`, 'latin1')), 15_000, 50);
    process.kill(before.notify, 'SIGKILL');
    const after = await waitFor('three new processes', async () => {
      const k = await upsmonChildren(upsmon.child.pid as number).catch(() => undefined);
      return k && k.notify !== before.notify && k.dispatch !== before.dispatch && k.net !== before.net ? k : undefined;
    }, 30_000, 100).catch((err: Error) => { throw new Error(`${err.message}\n${upsmon.output()}`); });
    expect(upsmon.output()).toMatch(/the notifier ended \(SIGKILL\): restarting all three processes/);
    // the new trio works: an outage now is mailed
    await waitFor('the new notifier confined', () => /^Seccomp:\s+2$/m.test(readFileSync(`/proc/${String(after.notify)}/status`, 'latin1')), 15_000, 50);
    writeFileSync(join(d.etc, 'u.dev'), 'ups.status: OB\n');
    await waitFor('ONBATT mailed by the new notifier', () => smtp.received.find((t) => t.startsWith('MAIL ONBATT')), 30_000, 100)
      .catch((err: Error) => { throw new Error(`${err.message}\n${upsmon.output()}`); });
  }, 90_000);
});

/** The notifier process alone, as the supervisor starts it, fed `bytes` on its fd 3. */
async function notifierWith(d: UpsmonDir, conf: string, bytes: Uint8Array): Promise<{ code: number | null; output: string }> {
  const parsed = parseUpsmonConf(conf, 'upsmon.conf').value;
  const child = spawn(process.execPath, [HARDNUT, 'upsmon', '--role', 'notify'], { env: { ...d.env, HARDNUT_WALL_PATH: '/bin/true' }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stdin.write(encodeControl({ t: 'start', conf: parsed, log: { syslog: false, debug: 1 }, user: DAEMON_USER, seccomp: 'enforce' }));
  const pipe = child.stdio[3] as net.Socket;
  // confined before the first frame is read: the filter is in force when the bytes arrive
  await waitFor('the notifier confined', () => /^Seccomp:\s+2$/m.test(readFileSync(`/proc/${String(child.pid)}/status`, 'latin1')), 15_000, 50);
  pipe.write(bytes);
  pipe.end();
  const code = await exited;
  return { code, output };
}

describe('the notifier refuses forged frames', () => {
  it('garbage, an unknown UPS, EXEC_SHUTDOWN, or a good frame with garbage after it: exit non-zero, nothing runs; a good frame runs NOTIFYCMD as nut', async (ctx) => {
    requireRoot(ctx);
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const ran = sharedFile(d, 'ran');
    const script = join(d.bin, 'notify');
    writeFileSync(script, `#!/bin/sh\necho "$(id -u)|$NOTIFYTYPE|$UPSNAME|$1" >> ${ran}\n`);
    chmodSync(script, 0o755);
    const conf = `MONITOR u@localhost 1 mon pass primary\nNOTIFYCMD ${script}\nNOTIFYFLAG ONBATT EXEC\nNOTIFYFLAG ONLINE EXEC\n`;
    const good = encodeFrame('ONBATT', 'u@localhost');
    const forged: Array<[string, Uint8Array]> = [
      ['garbage', Buffer.from('$(touch /tmp/x)\n')],
      ['a UPS that is not a MONITOR', encodeFrame('ONBATT', 'other@localhost')],
      ['EXEC_SHUTDOWN, not a notification', encodeFrame('EXEC_SHUTDOWN')],
      ['a good frame, then garbage in the same write', Buffer.concat([good, Buffer.from([0x02, 0xff])])],
    ];
    for (const [what, bytes] of forged) {
      const r = await notifierWith(d, conf, bytes);
      expect(r.code, `${what}: ${r.output}`).toBe(EXIT_CHILD_FAULT);
      expect(r.output, what).toMatch(/bad frame from the dispatcher/);
      expect(readFileSync(ran, 'utf8'), what).toBe('');
    }
    // control: the same process given a good frame runs the script, as nut, and ends at EOF with 0
    const r = await notifierWith(d, conf, good);
    expect(r.code, r.output).toBe(0);
    const line = await waitFor('NOTIFYCMD ran', () => readFileSync(ran, 'utf8') || undefined, 15_000, 50);
    expect(line).toBe(`${String(lookupUser(DAEMON_USER)?.uid)}|ONBATT|u@localhost|UPS u@localhost on battery\n`);
  }, 90_000);
});
