// NOTIFYCMD written as NUT's shell line (issue 20 item 5), run by the real upsmon at ONBATT: NUT's
// own tests/NIT/nit.sh form `NOTIFYCMD "TEMPDIR='…' …/notifyme-debug"` (an env assignment and a
// program, run without a shell), a line only a shell can run (through /bin/sh as the dispatcher's
// user), and a NOTIFYMSG holding $(…), backquotes, ; and quotes that reaches both scripts intact
// and runs nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { DAEMON_USER, isRoot } from '../support/peers.js';
import { freePort, waitFor, type Proc } from '../support/stack.js';
import {
  PRIMARY_LOGIN, makeUpsmonDir, startDriver, startHardnutUpsmon, startUpsd, upsdFiles, waitForUpsd,
} from '../interop/upsmon-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

describe('NOTIFYCMD as a shell line', () => {
  it("nit.sh's TEMPDIR='…' form and a /bin/sh line both run at ONBATT with NOTIFYMSG intact; shell syntax in the message runs nothing", async () => {
    const port = await freePort();
    const d = makeUpsmonDir({ 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'ups.status: OB\nbattery.charge: 50\n', ...upsdFiles(port) });
    cleanups.push(() => d.cleanup());
    // what notifyme-debug does: write into $TEMPDIR, here one line: how it was run, $TEMPDIR, $1, $NOTIFYMSG
    const out = join(d.rec, 'notified');
    writeFileSync(out, '');
    chmodSync(out, 0o666);
    const script = join(d.bin, 'notifyme-debug');
    writeFileSync(script, `#!/bin/sh\nprintf '%s|%s|%s|%s|%s|%s\\n' "$VIA" "$NOTIFYTYPE" "$TEMPDIR" "$1" "$NOTIFYMSG" "$(id -u)" >> ${out}\n`);
    chmodSync(script, 0o755);
    const tempdir = join(d.root, 'nit tmp');
    mkdirSync(tempdir);
    const pwned = join(d.rec, 'pwned');
    // NUT 2.8.0 builds `NOTIFYCMD "message"` for system(): each of these would have run there
    const message = `UPS %s on battery $(touch ${pwned}-1) \`touch ${pwned}-2\`; touch ${pwned}-3 ' "; touch ${pwned}-4 #`;
    const conf = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/#/g, '\\#');
    for (const u of ['u']) track(await startDriver('hardnut', d, u));
    track(startUpsd('hardnut', d));
    await waitForUpsd(port, ['u'], d.env);
    const upsmon = track(startHardnutUpsmon(d, 'sh', {
      system: `u@127.0.0.1:${port}`, role: 'primary', login: PRIMARY_LOGIN,
      extra: [
        'POLLFREQ 1', 'POLLFREQALERT 1', 'DEADTIME 15',
        `NOTIFYMSG ONBATT "${conf(message)}"`,
        // nit.sh's line, word for word but for the paths (and VIA, to tell the two apart)
        `NOTIFYCMD "VIA=env TEMPDIR='${tempdir}' ${script}"`,
        // only a shell can run this one: a variable, a redirection and a second command
        `NOTIFYCMD "VIA=sh; export VIA; TEMPDIR=\\"$NOTIFYTYPE-$HOME\\" exec ${script} 2>/dev/null"`,
      ],
    }));
    const lines = await waitFor('both NOTIFYCMDs at ONBATT', () => {
      const l = readFileSync(out, 'utf8').split('\n').filter((x) => x.includes('|ONBATT|'));
      return l.length >= 2 ? l : undefined;
    }, 20_000, 100).catch((err: Error) => { throw new Error(`${err.message}\nnotified:\n${readFileSync(out, 'utf8')}\nupsmon:\n${upsmon.output()}`); });
    const expected = message.replace('%s', `u@127.0.0.1:${String(port)}`);
    // as root, both ran as the dispatcher's user (nut), never as root
    const uid = String(isRoot() ? lookupUser(DAEMON_USER)?.uid : process.getuid?.());
    expect(lines.sort()).toEqual([
      `env|ONBATT|${tempdir}|${expected}|${expected}|${uid}`,
      `sh|ONBATT|ONBATT-/|${expected}|${expected}|${uid}`,
    ]);
    expect([1, 2, 3, 4].filter((i) => existsSync(`${pwned}-${String(i)}`))).toEqual([]);
  }, 40_000);
});
