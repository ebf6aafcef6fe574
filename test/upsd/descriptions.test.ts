// cmdvartab (GET DESC / GET CMDDESC, spec §2.3).
import { describe, expect, it } from 'vitest';
import { Descriptions } from '../../src/upsd/descriptions.js';

describe('Descriptions', () => {
  it('VARDESC and CMDDESC, names case-insensitive, the last line wins, keywords case-sensitive', () => {
    const d = Descriptions.parse('# c\nVARDESC ups.status "Status"\nCMDDESC Load.Off "Off"\nVARDESC ups.status "Later"\nvardesc x "no"\nVARDESC short\n');
    expect(d.varDesc('UPS.STATUS')).toBe('Later');
    expect(d.cmdDesc('load.off')).toBe('Off');
    expect(d.varDesc('x')).toBeUndefined();
    expect(d.varDesc('short')).toBeUndefined();
  });
});
