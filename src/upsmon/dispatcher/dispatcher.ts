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

export interface DispatcherActions {
  notify(n: Notification): void;
  /** Runs the shutdown (POWERDOWNFLAG, then the configured method). Called at most once. */
  shutdown(): void;
}

export type DispatchResult = { ok: true } | { ok: false; reason: string };

export class Dispatcher {
  private decoder = new FrameDecoder();
  private validator: FrameSequenceValidator;
  private readonly monitors: string[];
  private shutdownStarted = false;

  constructor(private conf: UpsmonConf, private readonly actions: DispatcherActions) {
    this.monitors = conf.monitors.map((m) => m.system);
    this.validator = new FrameSequenceValidator(conf);
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
