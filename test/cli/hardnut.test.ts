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

  it('an unknown tool says so and exits 2', async () => {
    const unknown = await runHardnut(['frobnicate'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown tool 'frobnicate'/);
  });

  it('a driver prints its NUT-style help and variables', async () => {
    const r = await runHardnut(['dummy-ups', '-h'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-a <id>/);
    expect(r.stdout).toMatch(/mode=<value>/);
  });
});

describe('hardnut demo', () => {
  it('runs the chain: the outage through upsd, upsmon notifying live, then the harmless shutdown', async () => {
    const r = await runHardnut(['demo'], process.env, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const statuses = [...r.stdout.matchAll(/ups\.status\s+(.+?)\s{3}\(/g)].map((m) => m[1]);
    expect(statuses.slice(0, 2)).toEqual(['OL', 'OB DISCHRG']);
    // upsmon may set FSD within milliseconds of LB, before the demo's next 250 ms look
    expect(statuses[2]).toMatch(/^(FSD )?OB DISCHRG LB$/);
    expect(r.stdout).toMatch(/on battery, discharging/);
    // upsmon's notifications, as its NOTIFYCMD received them, in NUT's order
    const notified = [...r.stdout.matchAll(/upsmon notifies (\w+)/g)].map((m) => m[1]);
    // LOWBATT and FSD come from one poll: their NOTIFYCMDs run side by side (as NUT's forks do),
    // so either may write its line first
    expect(notified[0]).toBe('ONBATT');
    expect([...notified.slice(1, 3)].sort()).toEqual(['FSD', 'LOWBATT']);
    expect(notified.slice(3)).toEqual(['SHUTDOWN']);
    expect(r.stdout).toMatch(/UPSNAME demo@127\.0\.0\.1:\d+\): UPS demo@127\.0\.0\.1:\d+ on battery/);
    // the primary set FSD on upsd before shutting down
    expect(statuses).toContain('FSD OB DISCHRG LB');
    expect(r.stdout).toMatch(/upsmon runs SHUTDOWNCMD: would shut down now/);
    expect(r.stdout.indexOf('SHUTDOWNCMD')).toBeGreaterThan(r.stdout.indexOf('notifies SHUTDOWN'));
    expect(r.stdout).toMatch(/demo finished\n$/);
  }, 70_000);
});
