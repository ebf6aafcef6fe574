// What the dispatcher sends the root supervisor on its fd 4 (DESIGN.md): single bytes 'F' (a user
// FSD was noted) and 'S' (write POWERDOWNFLAG), and — issue 16 — rule frames, in the framed pipe's
// own format `[STX][RULE_FIRE|RULE_CLEAR][len]<rule name>[ETX]` (notify-frame/codec.ts): a rule of
// upsrules.conf with an fsd or instcmd action fired or cleared. Only the rule's name travels; the
// supervisor looks up what it does in its own copy of the file. Sans-I/O, one byte at a time:
// a frame of any other type, or a malformed one, is an error, and nothing after it is read.

import { FrameDecoder, STX, type RuleFrameType } from '../notify-frame/index.js';
import { CTRL_FSD_NOTED, CTRL_SHUTDOWN } from './codec.js';

export type SupervisorRequest =
  | { kind: 'fsd-noted' }
  | { kind: 'shutdown' }
  | { kind: 'rule'; type: RuleFrameType; rule: string }
  /** A byte outside the set, between frames: logged and ignored, as before rule frames existed. */
  | { kind: 'unknown-byte'; byte: number };

export interface InboxResult {
  requests: SupervisorRequest[];
  /** Set once the stream broke the format; every later push() returns it again and no request. */
  error?: string;
}

export class SupervisorInbox {
  private frame: FrameDecoder | undefined;
  private failed: string | undefined;

  push(chunk: Uint8Array): InboxResult {
    const requests: SupervisorRequest[] = [];
    if (this.failed !== undefined) return { requests, error: this.failed };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (this.frame === undefined) {
        if (b === CTRL_FSD_NOTED) { requests.push({ kind: 'fsd-noted' }); continue; }
        if (b === CTRL_SHUTDOWN) { requests.push({ kind: 'shutdown' }); continue; }
        if (b !== STX) { requests.push({ kind: 'unknown-byte', byte: b }); continue; }
        this.frame = new FrameDecoder();
      }
      const r = this.frame.push(chunk.subarray(i, i + 1));
      if (r.error !== undefined) return this.fail(requests, `malformed rule frame: ${r.error.message}`);
      const f = r.frames[0];
      if (f === undefined) continue;
      this.frame = undefined;
      if (f.type !== 'RULE_FIRE' && f.type !== 'RULE_CLEAR') return this.fail(requests, `a ${f.type} frame, not a rule frame`);
      requests.push({ kind: 'rule', type: f.type, rule: f.name });
    }
    return { requests };
  }

  private fail(requests: SupervisorRequest[], why: string): InboxResult {
    this.failed = why;
    this.frame = undefined;
    return { requests, error: why };
  }
}
