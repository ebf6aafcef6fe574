// A NutClient for long-lived users (upslog, dummy-ups repeater, upsmon): connects on demand,
// and after a lost connection waits before trying again, doubling the wait up to a cap, so a
// server that is down is not hammered and its return is noticed soon enough.
import { NutError } from '../protocol/net/client-errors.js';
import { NutClient, type ClientOptions } from './client.js';
import { NutTransportError } from './errors.js';
import type { ServerAddress } from './ups-spec.js';

export const DEFAULT_INITIAL_DELAY_MS = 1_000;
export const DEFAULT_MAX_DELAY_MS = 30_000;

export type ConnectionEvent =
  | { type: 'connected'; encrypted: boolean }
  | { type: 'disconnected'; error: Error }
  | { type: 'connect-failed'; error: Error; retryInMs: number };

export interface ReconnectOptions extends ClientOptions {
  /** Wait after the first failure; doubles after each further failure. */
  initialDelayMs?: number;
  /** Cap of the wait. */
  maxDelayMs?: number;
  /** Runs after every (re)connect, before any other request: authenticate, LOGIN… */
  onConnect?: (client: NutClient) => Promise<void>;
  onEvent?: (event: ConnectionEvent) => void;
}

export class ReconnectingClient {
  private client: NutClient | undefined;
  private connecting: Promise<NutClient> | undefined;
  private delayMs: number;
  private nextAttempt = 0;
  private lastError: Error | undefined;
  private closed = false;

  constructor(readonly address: ServerAddress, private readonly opts: ReconnectOptions = {}) {
    this.delayMs = opts.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Milliseconds until the next connection attempt is allowed (0: now). */
  get retryInMs(): number {
    return Math.max(0, this.nextAttempt - Date.now());
  }

  /**
   * Runs `fn` on a connected client. Before the backoff delay has passed it fails at once with
   * ERR_NOT_CONNECTED (carrying the last error's text). A transport or protocol failure drops
   * the connection (the next call reconnects); a NutError (an ERR reply) keeps it.
   */
  async run<T>(fn: (client: NutClient) => Promise<T>): Promise<T> {
    const client = await this.get();
    try {
      return await fn(client);
    } catch (err) {
      if (!(err instanceof NutError) && !client.connected) this.lost(client, err as Error);
      throw err;
    }
  }

  /** A connected client (connecting now if allowed). */
  async get(): Promise<NutClient> {
    if (this.closed) throw new NutTransportError('ERR_CLOSED', 'Connection closed');
    if (this.client?.connected) return this.client;
    if (this.client) this.lost(this.client, new NutTransportError('ERR_DISCONNECTED', 'Server disconnected'));
    if (this.connecting) return this.connecting;
    if (Date.now() < this.nextAttempt) {
      throw new NutTransportError('ERR_NOT_CONNECTED', this.lastError?.message ?? 'Not connected', { cause: this.lastError });
    }
    this.connecting = this.attempt();
    try {
      return await this.connecting;
    } finally {
      this.connecting = undefined;
    }
  }

  private async attempt(): Promise<NutClient> {
    let client: NutClient | undefined;
    try {
      client = await NutClient.connect(this.address, this.opts);
      await this.opts.onConnect?.(client);
    } catch (err) {
      if (client) void client.close();
      this.lastError = err as Error;
      const wait = this.delayMs;
      this.nextAttempt = Date.now() + wait;
      this.delayMs = Math.min(wait * 2, this.opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
      this.opts.onEvent?.({ type: 'connect-failed', error: err as Error, retryInMs: wait });
      throw err;
    }
    if (this.closed) { void client.close(); throw new NutTransportError('ERR_CLOSED', 'Connection closed'); }
    this.client = client;
    this.delayMs = this.opts.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
    this.nextAttempt = 0;
    this.opts.onEvent?.({ type: 'connected', encrypted: client.encrypted });
    return client;
  }

  private lost(client: NutClient, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.lastError = error;
    void client.close();
    this.opts.onEvent?.({ type: 'disconnected', error });
  }

  /** Drops the connection now (LOGOUT if idle); the next call reconnects without waiting. */
  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.disconnect();
  }
}
