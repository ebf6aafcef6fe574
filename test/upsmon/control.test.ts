// The supervisor's control channel to upsmon's children (control.ts): line-framed JSON, a bound
// on a line, unknown messages refused, and no password for the dispatcher.
import { describe, it, expect } from 'vitest';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { LineSplitter, MAX_CONTROL_LINE, encodeControl, parseControl, withoutSecrets } from '../../src/upsmon/control.js';

describe('upsmon control channel', () => {
  it('round-trips messages split anywhere; refuses what is not one', () => {
    const text = encodeControl({ t: 'fsd' }) + encodeControl({ t: 'stop' });
    const s = new LineSplitter();
    const lines: string[] = [];
    for (const ch of text) lines.push(...s.push(ch).lines);
    expect(lines.map(parseControl)).toEqual([{ t: 'fsd' }, { t: 'stop' }]);
    for (const bad of ['', 'fsd', '{"t":"exec","cmd":"rm"}', '{"x":1}', 'null', '[1]']) expect(parseControl(bad), bad).toBeUndefined();
  });

  it('an endless line is dropped, not buffered', () => {
    const s = new LineSplitter();
    expect(s.push('x'.repeat(MAX_CONTROL_LINE + 1)).overflow).toBe(true);
    expect(s.push('{"t":"fsd"}\n').lines).toEqual(['{"t":"fsd"}']);
  });

  it('the dispatcher gets the configuration without any password', () => {
    const conf = parseUpsmonConf('MONITOR a@h 1 user s3cret primary\nCERTIDENT "c" "keypass"\n', 'upsmon.conf').value;
    const text = JSON.stringify(withoutSecrets(conf));
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('keypass');
    expect(withoutSecrets(conf).monitors[0]?.system).toBe('a@h');
    expect(conf.monitors[0]?.password).toBe('s3cret'); // the original is untouched
  });
});
