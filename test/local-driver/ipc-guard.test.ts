// The meter in front of Node's IPC parser (ipc-guard.ts): what root lets the jailed child send.
import { describe, expect, it } from 'vitest';
import { IpcMeter, LOCAL_IPC_MAX_MESSAGE_BYTES, ipcMessageBudget } from '../../src/local-driver/ipc-guard.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('IpcMeter', () => {
  it('passes a message of exactly the bound, split over reads, and refuses one byte more', () => {
    const m = new IpcMeter(() => 100, () => 0);
    const body = 'x'.repeat(LOCAL_IPC_MAX_MESSAGE_BYTES);
    expect(m.push(enc(body.slice(0, 1000)))).toBeUndefined();
    expect(m.push(enc(`${body.slice(1000)}\n`))).toBeUndefined();
    expect(m.push(enc(body))).toBeUndefined();
    expect(m.push(enc('y'))).toMatch(/longer than 4096 bytes/);
  });

  it('refuses an over-long message inside one read even when a newline follows it', () => {
    const m = new IpcMeter(() => 100, () => 0);
    expect(m.push(enc(`{}\n${'x'.repeat(LOCAL_IPC_MAX_MESSAGE_BYTES + 1)}\n{}\n`))).toMatch(/longer than/);
  });

  it('counts messages per second against the budget, and a new second starts afresh', () => {
    let now = 10_000;
    const m = new IpcMeter(() => ipcMessageBudget(1), () => now);
    const budget = ipcMessageBudget(1);
    expect(m.push(enc('{}\n'.repeat(budget)))).toBeUndefined();
    now += 1000;
    expect(m.push(enc('{}\n'.repeat(budget)))).toBeUndefined();
    expect(m.push(enc('{}\n'))).toMatch(new RegExp(`more than ${String(budget)} IPC messages in a second`));
  });
});
