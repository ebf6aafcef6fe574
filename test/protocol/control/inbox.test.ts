// The dispatcher → supervisor channel (fd 4) with rule frames (issue 16): the root supervisor
// reads 'F', 'S' and `[STX][RULE_FIRE|RULE_CLEAR][len]<rule>[ETX]`, split across reads anywhere;
// a frame of another type or a malformed one stops it for good (the supervisor restarts the pair
// and runs nothing of it). And the supervisor → rule-action child start message: every field
// checked, an action outside the fixed set refused.
import { describe, expect, it } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { CTRL_FSD_NOTED, CTRL_SHUTDOWN, SupervisorInbox, decodeControl, encodeControl, type RuleActionStart } from '../../../src/protocol/control/index.js';
import { encodeFrame } from '../../../src/protocol/notify-frame/index.js';

const cat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('SupervisorInbox', () => {
  it("reads 'F', 'S' and rule frames in order, a frame split at every byte", () => {
    const stream = cat([CTRL_FSD_NOTED], encodeFrame('RULE_FIRE', 'hot'), [CTRL_SHUTDOWN], encodeFrame('RULE_CLEAR', 'hot'));
    const inbox = new SupervisorInbox();
    const got = [...stream].flatMap((b) => {
      const r = inbox.push(Uint8Array.of(b));
      expect(r.error).toBeUndefined();
      return r.requests;
    });
    expect(got).toEqual([
      { kind: 'fsd-noted' }, { kind: 'rule', type: 'RULE_FIRE', rule: 'hot' }, { kind: 'shutdown' }, { kind: 'rule', type: 'RULE_CLEAR', rule: 'hot' },
    ]);
  });

  it('a stray byte between frames is reported and the stream goes on', () => {
    expect(new SupervisorInbox().push(cat([0x41], encodeFrame('RULE_FIRE', 'r')))).toEqual({
      requests: [{ kind: 'unknown-byte', byte: 0x41 }, { kind: 'rule', type: 'RULE_FIRE', rule: 'r' }],
    });
  });

  it('a frame of another type (EXEC_SHUTDOWN, a notification) is an error, and nothing after it is read', () => {
    for (const frame of [encodeFrame('EXEC_SHUTDOWN'), encodeFrame('FSD', 'ups@host')]) {
      const inbox = new SupervisorInbox();
      const r = inbox.push(cat(frame, [CTRL_SHUTDOWN], encodeFrame('RULE_FIRE', 'hot')));
      expect(r.requests).toEqual([]);
      expect(r.error).toMatch(/frame, not a rule frame/);
      expect(inbox.push(encodeFrame('RULE_FIRE', 'hot'))).toEqual({ requests: [], error: r.error });
    }
  });

  it('a malformed rule frame (bad name byte, no ETX, over-long name) is an error', () => {
    const badChar = Buffer.from(encodeFrame('RULE_FIRE', 'hot'));
    badChar[4] = 0x20;
    const noEtx = Buffer.from(encodeFrame('RULE_FIRE', 'hot'));
    noEtx[noEtx.length - 1] = CTRL_SHUTDOWN;
    const long = Uint8Array.of(0x02, 0x61, 200);
    for (const bytes of [badChar, noEtx, long]) {
      const r = new SupervisorInbox().push(cat([CTRL_FSD_NOTED], bytes));
      expect(r.requests).toEqual([{ kind: 'fsd-noted' }]);
      expect(r.error).toMatch(/^malformed rule frame: /);
    }
  });
});

describe('the rule-action start message', () => {
  const conf = parseUpsmonConf('MONITOR ups1@localhost 1 monuser s3cret primary\n', 'upsmon.conf').value;
  const start: RuleActionStart = {
    t: 'start', conf, log: { syslog: false, debug: 0 }, user: 'nobody', jail: '/run/hardnut/upsmon/empty', seccomp: 'enforce', family: null,
    rule: 'hot', event: 'fire', actions: [{ kind: 'fsd' }, { kind: 'instcmd', command: 'load.off' }],
  };

  it('round-trips for the rule-action peer, the MONITOR password kept', () => {
    const r = decodeControl(encodeControl(start).trimEnd(), 'rule-action');
    expect(r).toEqual({ ok: true, message: start });
  });

  it('refuses an action outside the fixed set, a command with a space, and more actions than a rule may have', () => {
    const bad: unknown[] = [
      { ...start, actions: [{ kind: 'shutdown' }] },
      { ...start, actions: [{ kind: 'instcmd', command: 'load.off; reboot' }] },
      { ...start, actions: Array.from({ length: 9 }, () => ({ kind: 'fsd' })) },
      { ...start, event: 'both' },
    ];
    for (const m of bad) expect(decodeControl(JSON.stringify(m), 'rule-action').ok).toBe(false);
  });
});
