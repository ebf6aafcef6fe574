// Bounds on Node's IPC channel from the jailed network child to the root supervisor (LOCALMONITOR,
// supervisor.ts LOCAL_IPC_FD). Node's JSON channel buffers a message until its newline with no
// limit and parses whatever arrives: a compromised child could make root hold gigabytes, or keep
// it busy with a flood. The channel must stay Node's (it is the only way Node passes a descriptor
// over SCM_RIGHTS), so the supervisor counts the child's bytes before Node sees them: a message
// over LOCAL_IPC_MAX_MESSAGE_BYTES, or more messages in a second than the budget, and the child
// is reported (the supervisor kills it and restarts the pair) and nothing more of it is read.

import type { ChildProcess } from 'node:child_process';
import { HardnutError } from '../core/errors.js';

/** The longest IPC message the child may send (a `local-connect` with a UPS name is ~100 bytes). */
export const LOCAL_IPC_MAX_MESSAGE_BYTES = 4096;
/** Messages per second the child may send: this much, plus LOCAL_IPC_MESSAGES_PER_UPS per LOCALMONITOR. */
export const LOCAL_IPC_BASE_MESSAGES_PER_S = 8;
/** A request per UPS is retried at most every 500 ms (local-link.ts); twice that, for slack. */
export const LOCAL_IPC_MESSAGES_PER_UPS = 4;
const NEWLINE = 0x0a;

export class IpcGuardError extends HardnutError {
  constructor(message: string) {
    super('ERR_IPC_GUARD', message);
  }
}

/** The budget of messages per second for this many LOCALMONITOR UPSes. */
export function ipcMessageBudget(localUpses: number): number {
  return LOCAL_IPC_BASE_MESSAGES_PER_S + LOCAL_IPC_MESSAGES_PER_UPS * localUpses;
}

/**
 * A sans-I/O meter of the child's raw bytes (Node's JSON channel: one message per line). Returns
 * why the child broke the bounds, or undefined while it keeps to them.
 */
export class IpcMeter {
  private pending = 0;
  private windowStart = 0;
  private count = 0;

  constructor(private readonly budget: () => number, private readonly now: () => number = Date.now) {}

  push(bytes: Uint8Array): string | undefined {
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
      if (this.pending + nl - start > LOCAL_IPC_MAX_MESSAGE_BYTES) return this.tooLong();
      this.pending = 0;
      start = nl + 1;
      const t = this.now();
      if (t - this.windowStart >= 1000) { this.windowStart = t; this.count = 0; }
      if (++this.count > this.budget()) return `more than ${String(this.budget())} IPC messages in a second`;
    }
    this.pending += bytes.length - start;
    return this.pending > LOCAL_IPC_MAX_MESSAGE_BYTES ? this.tooLong() : undefined;
  }

  private tooLong(): string {
    return `an IPC message longer than ${String(LOCAL_IPC_MAX_MESSAGE_BYTES)} bytes`;
  }
}

interface ChannelHandle { onread: (...args: unknown[]) => unknown }

/**
 * Puts the meter in front of Node's parser on `child`'s IPC channel; `onViolation` is called once,
 * and from then on nothing the child sends is passed on. Throws IpcGuardError when this Node keeps
 * its channel where the guard cannot reach it: the caller must not use an unbounded channel.
 */
export function guardIpcChannel(child: ChildProcess, budget: () => number, onViolation: (why: string) => void): void {
  // Node 20 keeps the channel's Pipe under the symbol kChannelHandle and parses in its onread,
  // which gets each read as an ArrayBuffer of exactly the bytes read.
  const key = Object.getOwnPropertySymbols(child).find((s) => s.description === 'kChannelHandle');
  const pipe = key === undefined ? undefined : (child as unknown as Record<symbol, ChannelHandle | undefined>)[key];
  if (pipe === undefined || typeof pipe.onread !== 'function') throw new IpcGuardError('cannot bound the IPC channel to the network child (Node keeps it elsewhere)');
  const original = pipe.onread;
  const meter = new IpcMeter(budget);
  let broken = false;
  pipe.onread = function guarded(this: unknown, ...args: unknown[]): unknown {
    const ab = args[0];
    if (ab instanceof ArrayBuffer) {
      if (broken) return undefined;
      const why = meter.push(new Uint8Array(ab));
      if (why !== undefined) {
        broken = true;
        onViolation(why);
        return undefined;
      }
    }
    return original.apply(this, args);
  };
}
