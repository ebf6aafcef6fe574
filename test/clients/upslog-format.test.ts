import { describe, it, expect } from 'vitest';
import { compileFormat, DEFAULT_LOGFORMAT, MAX_LOG_LINE, renderFormat, type RenderContext } from '../../src/clients/upslog-format.js';
import { strftime } from '../../src/clients/strftime.js';

function ctx(vars: Record<string, string>, over: Partial<RenderContext> = {}): RenderContext {
  return {
    hostname: 'box', upsHost: 'ups1@127.0.0.1:3493', upsName: 'ups1', pid: 4242,
    now: new Date(2026, 10, 21, 5, 35, 48),
    getVar: async (n) => vars[n],
    ...over,
  };
}

describe('upslog format strings (NUT upslog.c)', () => {
  it('the default format gives NUT\'s default line', async () => {
    const line = await renderFormat(compileFormat(DEFAULT_LOGFORMAT), ctx({ 'battery.charge': '100', 'input.voltage': '230.4', 'ups.load': '23', 'ups.status': 'OL' }));
    expect(line).toBe('20261121 053548 100 230.4 23 [OL] NA NA');
  });

  it('escapes and quirks as Debian upslog 2.8.0 prints them (observed)', async () => {
    // the same format given to Debian's upslog printed:
    // 05:35:48 OL INVALID NA vm ups1@127.0.0.1:55693 1795239348 INVALID % a INVALIDTIMEX @YINVALIDbroken
    // (2.8.0 has no %t: "%t b " is INVALID there; hardnut follows NUT master: %t is a TAB)
    const f = '%TIME @H:@M:@S% %VAR ups.status% %VAR bad% %VAR x.y% %HOST% %UPSHOST% %ETIME% %foo% %% a %TIMEX @Y% end %broken';
    const c = ctx({ 'ups.status': 'OL' });
    const line = await renderFormat(compileFormat(f), c);
    const etime = Math.floor(c.now.getTime() / 1000);
    expect(line).toBe(`05:35:48 OL INVALID NA box ups1@127.0.0.1:3493 ${etime} INVALID % a 2026 end INVALIDbroken`);
  });

  it('%t is a TAB, %PID% the pid, %VAR% without a UPS name is INVALID', async () => {
    expect(await renderFormat(compileFormat('%UPSHOST%%t%PID%'), ctx({}))).toBe('ups1@127.0.0.1:3493\t4242');
    expect(await renderFormat(compileFormat('%VAR ups.status%'), ctx({ 'ups.status': 'OL' }, { upsName: '' }))).toBe('INVALID');
  });

  it('a line is cut at NUT\'s 4095 characters', async () => {
    const line = await renderFormat(compileFormat('%VAR a.b%'.repeat(30)), ctx({ 'a.b': 'x'.repeat(200) }));
    expect(line.length).toBe(MAX_LOG_LINE);
  });
});

describe('strftime in the C locale', () => {
  const d = new Date(2026, 0, 4, 15, 7, 9); // a Sunday
  it.each([
    ['%Y-%m-%d %H:%M:%S', '2026-01-04 15:07:09'],
    ['%a %A %b %B', 'Sun Sunday Jan January'],
    ['%e|%k|%l|%I %p', ' 4|15| 3|03 PM'],
    ['%j %u %w', '004 7 0'],
    ['%D %T %R %F', '01/04/26 15:07:09 15:07 2026-01-04'],
    ['%c', 'Sun Jan  4 15:07:09 2026'],
    ['%% %Q', '% %Q'],
  ])('%s', (fmt, want) => {
    expect(strftime(fmt, d)).toBe(want);
  });
});
