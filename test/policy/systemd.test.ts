// The hardened systemd units (issue 5): each parses, none sets MemoryDenyWriteExecute for a Node
// daemon (it kills V8's JIT), and `systemd-analyze security --offline=true` rates upsd and upsmon
// at 2.0 or better. The figures are printed for SECURITY.md.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExecutable, requirePeer } from '../support/peers.js';
import { run } from '../support/stack.js';

const DIR = new URL('../../policy/systemd/', import.meta.url).pathname;
const ANALYZE = '/usr/bin/systemd-analyze';
// upsmon's network monitor chroots into an empty jail, which systemd-analyze scores as exposure
// (chroot(2) is in @mount and @privileged); its IPAddressAllow is localhost only, like upsd's.
const TARGET = new Map([['hardnut-upsd.service', 2.0], ['hardnut-upsmon.service', 2.0]]);

describe('systemd units', () => {
  const units = readdirSync(DIR).filter((f) => f.endsWith('.service'));

  it('every Node daemon leaves MemoryDenyWriteExecute off and sets NoNewPrivileges', () => {
    for (const u of units) {
      const text = readFileSync(join(DIR, u), 'utf8');
      expect(text, u).toMatch(/^NoNewPrivileges=yes$/m);
      if (/hardnut (upsd|upsmon|upsdrvctl)/.test(text)) expect(text, u).not.toMatch(/^MemoryDenyWriteExecute=yes$/m);
    }
  });

  it('exposure per unit: upsd ≤ 2.0, upsmon ≤ 2.0', async (ctx) => {
    requirePeer(ctx, hasExecutable(ANALYZE), 'systemd-analyze (apt-get install systemd)');
    const scores = new Map<string, number>();
    for (const u of units) {
      const r = await run(ANALYZE, ['security', '--offline=true', '--no-pager', join(DIR, u)], process.env);
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout + r.stderr);
      expect(m, `${u}: ${r.stderr}`).not.toBeNull();
      scores.set(u, Number(m?.[1]));
    }
    process.stdout.write(`systemd-analyze security --offline=true: ${[...scores].map(([u, s]) => `${u} ${s}`).join(', ')}\n`);
    for (const [u, limit] of TARGET) expect(scores.get(u), u).toBeLessThanOrEqual(limit);
  });
});
