// The supervisor's rule-action queue (issue 16): one child at a time, in order, at most
// MAX_PENDING_RULE_ACTIONS waiting, a child killed after RULE_ACTION_TIMEOUT_MS. The rule
// processes' tests (rules.process.test.ts) run real children through it; these reach the limits,
// which a real upsd would need minutes to reach.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MAX_PENDING_RULE_ACTIONS, RULE_ACTION_TIMEOUT_MS, RuleActionQueue, type RuleActionJob,
} from '../../../src/upsmon/supervisor/rule-action-queue.js';

interface Started { job: RuleActionJob; done(failure?: string): void; killed: number }

/** A queue whose starts are recorded; `onStart` may end a start at once (done) or throw, as spawn can. */
function queue(onStart?: (s: Started, index: number) => void): { q: RuleActionQueue<RuleActionJob>; started: Started[]; logs: string[] } {
  const started: Started[] = [];
  const logs: string[] = [];
  const q = new RuleActionQueue<RuleActionJob>((job, done) => {
    const s: Started = { job, done, killed: 0 };
    started.push(s);
    onStart?.(s, started.length - 1);
    return { kill: () => { s.killed++; } };
  }, { notice: (m: string) => logs.push(`notice ${m}`), error: (m: string) => logs.push(`error ${m}`) });
  return { q, started, logs };
}
const job = (n: number): RuleActionJob => ({ what: `rule r${String(n)} fired: FSD on u@localhost` });

describe('rule-action queue', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('runs one job at a time, in the order pushed, the next when the last ended', () => {
    const { q, started, logs } = queue();
    for (const n of [1, 2, 3]) expect(q.push(job(n))).toBe(true);
    expect(started.map((s) => s.job.what)).toEqual([job(1).what]);
    started[0]?.done();
    expect(started.map((s) => s.job.what)).toEqual([job(1).what, job(2).what]);
    started[1]?.done('rule-action child exit 1; its log says why');
    started[2]?.done();
    expect(started).toHaveLength(3);
    expect(logs).toEqual([
      `notice upsmon: ${job(1).what}`,
      `notice upsmon: ${job(2).what}`,
      `error upsmon: ${job(2).what}: not done (rule-action child exit 1; its log says why)`,
      `notice upsmon: ${job(3).what}`,
    ]);
  });

  it(`refuses a job, logged, when ${String(MAX_PENDING_RULE_ACTIONS)} already wait behind the running one`, () => {
    const { q, started, logs } = queue();
    expect(q.push(job(0))).toBe(true); // runs
    for (let n = 1; n <= MAX_PENDING_RULE_ACTIONS; n++) expect(q.push(job(n))).toBe(true);
    expect(q.push(job(99))).toBe(false);
    expect(logs.at(-1)).toBe(`error upsmon: ${job(99).what}: ${String(MAX_PENDING_RULE_ACTIONS)} rule actions already wait: not sent`);
    // the ones admitted all run, in order; the refused one never does
    for (let i = 0; i < started.length; i++) started[i]?.done();
    expect(started.map((s) => s.job.what)).toEqual(Array.from({ length: MAX_PENDING_RULE_ACTIONS + 1 }, (_, n) => job(n).what));
    // room again once they ran
    expect(q.push(job(100))).toBe(true);
  });

  it(`kills a child that has not ended after ${String(RULE_ACTION_TIMEOUT_MS / 1000)} s, then starts the next when it ended`, () => {
    const { q, started, logs } = queue();
    q.push(job(1));
    q.push(job(2));
    vi.advanceTimersByTime(RULE_ACTION_TIMEOUT_MS - 1);
    expect(started[0]?.killed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(started[0]?.killed).toBe(1);
    expect(logs).toContain(`error upsmon: ${job(1).what}: no answer in ${String(RULE_ACTION_TIMEOUT_MS / 1000)} s: killed`);
    // one at a time even then: the next waits until the killed child is gone
    expect(started).toHaveLength(1);
    started[0]?.done('rule-action child SIGKILL');
    expect(started.map((s) => s.job.what)).toEqual([job(1).what, job(2).what]);
    // the second's deadline is its own, and an ended child's timer is gone
    vi.advanceTimersByTime(RULE_ACTION_TIMEOUT_MS - 1);
    expect(started[1]?.killed).toBe(0);
    started[1]?.done();
    vi.advanceTimersByTime(RULE_ACTION_TIMEOUT_MS * 2);
    expect(started.map((s) => s.killed)).toEqual([1, 0]);
  });

  it('close() kills the running child and starts nothing more', () => {
    const { q, started } = queue();
    q.push(job(1));
    q.push(job(2));
    q.close();
    expect(started[0]?.killed).toBe(1);
    started[0]?.done('rule-action child SIGKILL');
    expect(q.push(job(3))).toBe(false);
    expect(started).toHaveLength(1);
  });

  it('a second done() of the same child changes nothing', () => {
    const { q, started } = queue();
    q.push(job(1));
    q.push(job(2));
    q.push(job(3));
    started[0]?.done();
    started[0]?.done();
    expect(started).toHaveLength(2);
  });

  it('a child that ended at once (a failed spawn) does not hold the queue, and leaves no timer', () => {
    const { q, started } = queue((s, i) => { if (i === 0) s.done('the rule-action child did not start'); });
    q.push(job(1));
    expect(vi.getTimerCount()).toBe(0);
    q.push(job(2));
    expect(started).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(1); // the second's deadline
  });

  it('a start that throws (spawn can) loses that action, logged, not the supervisor; the next one runs', () => {
    const { q, started, logs } = queue((_s, i) => { if (i === 0) throw new Error('spawn ENOMEM'); });
    expect(() => q.push(job(1))).not.toThrow();
    expect(logs).toContain(`error upsmon: ${job(1).what}: not done (cannot start the rule-action child: spawn ENOMEM)`);
    expect(vi.getTimerCount()).toBe(0);
    // nothing fires later either (a deadline armed before a failed start would kill a child that is not there)
    vi.advanceTimersByTime(RULE_ACTION_TIMEOUT_MS * 2);
    q.push(job(2));
    expect(started).toHaveLength(2);
  });
});
