// The supervisor's rule actions (issue 16): one rule-action child at a time, in the order the
// rules fired and cleared, a bounded wait list, and a deadline after which the child is killed.
// Only the bookkeeping is here, so that its limits are tested; starting the child (spawn, its
// message) stays in supervisor.ts.
import type { Logger } from '../../runtime/log.js';

/** Rule actions waiting for the one rule-action child at a time; more are refused (logged). */
export const MAX_PENDING_RULE_ACTIONS = 16;
/** A rule-action child is killed after this long (its connect and each reply have 10 s). */
export const RULE_ACTION_TIMEOUT_MS = 60_000;

export interface RuleActionJob {
  /** What the log says the job does: "rule x fired: FSD on ups@host". */
  what: string;
}

/** A started job: kill() ends it at once; the queue then waits for its done() as for any end. */
export interface RuleActionRun { kill(): void }

/** Starts `job`; calls `done` once when it ended, with why it failed for the log (undefined: it succeeded). */
export type StartRuleAction<J> = (job: J, done: (failure?: string) => void) => RuleActionRun;

export class RuleActionQueue<J extends RuleActionJob> {
  private readonly waiting: J[] = [];
  private running: RuleActionRun | undefined;
  private closed = false;

  constructor(private readonly start: StartRuleAction<J>, private readonly log: Pick<Logger, 'notice' | 'error'>) {}

  /** Queues `job` and starts it if nothing runs. False (logged) when MAX_PENDING_RULE_ACTIONS already wait, or after close(). */
  push(job: J): boolean {
    if (this.closed) return false;
    if (this.waiting.length >= MAX_PENDING_RULE_ACTIONS) {
      this.log.error(`upsmon: ${job.what}: ${String(MAX_PENDING_RULE_ACTIONS)} rule actions already wait: not sent`);
      return false;
    }
    this.waiting.push(job);
    this.next();
    return true;
  }

  /** upsmon ends: the job under way is killed (its own timeouts would end it soon anyway), none waiting starts. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.running?.kill();
  }

  private next(): void {
    if (this.running !== undefined || this.closed) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.log.notice(`upsmon: ${job.what}`);
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (failure?: string): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (failure !== undefined) this.log.error(`upsmon: ${job.what}: not done (${failure})`);
      this.running = undefined;
      this.next();
    };
    let run: RuleActionRun;
    try {
      run = this.start(job, done);
    } catch (err) {
      // spawn throws for some errors (ENOMEM, a pipe it cannot make): one rule action is lost, not upsmon
      done(`cannot start the rule-action child: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (ended) return; // it ended at once (a spawn that failed reports so)
    this.running = run;
    timer = setTimeout(() => {
      this.log.error(`upsmon: ${job.what}: no answer in ${String(RULE_ACTION_TIMEOUT_MS / 1000)} s: killed`);
      run.kill();
    }, RULE_ACTION_TIMEOUT_MS);
  }
}
