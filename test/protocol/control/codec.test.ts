// The supervisor → child control codec validates every field instead of casting: real start
// messages round-trip, and every field of them, given a value of the wrong type or out of bounds,
// makes the whole message refused with the path of that field.
import { describe, expect, it } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { MAX_ARG_LEN } from '../../../src/core/tokenizer.js';
import {
  LineSplitter, MAX_CONTROL_LINE, decodeControl, encodeControl, parseControl, withoutSecrets,
  type ControlMessage, type ControlPeer, type DispatchStart, type NetStart, type ShutdownPlan,
} from '../../../src/protocol/control/index.js';

const CONF = parseUpsmonConf([
  'MONITOR ups1@localhost 1 monuser s3cret primary',
  'MONITOR ups2@[::1]:3494 0 other pw secondary',
  'MINSUPPLIES 1',
  'SHUTDOWNCMD "/sbin/shutdown -h +0"',
  'NOTIFYCMD /usr/sbin/upssched',
  'NOTIFYMSG ONBATT "UPS %s on battery"',
  'NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC',
  'POWERDOWNFLAG /etc/killpower',
  'CERTIDENT "client" "keypass"',
  'CERTHOST localhost "server" 1 1',
  'DEBUG_MIN 2',
  '',
].join('\n'), 'upsmon.conf').value;

const NET: NetStart = { t: 'start', conf: CONF, log: { syslog: false, debug: 1 }, user: 'nobody', jail: '/run/hardnut/upsmon/empty', seccomp: 'enforce', family: null };
const DISPATCH: DispatchStart = {
  t: 'start', conf: withoutSecrets(CONF), log: { syslog: true, debug: 0 }, plan: { kind: 'helper', path: '/usr/local/lib/hardnut/upsshutdown', keyPath: '/etc/hardnut/upsshutdown.key' },
  user: 'nut', group: 'nutshutdown', seccomp: 'log',
};

const roundTrip = (m: ControlMessage, peer: ControlPeer): ControlMessage | undefined => parseControl(encodeControl(m).trimEnd(), peer);

/** Every leaf of a JSON value, as a path of keys. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.length === 0 ? [path] : v.flatMap((x, i) => leaves(x, [...path, i]));
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    return keys.length === 0 ? [path] : keys.flatMap((k) => leaves((v as Record<string, unknown>)[k], [...path, k]));
  }
  return [path];
}

function withLeaf(m: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(m)) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = value;
  return copy;
}

/** A value of another JSON type than `v` (a string for a number, a number for a string, …). */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 7;
  if (typeof v === 'number') return '7';
  if (typeof v === 'boolean') return 1;
  if (v === null) return 42;
  if (Array.isArray(v)) return { 0: 'x' };
  return ['x'];
}

describe('upsmon control codec (src/protocol/control)', () => {
  it('real start, reload and small messages round-trip for their peer', () => {
    expect(roundTrip(NET, 'net')).toEqual(NET);
    expect(roundTrip(DISPATCH, 'dispatch')).toEqual(DISPATCH);
    for (const m of [{ t: 'reload', conf: CONF }, { t: 'fsd' }, { t: 'stop' }, { t: 'flag-written' }] as ControlMessage[]) {
      expect(roundTrip(m, 'net')).toEqual(m);
    }
    const plans: ShutdownPlan[] = [{ kind: 'socket', path: '/run/x', keyPath: '/k' }, { kind: 'initctl', path: null }, { kind: 'command', argv: ['/sbin/poweroff'] }, { kind: 'none' }];
    for (const plan of plans) {
      expect(roundTrip({ ...DISPATCH, plan }, 'dispatch')).toEqual({ ...DISPATCH, plan });
    }
  });

  it('a start message meant for the other child is refused', () => {
    expect(decodeControl(encodeControl(NET), 'dispatch').ok).toBe(false);
    expect(decodeControl(encodeControl(DISPATCH), 'net').ok).toBe(false);
  });

  it("the notifier's start (issue 20 item 6) round-trips for it alone; NOTIFYUSER travels in the configuration", () => {
    const notify: ControlMessage = { t: 'start', conf: { ...CONF, notifyUser: 'mailer' }, log: { syslog: false, debug: 0 }, user: 'mailer', seccomp: 'enforce' };
    expect(roundTrip(notify, 'notify')).toEqual(notify);
    expect(decodeControl(encodeControl(notify), 'dispatch').ok).toBe(false);
    expect(decodeControl(encodeControl(notify), 'net').ok).toBe(false);
    expect(decodeControl(encodeControl(DISPATCH), 'notify').ok).toBe(false);
    expect(decodeControl(encodeControl(NET), 'notify').ok).toBe(false);
    expect(decodeControl(encodeControl({ ...notify, user: 'root; rm -rf /' } as ControlMessage), 'notify').ok).toBe(false);
  });

  it('every field with a value of the wrong type makes the message refused, naming the field', () => {
    for (const [m, peer] of [[NET, 'net'], [DISPATCH, 'dispatch']] as const) {
      const paths = leaves(m).filter((p) => p[0] !== 't');
      expect(paths.length).toBeGreaterThan(40);
      for (const p of paths) {
        const bad = withLeaf(m, p, wrongType(p.reduce<unknown>((at, k) => (at as Record<string | number, unknown>)[k], m)));
        const r = decodeControl(JSON.stringify(bad), peer);
        expect(r.ok, `${peer} ${p.join('.')}`).toBe(false);
        if (!r.ok) expect(r.reason, p.join('.')).toContain(String(p[p.length - 1]));
      }
    }
  });

  it('an extra field anywhere, an over-long word, a bad enum or account name is refused', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...NET, extra: 1 }, 'extra'],
      [withLeaf(NET, ['conf', 'monitors', 0, 'shell'], 'sh'), 'shell'],
      [withLeaf(NET, ['conf', 'monitors', 0, 'host'], 'h'.repeat(MAX_ARG_LEN + 1)), 'host'],
      [withLeaf(NET, ['conf', 'monitors', 0, 'role'], 'master'), 'role'],
      [withLeaf(NET, ['conf', 'monitors', 0, 'port'], 70000), 'port'],
      [withLeaf(NET, ['conf', 'notifyFlags', 'ONBATT', 0], 'SHELL'), 'ONBATT'],
      [withLeaf(NET, ['conf', 'notifyMessages', 'NOSUCH'], 'x'), 'NOSUCH'],
      [withLeaf(NET, ['user'], '../../root'), 'user'],
      [withLeaf(NET, ['seccomp'], 'disabled'), 'seccomp'],
      [withLeaf(NET, ['log', 'debug'], 1e9), 'debug'],
      [withLeaf(NET, ['family'], 5), 'family'],
      [withLeaf(DISPATCH, ['plan', 'kind'], 'shell'), 'kind'],
      [withLeaf(DISPATCH, ['plan', 'argv'], ['x']), 'argv'],
      [{ t: 'test-inject', kind: 'garbage' }, 't'],
    ];
    for (const [bad, field] of cases) {
      const r = decodeControl(JSON.stringify(bad), 'net');
      const r2 = decodeControl(JSON.stringify(bad), 'dispatch');
      expect(r.ok || r2.ok, field).toBe(false);
      if (!r2.ok && JSON.stringify(bad).includes('"plan"')) expect(r2.reason).toContain(field);
    }
  });

  it('refuses what is not a control message at all', () => {
    for (const bad of ['', 'fsd', '{"t":"exec","cmd":"rm"}', '{"x":1}', 'null', '[1]', '{"t":"fsd","cmd":"x"}', '{"t":"__proto__"}', '{"t":"toString"}']) {
      expect(parseControl(bad, 'net'), bad).toBeUndefined();
    }
  });

  it('an endless line is dropped, not buffered', () => {
    const s = new LineSplitter();
    expect(s.push('x'.repeat(MAX_CONTROL_LINE + 1)).overflow).toBe(true);
    expect(s.push('{"t":"fsd"}\n').lines).toEqual(['{"t":"fsd"}']);
    expect(decodeControl('x'.repeat(MAX_CONTROL_LINE + 1), 'net').ok).toBe(false);
  });

  it('the dispatcher gets the configuration without any password', () => {
    const text = encodeControl(DISPATCH);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('keypass');
    expect(CONF.monitors[0]?.password).toBe('s3cret'); // the original is untouched
  });
});
