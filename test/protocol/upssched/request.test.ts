// The upssched request codec (§6.3): what the client writes and what the daemon understands.
import { describe, it, expect } from 'vitest';
import {
  RequestDecoder, encodeRequest, MAX_REQUEST_LINE_BYTES, UpsschedProtocolError,
} from '../../../src/protocol/upssched/index.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('upssched request encoder', () => {
  it('writes the verb and 5 double-quoted, pconf-encoded words', () => {
    expect(encodeRequest({ verb: 'START', arg1: 'onbatt', arg2: '30', notifyType: 'ONBATT', upsName: 'ups1@localhost', notifyMsg: 'UPS "ups1" on #battery\\' }))
      .toBe('START "onbatt" "30" "ONBATT" "ups1@localhost" "UPS \\"ups1\\" on \\#battery\\\\"\n');
  });
  it('writes missing words as ""', () => {
    expect(encodeRequest({ verb: 'LIST-TIMERS', arg1: '' })).toBe('LIST-TIMERS "" "" "" "" ""\n');
  });
});

describe('upssched request decoder', () => {
  it('decodes what the encoder writes, split anywhere', () => {
    const req = { verb: 'CANCEL' as const, arg1: 'late r', arg2: 'cmd "x"', notifyType: 'ONLINE', upsName: 'u', notifyMsg: 'a#b\\c' };
    const line = bytes(encodeRequest(req));
    for (let cut = 0; cut <= line.length; cut++) {
      const d = new RequestDecoder();
      const out = [...d.push(line.subarray(0, cut)), ...d.push(line.subarray(cut))];
      expect(out).toEqual([{ kind: 'request', request: req }]);
    }
  });
  it("understands NUT 2.8.0's short requests (missing words are empty)", () => {
    const out = new RequestDecoder().push(bytes('START "t" "5"\nCANCEL "t"\n'));
    expect(out).toEqual([
      { kind: 'request', request: { verb: 'START', arg1: 't', arg2: '5', notifyType: '', upsName: '', notifyMsg: '' } },
      { kind: 'request', request: { verb: 'CANCEL', arg1: 't', arg2: '', notifyType: '', upsName: '', notifyMsg: '' } },
    ]);
  });
  it('reports unknown verbs and too-short requests as unknown (the daemon answers ERR UNKNOWN)', () => {
    const out = new RequestDecoder().push(bytes('FROB "x"\nSTART "t"\nCANCEL\n\n'));
    expect(out.map((d) => d.kind)).toEqual(['unknown', 'unknown', 'unknown']);
  });
  it('refuses a line longer than the limit, then decodes the next line', () => {
    const d = new RequestDecoder();
    const long = d.push(bytes(`START "${'x'.repeat(MAX_REQUEST_LINE_BYTES)}`));
    expect(long).toHaveLength(1);
    expect(long[0]?.kind).toBe('error');
    const err = long[0]?.kind === 'error' ? long[0].error : undefined;
    expect(err).toBeInstanceOf(UpsschedProtocolError);
    expect(err?.code).toBe('ERR_UPSSCHED_LINE_TOO_LONG');
    expect(d.push(bytes('yyyy" "1"\n'))).toEqual([]); // the rest of the long line is skipped
    expect(d.push(bytes('CANCEL "t"\n'))[0]?.kind).toBe('request');
    expect(d.bufferedLineBytes).toBe(0);
  });
  it('a parse error is reported, the rest of its line reads as a fresh line (§1.4), and the next line decodes', () => {
    const out = new RequestDecoder().push(bytes('START "a#b" "1"\nCANCEL "t"\n'));
    expect(out.map((d) => d.kind)).toEqual(['error', 'unknown', 'request']);
  });
});
