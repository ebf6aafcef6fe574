// upsmon's dispatcher (DESIGN.md): the small process outside the jail that receives the network
// monitor's one-way framed pipe and acts on it. It never parses network data: a frame is a type
// byte from a fixed table and a UPS name that must be a MONITOR this process read from
// upsmon.conf itself. Anything else — a malformed byte, an unknown name, a frame out of order —
// is fatal for the child: the dispatcher reports it, the supervisor kills and restarts the
// child, and nothing of the bad input reaches a command. A shutdown is run only when the frames
// before it satisfy NUT's rule (MINSUPPLIES over the power values of the dispatcher's own
// upsmon.conf, counting the UPSes the frames say may be critical as lost), or a user asked for FSD.

import { FrameDecoder, FrameSequenceValidator, isConfiguredName, type Frame } from '../../protocol/notify-frame/index.js';
import { notificationOf, type Notification } from '../shared/notify-messages.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';

export { NO_NETWORK_TEXT, type Notification } from '../shared/notify-messages.js';
import type { Action, Rule, RuleSet } from '../../protocol/rules/index.js';
import { RuleGate } from '../shared/rule-gate.js';

export interface DispatcherActions {
  notify(n: Notification): void;
  /** Runs the shutdown (POWERDOWNFLAG, then the configured method). Called at most once. */
  shutdown(): void;
  /** A rule of the dispatcher's own upsrules.conf fired or cleared: perform `actions` (issue 16). */
  rule?(rule: Rule, event: 'fire' | 'clear', actions: readonly Action[]): void;
}

export type DispatchResult = { ok: true } | { ok: false; reason: string };

export class Dispatcher {
  private decoder = new FrameDecoder();
  private validator: FrameSequenceValidator;
  private readonly monitors: string[];
  private shutdownStarted = false;
  private readonly rules: RuleGate;

  /** `ruleSet`: the dispatcher's own upsrules.conf, if there is one; without it every rule frame is a fault. */
  constructor(private conf: UpsmonConf, private readonly actions: DispatcherActions, ruleSet?: RuleSet) {
    this.monitors = conf.monitors.map((m) => m.system);
    this.validator = new FrameSequenceValidator(conf);
    this.rules = new RuleGate(ruleSet);
  }

  /** A user asked for FSD (`upsmon -c fsd`) and the dispatcher forwarded it: a shutdown may follow. */
  noteUserFsd(): void {
    this.validator.noteUserFsd();
  }

  /**
   * `upsmon -c reload`: messages and flags from the new configuration; its new MONITORs are
   * accepted from now on. Removed ones stay accepted for this child's lifetime: the child applies
   * a reload at its next poll cycle, and a notification of the cycle in flight must not count as
   * a fault. What the validator learnt about the running child is kept; the new power values and
   * MINSUPPLIES are tried alongside the old ones until the child is restarted.
   */
  reload(conf: UpsmonConf): void {
    this.conf = conf;
    for (const m of conf.monitors) if (!this.monitors.includes(m.system)) this.monitors.push(m.system);
    this.validator.addRule(conf);
  }

  /** A new child starts from scratch: so does what we expect of it. */
  childRestarted(): void {
    this.decoder = new FrameDecoder();
    this.validator = new FrameSequenceValidator(this.conf);
    if (this.shutdownStarted) this.validator.noteUserFsd();
    this.rules.childRestarted();
  }

  /** Bytes read from the child's pipe. Frames before a fault are acted on; the fault is returned. */
  receive(chunk: Uint8Array): DispatchResult {
    const { frames, error } = this.decoder.push(chunk);
    for (const frame of frames) {
      const r = this.act(frame);
      if (!r.ok) return r;
    }
    return error ? { ok: false, reason: `malformed frame: ${error.message}` } : { ok: true };
  }

  /** The child closed its end: a frame cut in half is a fault too. */
  end(): DispatchResult {
    const error = this.decoder.end();
    return error ? { ok: false, reason: `malformed frame: ${error.message}` } : { ok: true };
  }

  private act(frame: Frame): DispatchResult {
    if (frame.type === 'RULE_FIRE' || frame.type === 'RULE_CLEAR') {
      // the name is a rule's, checked against the dispatcher's own rule file, never a MONITOR's
      const r = this.rules.check(frame.type, frame.name);
      if (!r.ok) return r;
      // A shutdown rule of this copy of the file is a reason to shut down, as `upsmon -c fsd` is:
      // the child's SHUTDOWN and EXEC_SHUTDOWN that follow pass. Rules only add reasons: the
      // validator's own (NUT's MINSUPPLIES rule) still holds without them.
      if (r.event === 'fire' && r.actions.some((a) => a.kind === 'shutdown')) this.validator.noteUserFsd();
      this.actions.rule?.(r.rule, r.event, r.actions);
      return { ok: true };
    }
    if (frame.name !== '' && !isConfiguredName(frame.name, this.monitors)) {
      return { ok: false, reason: `frame ${frame.type} names a UPS that is not a MONITOR in upsmon.conf` };
    }
    const problem = this.validator.check(frame);
    if (problem) return { ok: false, reason: `frame ${frame.type} out of order: ${problem.reason}` };
    if (frame.type === 'EXEC_SHUTDOWN') {
      if (!this.shutdownStarted) {
        this.shutdownStarted = true;
        this.actions.shutdown();
      }
      return { ok: true };
    }
    this.actions.notify(notificationOf(this.conf, frame.type, frame.name));
    return { ok: true };
  }
}
