// Issue 19 item 7, rerun on the real processes: a compromised jailed network child cannot shut
// the host down while its UPSes are on line. The attack model is the issue's: an exploit of a
// parser bug runs code in the network child after it dropped to nobody, entered the empty jail
// and loaded its seccomp filter. Stand-in: a module root preloads into upsmon (NODE_OPTIONS --import,
// which the children inherit — no seam in hardnut, nothing a non-root user or a config file can
// reach) whose signal handlers, in the `--role net` child only, write raw bytes on the child's
// real fd 3, the framed pipe, with the child's own rights. The test signals it only after it has
// seen the child confined. The real dispatcher judges the bytes; SHUTDOWNCMD is a script that
// leaves a marker file.
//
// Two UPSes, each power 1, MINSUPPLIES 1, both OL at 100 %: by NUT's rule the host shuts down
// only when both may be critical. (With one supply, a forged FSD on it would be accepted: FSD is
// critical whatever the status says — a secondary whose primary ran `upsmon -c fsd` sees OL FSD —
// and the dispatcher has no way to tell it from a real one. SECURITY.md lists it.)
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRoot } from '../support/peers.js';
import { freePort, runHardnut, waitFor, writeFiles, type Proc } from '../support/stack.js';
import { encodeFrame, type FrameTypeName } from '../../src/protocol/notify-frame/index.js';
import {
  PRIMARY_LOGIN, makeUpsmonDir, startDriver, startHardnutUpsmon, startUpsd, statusField, upsdFiles,
  upsmonChildren, waitForUpsd, type UpsmonDir,
} from '../interop/upsmon-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

const TIMINGS = ['POLLFREQ 1', 'POLLFREQALERT 1', 'FINALDELAY 0', 'HOSTSYNC 3', 'DEADTIME 15'];
const NOBODY = 65534;
/** The dispatcher's user (nut). */
const nutUid = (): number => Number(readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nut:'))?.split(':')[2] ?? -1);
const UPSES = ['u1', 'u2'];
const ON_LINE = 'ups.status: OL\nbattery.charge: 100\n';

type Frames = Array<[FrameTypeName, string?]>;
const bytes = (frames: Frames): Buffer => Buffer.concat(frames.map(([t, n]) => encodeFrame(t, n)));

interface Attack {
  /** The process that forges (default the network child, on the framed pipe, fd 3). */
  role?: 'net' | 'dispatch';
  signal: NodeJS.Signals;
  what: string;
  hex: string;
  /** The dispatcher's refusal, as it logs it. */
  refusal: RegExp;
}

/** The forged sequences, each ending in the shutdown, each with the frame the dispatcher must stop at. */
function attacks(a: string, b: string): Attack[] {
  // a SHUTDOWN frame whose end byte is not ETX: were it decoded anyway, the two FSDs before it
  // (both supplies) would make NUT's rule accept the shutdown
  const broken = Buffer.from(encodeFrame('SHUTDOWN'));
  broken[broken.length - 1] = 0x00;
  // an ONBATT frame whose type byte is in no frame table
  const unknownType = Buffer.from(encodeFrame('ONBATT', a));
  unknownType[1] = 0x7f;
  return [
    {
      signal: 'SIGUSR2', what: 'ONBATT SHUTDOWN EXEC_SHUTDOWN',
      hex: bytes([['ONBATT', a], ['SHUTDOWN'], ['EXEC_SHUTDOWN']]).toString('hex'),
      refusal: /bad frame from the network child \(frame SHUTDOWN out of order: [^)]*MINSUPPLIES/g,
    },
    {
      signal: 'SIGURG', what: 'FSD (UPS not OB) SHUTDOWN EXEC_SHUTDOWN',
      hex: bytes([['FSD', a], ['SHUTDOWN'], ['EXEC_SHUTDOWN']]).toString('hex'),
      refusal: /bad frame from the network child \(frame SHUTDOWN out of order: [^)]*MINSUPPLIES/g,
    },
    {
      signal: 'SIGWINCH', what: 'FSD FSD(unknown UPS) SHUTDOWN EXEC_SHUTDOWN',
      hex: bytes([['FSD', a], ['FSD', 'evil@203.0.113.9'], ['SHUTDOWN'], ['EXEC_SHUTDOWN']]).toString('hex'),
      refusal: /bad frame from the network child \(frame FSD names a UPS that is not a MONITOR in upsmon\.conf\)/g,
    },
    {
      signal: 'SIGPWR', what: 'FSD FSD SHUTDOWN(malformed) EXEC_SHUTDOWN',
      hex: Buffer.concat([bytes([['FSD', a], ['FSD', b]]), broken, bytes([['EXEC_SHUTDOWN']])]).toString('hex'),
      refusal: /bad frame from the network child \(malformed frame: /g,
    },
    {
      signal: 'SIGVTALRM', what: 'ONBATT(unknown type byte) FSD FSD SHUTDOWN EXEC_SHUTDOWN',
      hex: Buffer.concat([unknownType, bytes([['FSD', a], ['FSD', b], ['SHUTDOWN'], ['EXEC_SHUTDOWN']])]).toString('hex'),
      refusal: /bad frame from the network child \([^)]*the type byte is not in the frame table/g,
    },
  ];
}

/**
 * The attacker's code: each signal makes its process write the forged bytes, the network child on
 * fd 3 (the framed pipe), the dispatcher on fd 4 (its channel to the root supervisor).
 */
function exploitModule(list: Attack[]): string {
  return [
    "import { writeSync } from 'node:fs';",
    "const at = process.argv.indexOf('--role');",
    "const role = at >= 0 ? process.argv[at + 1] : '';",
    // the line first, synchronously: the frame gets the process killed at once, and an
    // asynchronous stderr write still pending then is lost (seen once under load)
    ...list.map((x) => `if (role === '${x.role ?? 'net'}') process.on('${x.signal}', () => { const b = Buffer.from('${x.hex}', 'hex'); ` +
      `writeSync(2, \`exploit: uid \${process.getuid()} wrote ${x.what} (\${b.length} bytes)\\n\`); writeSync(${x.role === 'dispatch' ? 4 : 3}, b); });`),
    '',
  ].join('\n');
}

/**
 * A compromised dispatcher (issue 16) asking the root supervisor for rule actions: a rule not in
 * the supervisor's copy, a notify-only rule (no action for upsd): each refused, logged, nothing
 * sent. Then a frame that is not a rule frame: nothing of it runs, the pair is restarted.
 */
function dispatcherAttacks(): Attack[] {
  return [
    { role: 'dispatch', signal: 'SIGPROF', what: 'to the supervisor: RULE_FIRE(a rule not in the file)', hex: bytes([['RULE_FIRE', 'evil']]).toString('hex'),
      refusal: /the dispatcher passed on RULE_FIRE evil: refused \(RULE_FIRE names a rule that is not in the supervisor's rule file\): nothing is sent to upsd/g },
    { role: 'dispatch', signal: 'SIGTTIN', what: 'to the supervisor: RULE_FIRE(notify-only rule)', hex: bytes([['RULE_FIRE', 'talk']]).toString('hex'),
      refusal: /the dispatcher passed on RULE_FIRE talk: refused \(rule 'talk' has no fsd or instcmd action\): nothing is sent to upsd/g },
    { role: 'dispatch', signal: 'SIGTTOU', what: 'to the supervisor: EXEC_SHUTDOWN', hex: bytes([['EXEC_SHUTDOWN']]).toString('hex'),
      refusal: /the dispatcher sent a EXEC_SHUTDOWN frame, not a rule frame: nothing of it runs; both processes will be restarted/g },
  ];
}

/** upsrules.conf: a notify-only rule and an fsd rule, neither of which fires on these UPSes. */
function ruleFile(a: string): string {
  return `RULE talk\n WHEN ups.temperature > 1000\n DO notify "talk"\nRULE never\n UPS ${a}\n WHEN battery.charge < 0\n DO fsd\n`;
}

type Pair = { net: number; dispatch: number };

/** The pair, once its network child is nobody, in the jail, under seccomp (and new, after `before`): only then is it attacked. */
function confinedPair(p: Proc, jail: string): (before?: Pair) => Promise<Pair> {
  const sup = p.child.pid as number;
  return (before) => waitFor('a new pair, its child confined', async () => {
    if (p.child.exitCode !== null) throw new Error(`upsmon exited ${String(p.child.exitCode)}:\n${p.output()}`);
    const q = await upsmonChildren(sup, 30_000);
    if (before !== undefined && (q.net === before.net || q.dispatch === before.dispatch)) return undefined;
    try {
      const st = readFileSync(`/proc/${q.net}/status`, 'latin1');
      const ok = statusField(st, 'Seccomp') === '2' && statusField(st, 'Uid').split('\t')[0] === String(NOBODY) && readlinkSync(`/proc/${q.net}/root`) === jail;
      return ok ? q : undefined;
    } catch { return undefined; } // between restarts
  }, 40_000, 100);
}

async function twoUpsStack(): Promise<{ d: UpsmonDir; port: number }> {
  const port = await freePort();
  const ups = UPSES.map((u) => `[${u}]\n\tdriver = dummy-ups\n\tport = ${u}.dev\n`).join('');
  const d = makeUpsmonDir({ 'ups.conf': `pollinterval = 1\n${ups}`, ...Object.fromEntries(UPSES.map((u) => [`${u}.dev`, ON_LINE])), ...upsdFiles(port) });
  cleanups.push(() => d.cleanup());
  for (const u of UPSES) track(await startDriver('hardnut', d, u));
  track(startUpsd('hardnut', d));
  await waitForUpsd(port, UPSES, d.env);
  return { d, port };
}

const count = (text: string, re: RegExp): number => [...text.matchAll(re)].length;

describe('a compromised jailed upsmon child forging frames (issue 19 item 7)', () => {
  it('cannot shut the host down with its UPSes on line: each forged sequence is refused, the pair restarted, SHUTDOWNCMD never runs; a real OB LB afterwards shuts down', async (ctx) => {
    requireRoot(ctx, 'root (the network child is jailed and filtered only when upsmon starts as root; CI runs as root)');
    const { d, port } = await twoUpsStack();
    const [a, b] = UPSES.map((u) => `${u}@127.0.0.1:${port}`) as [string, string];
    const list = attacks(a, b);
    const exploit = join(d.root, 'exploit.mjs');
    writeFileSync(exploit, exploitModule(list));
    // SHUTDOWNCMD (run as the dispatcher's user, nut): one line in the marker per run
    const marker = join(d.rec, 'shutdown-ran');
    const shutdownCmd = join(d.bin, 'shutdown-marker');
    writeFileSync(shutdownCmd, `#!/bin/sh\necho ran >> ${marker}\n`);
    chmodSync(shutdownCmd, 0o755);
    const flag = join(d.rec, 'killpower');
    const nodeOptions = [process.env['NODE_OPTIONS'], `--import=file://${exploit}`].filter((o) => o).join(' ');
    const p = track(startHardnutUpsmon(d, 'fg', {
      system: a, role: 'primary', login: PRIMARY_LOGIN,
      extra: [`MONITOR ${b} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`, ...TIMINGS, `POWERDOWNFLAG ${flag}`, `SHUTDOWNCMD "${shutdownCmd}"`],
    }, [], { NODE_OPTIONS: nodeOptions }));
    const jail = join(d.root, 'jail-fg');
    const events = (type: string): number => d.events().filter((e) => e.tag === 'fg' && e.type === type).length;

    const confined = confinedPair(p, jail);

    let current = await confined();
    for (const [i, x] of list.entries()) {
      const before = count(p.output(), x.refusal);
      const restarts = count(p.output(), /the network child sent a bad frame: killing it; both processes will be restarted/g);
      process.kill(current.net, x.signal);
      // whichever comes first: the refusal, or what a shutdown leaves (then the assertions below fail)
      await waitFor(`the dispatcher refusing ${x.what}`, () => count(p.output(), x.refusal) > before || existsSync(marker) || events('SHUTDOWN') > 0 || undefined, 15_000);
      expect({ attack: x.what, marker: existsSync(marker), shutdown: events('SHUTDOWN') }).toEqual({ attack: x.what, marker: false, shutdown: 0 });
      expect(count(p.output(), x.refusal)).toBe(before + 1);
      expect(p.output()).toContain(`exploit: uid ${String(NOBODY)} wrote ${x.what}`);
      // fail closed: the supervisor kills the child and starts a new pair (1, 2, 4, 8 s backoff)
      await waitFor('the supervisor restarting the pair', () => count(p.output(), /the network child sent a bad frame: killing it; both processes will be restarted/g) > restarts || undefined, 10_000);
      const next = await confined(current);
      expect(next.net, `attack ${String(i + 1)}`).not.toBe(current.net);
      current = next;
      // nothing of the shutdown ran: no marker, no SHUTDOWN notification, no POWERDOWNFLAG
      expect({ attack: x.what, marker: existsSync(marker), shutdown: events('SHUTDOWN'), flag: existsSync(flag) })
        .toEqual({ attack: x.what, marker: false, shutdown: 0, flag: false });
    }

    // The control: the UPSes really go OB LB (both supplies): the same upsmon shuts down, once.
    for (const u of UPSES) writeFileSync(join(d.etc, `${u}.dev`), 'ups.status: OB LB\nbattery.charge: 5\n');
    await waitFor('SHUTDOWNCMD', () => existsSync(marker) || undefined, 40_000);
    // the notifier process runs NOTIFYCMD (issue 20 item 6): its SHUTDOWN line may land just after the marker
    await waitFor('the SHUTDOWN notification', () => events('SHUTDOWN') > 0 || undefined, 10_000);
    expect(events('SHUTDOWN')).toBe(1);
    expect(readFileSync(flag, 'latin1')).toBe('upsmon-shutdown-file');
    await waitFor('upsmon to exit after the shutdown', () => p.child.exitCode !== null || undefined, 30_000);
    expect(p.child.exitCode).toBe(0);
    expect(readFileSync(marker, 'latin1')).toBe('ran\n');
    expect(p.output()).not.toMatch(/out of order: [^)]*(LOWBATT|FSD)/);
  }, 240_000);

  it('forged rule frames (issue 16): from the network child, a rule not in the file or out of order; from the dispatcher, a rule not in the supervisor\'s file, a notify-only rule, a non-rule frame: refused, the pair restarted, nothing sent to upsd', async (ctx) => {
    requireRoot(ctx, 'root (the network child is jailed and filtered only when upsmon starts as root; CI runs as root)');
    const { d, port } = await twoUpsStack();
    const [a, b] = UPSES.map((u) => `${u}@127.0.0.1:${port}`) as [string, string];
    const fromNet: Attack[] = [
      { signal: 'SIGPROF', what: 'RULE_FIRE(a rule not in the file)', hex: bytes([['RULE_FIRE', 'evil']]).toString('hex'),
        refusal: /bad frame from the network child \(RULE_FIRE names a rule that is not in the dispatcher's rule file\)/g },
      { signal: 'SIGTTIN', what: 'RULE_FIRE(notify-only rule) RULE_FIRE(again)', hex: bytes([['RULE_FIRE', 'talk'], ['RULE_FIRE', 'talk']]).toString('hex'),
        refusal: /bad frame from the network child \(RULE_FIRE for talk, which is already firing\)/g },
    ];
    const fromDispatcher = dispatcherAttacks();
    const exploit = join(d.root, 'exploit.mjs');
    writeFileSync(exploit, exploitModule([...fromNet, ...fromDispatcher]));
    writeFiles(d, { 'upsrules.conf': ruleFile(a) });
    const nodeOptions = [process.env['NODE_OPTIONS'], `--import=file://${exploit}`].filter((o) => o).join(' ');
    const p = track(startHardnutUpsmon(d, 'rf', {
      system: a, role: 'primary', login: PRIMARY_LOGIN, extra: [`MONITOR ${b} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`, ...TIMINGS],
    }, [], { NODE_OPTIONS: nodeOptions }));
    const jail = join(d.root, 'jail-rf');
    const confined = confinedPair(p, jail);
    const restarts = (): number => count(p.output(), /both processes will be restarted/g);

    let current = await confined();
    for (const x of [...fromNet, ...fromDispatcher]) {
      const before = count(p.output(), x.refusal);
      const restarted = restarts();
      process.kill(x.role === 'dispatch' ? current.dispatch : current.net, x.signal);
      await waitFor(`the refusal of ${x.what}`, () => count(p.output(), x.refusal) > before || undefined, 15_000).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}; upsmon said:\n${p.output()}`);
      });
      expect(p.output()).toContain(`exploit: uid ${String(x.role === 'dispatch' ? nutUid() : NOBODY)} wrote ${x.what}`);
      // a well-formed rule frame the supervisor refuses is only logged; anything else restarts the pair
      if (x.refusal.source.includes('nothing is sent to upsd')) {
        expect(restarts()).toBe(restarted);
      } else {
        await waitFor('the supervisor restarting the pair', () => restarts() > restarted || undefined, 10_000);
        current = await confined(current);
      }
    }
    // nothing reached upsd: no rule-action child ran, no FSD on either UPS, no shutdown
    expect(p.output()).not.toMatch(/rule (evil|talk|never) fired: (FSD|INSTCMD)|rule-action child/);
    for (const u of UPSES) {
      const st = await runHardnut(['upsc', `${u}@127.0.0.1:${String(port)}`, 'ups.status'], d.env);
      expect(st.stdout.trim()).toBe('OL');
    }
    expect(d.events().filter((e) => e.tag === 'rf' && e.type === 'SHUTDOWN')).toEqual([]);
    expect(p.child.exitCode).toBeNull();
  }, 240_000);
});
