// What the notifier accepts from the dispatcher (issue 20 item 6): the same framed pipe as the
// network child's (protocol/notify-frame: [STX][type][len]<name>[ETX]), narrower. Only
// notification types — EXEC_SHUTDOWN is the dispatcher's own business — and a UPS name that is a
// MONITOR of the notifier's own upsmon.conf (or none, for host types). No message crosses: the
// notifier builds it from its own configuration. Anything else is fatal, and nothing of the read
// that held it is acted on. Pure.

import { FrameDecoder, frameTypeByCode, isConfiguredName, type Frame } from '../../protocol/notify-frame/index.js';
import type { NotifyType } from '../../core/config/upsmon-conf.js';

export type NotifyRequest =
  | { type: NotifyType; ups: string }
  /** A rule of the notifier's own upsrules.conf fired or cleared (issue 16): its notify actions run. */
  | { type: 'RULE_FIRE' | 'RULE_CLEAR'; rule: string };

export type NotifyReadResult = { ok: true; requests: NotifyRequest[] } | { ok: false; reason: string };

export class NotifyFrameReader {
  private readonly decoder = new FrameDecoder();
  private readonly monitors: string[];
  private readonly rules: ReadonlySet<string>;
  private failed: string | undefined;

  /** `rules`: the names of the notifier's own copy of upsrules.conf (exact, case included). */
  constructor(monitors: Iterable<string>, rules: Iterable<string> = []) {
    this.monitors = [...monitors];
    this.rules = new Set(rules);
  }

  /** `upsmon -c reload`: new MONITORs are accepted from now on (removed ones stay, as in the dispatcher). */
  addMonitors(monitors: Iterable<string>): void {
    for (const m of monitors) if (!this.monitors.includes(m)) this.monitors.push(m);
  }

  /** One read from the pipe: all its requests, or the first fault (then none of them). */
  push(chunk: Uint8Array): NotifyReadResult {
    if (this.failed !== undefined) return { ok: false, reason: this.failed };
    const { frames, error } = this.decoder.push(chunk);
    if (error) return this.fail(`malformed frame: ${error.message}`);
    const requests: NotifyRequest[] = [];
    for (const f of frames) {
      const problem = this.problem(f);
      if (problem !== undefined) return this.fail(problem);
      requests.push(f.type === 'RULE_FIRE' || f.type === 'RULE_CLEAR' ? { type: f.type, rule: f.name } : { type: f.type as NotifyType, ups: f.name });
    }
    return { ok: true, requests };
  }

  /** The dispatcher closed the pipe: a frame cut in half is a fault too. */
  end(): string | undefined {
    if (this.failed !== undefined) return this.failed;
    const error = this.decoder.end();
    return error ? this.fail(`malformed frame: ${error.message}`).reason : undefined;
  }

  private problem(f: Frame): string | undefined {
    const kind = frameTypeByCode(f.code)?.kind;
    if (kind === 'rule') return this.rules.has(f.name) ? undefined : `frame ${f.type} names a rule that is not in the notifier's rule file`;
    if (kind !== 'notify') return `frame ${f.type} is not a notification`;
    if (f.name !== '' && !isConfiguredName(f.name, this.monitors)) return `frame ${f.type} names a UPS that is not a MONITOR in upsmon.conf`;
    return undefined;
  }

  private fail(reason: string): { ok: false; reason: string } {
    this.failed = reason;
    return { ok: false, reason };
  }
}
