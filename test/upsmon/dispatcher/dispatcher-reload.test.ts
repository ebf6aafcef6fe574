// `upsmon -c reload` reaching the dispatcher (Dispatcher.reload): new messages and MONITORs apply
// at once, a removed MONITOR's in-flight notification is no fault, an unknown name still is.
import { describe, it, expect } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { encodeFrame } from '../../../src/protocol/notify-frame/index.js';
import { Dispatcher, type Notification } from '../../../src/upsmon/dispatcher/dispatcher.js';

const conf = (text: string) => parseUpsmonConf(text, 'upsmon.conf').value;

describe('dispatcher reload', () => {
  it('applies new messages and MONITORs; keeps the removed one for the running child; still refuses strangers', () => {
    const got: Notification[] = [];
    const d = new Dispatcher(conf('MONITOR a@h 1 u p primary\n'), { notify: (n) => got.push(n), shutdown: () => undefined });
    expect(d.receive(encodeFrame('ONBATT', 'b@h')).ok).toBe(false);
    d.childRestarted();
    d.reload(conf('MONITOR b@h 1 u p primary\nNOTIFYMSG ONBATT "reloaded %s"\n'));
    expect(d.receive(encodeFrame('ONBATT', 'b@h'))).toEqual({ ok: true });
    expect(d.receive(encodeFrame('ONBATT', 'a@h'))).toEqual({ ok: true });
    expect(got.map((n) => n.message)).toEqual(['reloaded b@h', 'reloaded a@h']);
    expect(d.receive(encodeFrame('ONBATT', 'c@h')).ok).toBe(false);
  });
});
