// NUT's stock notification messages, template expansion and NOTIFYFLAG deliveries (§5.8).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { NOTIFY_TYPES, checkNotifyTemplate, maxPlaceholders } from '../../../src/core/config/upsmon-conf.js';
import {
  DEFAULT_NOTIFY_MESSAGES, MAX_NOTIFY_MESSAGE_LEN, SYSTEM_NOTIFY_TYPES, formatNotifyMessage, notifyDeliveries, notifyTemplate,
} from '../../../src/upsmon/shared/notify-messages.js';
import { hasExecutable, requirePeer } from '../../support/peers.js';

const DEBIAN_UPSMON = '/lib/nut/upsmon';

describe('stock messages', () => {
  it('exist for all 32 types and pass the NOTIFYMSG check', () => {
    expect(NOTIFY_TYPES).toHaveLength(32);
    for (const t of NOTIFY_TYPES) {
      expect(DEFAULT_NOTIFY_MESSAGES[t], t).toBeTypeOf('string');
      expect(checkNotifyTemplate(t, DEFAULT_NOTIFY_MESSAGES[t]), t).toBeUndefined();
    }
  });

  it('read as in NUT', () => {
    expect(DEFAULT_NOTIFY_MESSAGES.ONBATT).toBe('UPS %s on battery');
    expect(DEFAULT_NOTIFY_MESSAGES.LOWBATT).toBe('UPS %s battery is low');
    expect(DEFAULT_NOTIFY_MESSAGES.SHUTDOWN).toBe('Auto logout and shutdown proceeding');
    expect(DEFAULT_NOTIFY_MESSAGES.ALARM).toBe('UPS %s: one or more active alarms: [%s]');
    expect(DEFAULT_NOTIFY_MESSAGES.SHUTDOWN_HOSTSYNC).toBe('Shutdown initiated; primary system is waiting for secondaries to log out or time out');
  });

  it("are byte-for-byte the strings in Debian's upsmon 2.8.0 for the types it has", (ctx) => {
    requirePeer(ctx, hasExecutable(DEBIAN_UPSMON), "Debian's /lib/nut/upsmon");
    const binary = readFileSync(DEBIAN_UPSMON).toString('latin1');
    const v280 = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'REPLBATT', 'NOCOMM', 'NOPARENT', 'CAL'] as const;
    for (const t of v280) expect(binary.includes(`\0${DEFAULT_NOTIFY_MESSAGES[t]}\0`), t).toBe(true);
  });

  it('only host events lack a UPS placeholder', () => {
    for (const t of NOTIFY_TYPES) {
      const hasUps = DEFAULT_NOTIFY_MESSAGES[t].includes('%s') && t !== 'SUSPEND_TIMEJUMP_UNEXPECTED';
      expect(hasUps, t).toBe(!SYSTEM_NOTIFY_TYPES.has(t));
      expect(DEFAULT_NOTIFY_MESSAGES[t].split('%s').length - 1, t).toBeLessThanOrEqual(maxPlaceholders(t));
    }
  });
});

describe('formatNotifyMessage', () => {
  it('puts the MONITOR name in the first %s and the extra text in the second', () => {
    expect(formatNotifyMessage('UPS %s on battery', 'ONBATT', 'ups@host:3493')).toBe('UPS ups@host:3493 on battery');
    expect(formatNotifyMessage(DEFAULT_NOTIFY_MESSAGES.OTHER, 'OTHER', 'u@h', 'FOO BAR'))
      .toBe('UPS u@h: has at least one unclassified status token: [FOO BAR]');
    expect(formatNotifyMessage('%s alarm', 'ALARM', 'u@h', 'ignored')).toBe('u@h alarm');
  });

  it('host events get an empty name', () => {
    expect(formatNotifyMessage('[%s] bye', 'SHUTDOWN', null)).toBe('[] bye');
  });

  it('%% is a percent sign when the template has a %s, and stays %% when it has none (NUT)', () => {
    expect(formatNotifyMessage('%s at 100%%', 'ONBATT', 'u@h')).toBe('u@h at 100%');
    expect(formatNotifyMessage('at 100%%', 'ONBATT', 'u@h')).toBe('at 100%%');
    expect(formatNotifyMessage('100%%s', 'ONBATT', 'u@h')).toBe('100%%s');
  });

  it('fills the clock jump into SUSPEND_TIMEJUMP_UNEXPECTED (hardnut fix)', () => {
    expect(formatNotifyMessage(DEFAULT_NOTIFY_MESSAGES.SUSPEND_TIMEJUMP_UNEXPECTED, 'SUSPEND_TIMEJUMP_UNEXPECTED', null, '42.000000 seconds'))
      .toBe('Unexpected clock change by 42.000000 seconds, treating as wake up from sleep');
  });

  it('cuts messages at 511 characters, like NUT’s 512-byte buffer', () => {
    const m = formatNotifyMessage('%s', 'ONBATT', 'x'.repeat(2000));
    expect(m).toHaveLength(MAX_NOTIFY_MESSAGE_LEN);
  });

  it('uses the NOTIFYMSG override when there is one', () => {
    expect(notifyTemplate({ notifyMessages: { ONBATT: 'power gone: %s' } }, 'ONBATT')).toBe('power gone: %s');
    expect(notifyTemplate({ notifyMessages: {} }, 'ONBATT')).toBe('UPS %s on battery');
  });
});

describe('notifyDeliveries', () => {
  it('maps NOTIFYFLAG words to deliveries; IGNORE wins over everything', () => {
    expect(notifyDeliveries(['SYSLOG', 'WALL'])).toEqual({ syslog: true, wall: true, exec: false });
    expect(notifyDeliveries(['EXEC'])).toEqual({ syslog: false, wall: false, exec: true });
    expect(notifyDeliveries(['SYSLOG', 'IGNORE', 'EXEC'])).toEqual({ syslog: false, wall: false, exec: false });
    expect(notifyDeliveries([])).toEqual({ syslog: false, wall: false, exec: false });
  });
});
