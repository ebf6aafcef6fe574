// One conversation with the device at a time: a poll, an instant command and a SET all write
// and read the same port, and NUT's drivers (single-threaded) never interleave them.

export class SerialMutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything queued before it has finished (whether it failed or not). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
