// The late-shutdown snapshot's codecs (src/killpower/snapshot.ts): ups.conf rendered from the
// resolved sections reads back to the same sections through NUT's grammar (quotes, backslashes,
// `#`, bare flags), without globals; the manifest refuses anything but its three lines.
import { describe, it, expect } from 'vitest';
import { parseUpsConf } from '../../src/core/config/ups-conf.js';
import { decodeManifest, encodeManifest, renderUpsConf, SnapshotError } from '../../src/killpower/snapshot.js';

const UPS_CONF = `statepath = /var/run/elsewhere
user = someone
[q1]
\tdriver = nutdrv_qx
\tport = /dev/ttyS0
\tdesc = "Rack \\"A\\" \\# left \\\\ side"
\tstayoff
\toffdelay = 30
[apc]
\tdriver = apcsmart
\tport = /dev/ttyS1
\tsdorder = 2
`;

describe('late snapshot codecs', () => {
  it('ups.conf: the sections read back the same, the globals (statepath, user) are left out', () => {
    const orig = parseUpsConf(UPS_CONF, 'ups.conf').value;
    expect(parseUpsConf(UPS_CONF, 'ups.conf').diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = renderUpsConf(orig.sections);
    const back = parseUpsConf(text, 'late/ups.conf');
    expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const strip = (c: typeof orig): unknown => c.sections.map((s) => ({ name: s.name, entries: s.entries.map((e) => [e.key, e.value]) }));
    expect(strip(back.value)).toEqual(strip(orig));
    expect(back.value.sections.find((s) => s.name === 'q1')?.entries.find((e) => e.key === 'desc')?.value).toBe('Rack "A" # left \\ side');
    expect(back.value.global.statepath).toBeUndefined();
    expect(back.value.global.user).toBeUndefined();
  });

  it('manifest: round trip; a relative or odd node path, a short key, extra lines are refused', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const text = encodeManifest({ node: '/usr/bin/node', publicKey: key });
    expect(decodeManifest(Buffer.from(text))).toEqual({ node: '/usr/bin/node', publicKey: key });
    expect(() => encodeManifest({ node: 'node', publicKey: key })).toThrow(SnapshotError);
    expect(() => encodeManifest({ node: '/usr/bin/no de', publicKey: key })).toThrow(SnapshotError);
    expect(() => encodeManifest({ node: '/usr/bin/node', publicKey: key.subarray(1) })).toThrow(SnapshotError);
    expect(() => decodeManifest(Buffer.from(`${text}extra\n`))).toThrow(SnapshotError);
    expect(() => decodeManifest(Buffer.from(text.replace('/usr/bin/node', '/usr/../tmp/node')))).toThrow(SnapshotError);
    expect(() => decodeManifest(Buffer.from(text.replace('node /', 'node $(id) /')))).toThrow(SnapshotError);
  });
});
