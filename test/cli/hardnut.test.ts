// The single executable: dispatch by NUT's tool names, honest about what is not built yet.
import { describe, it, expect } from 'vitest';
import { runHardnut } from '../support/stack.js';

describe('hardnut <tool>', () => {
  it('--help lists the tools, with the drivers and NUT tool names', async () => {
    const r = await runHardnut(['--help'], process.env);
    expect(r.code).toBe(0);
    for (const tool of ['upsdrvctl', 'dummy-ups', 'upsd', 'upsc', 'upsmon', 'config', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${tool} `, 'm'));
    expect(r.stdout).toMatch(/NUT_CONFPATH/);
  });

  it('an unknown tool, and a tool not built yet, say so and exit 2', async () => {
    const unknown = await runHardnut(['frobnicate'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown tool 'frobnicate'/);
    const later = await runHardnut(['usbhid-ups', '-a', 'x'], process.env);
    expect(later.code).toBe(2);
    expect(later.stderr).toMatch(/usbhid-ups is not built yet/);
  });

  it('a driver prints its NUT-style help and variables', async () => {
    const r = await runHardnut(['dummy-ups', '-h'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-a <id>/);
    expect(r.stdout).toMatch(/mode=<value>/);
  });
});

describe('hardnut demo', () => {
  it('replays the outage live: on line, then on battery, then battery low', async () => {
    const r = await runHardnut(['demo', '--seconds', '13'], process.env, 40_000);
    expect(r.code, r.stderr).toBe(0);
    const statuses = [...r.stdout.matchAll(/ups\.status\s+(.+?)\s{3}\(/g)].map((m) => m[1]);
    expect(statuses.slice(0, 3)).toEqual(['OL', 'OB DISCHRG', 'OB DISCHRG LB']);
    expect(r.stdout).toMatch(/on battery, discharging/);
  }, 60_000);
});
