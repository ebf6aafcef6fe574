// A Logger for tests that prints nothing; it keeps the error lines for the tests that check them.
import { Logger } from '../../src/runtime/log.js';

export class QuietLogger extends Logger {
  readonly errors: string[] = [];
  constructor(ident = 'test') { super(ident); }
  override error(message: string): void { this.errors.push(message); }
  override warn(): void { /* quiet */ }
  override notice(): void { /* quiet */ }
  override info(): void { /* quiet */ }
  override debug(): void { /* quiet */ }
}
