// upsmon's connection to upsd for one MONITOR line (§5.3): connect (STARTTLS as configured),
// USERNAME, PASSWORD, LOGIN, and PRIMARY (falling back to MASTER) for a primary. As in NUT, a
// failed login is only logged — the connection stays up and is polled; a lost connection is
// re-made on the next poll, not after a backoff (NUT retries every poll cycle, and a backoff
// would delay COMMOK after upsd comes back). That is why this is not the client library's
// ReconnectingClient. Addresses were resolved before the jail: there is no DNS inside it, so
// the link tries each resolved address in turn, as libupsclient does with getaddrinfo's list.

import { NutClient, type ClientOptions } from '../../client/client.js';
import { NutError } from '../../protocol/net/client-errors.js';
import type { ServerAddress } from '../../client/ups-spec.js';
import type { MonitorEntry } from '../../core/config/upsmon-conf.js';
import type { LogLevel } from '../shared/types.js';

/** NUT's NET_TIMEOUT: how long upsd may take to answer (and to accept a connection). */
export const UPSMON_NET_TIMEOUT_MS = 10_000;

export interface LinkOptions {
  entry: MonitorEntry;
  /** Where upsd is: the resolved addresses of the MONITOR host, tried in order. */
  addresses: ServerAddress[];
  client: ClientOptions;
  log(level: LogLevel, message: string): void;
}

/** A connection attempt that failed before any request could be made. */
export class ConnectFailure extends Error {
  constructor(readonly detail: string, readonly code: string) {
    super(detail);
  }
}

export class UpsLink {
  private client: NutClient | undefined;
  private connecting: Promise<NutClient> | undefined;

  constructor(private opts: LinkOptions) {}

  get system(): string {
    return this.opts.entry.system;
  }

  /** A reload may change the user, password or role (the monitor then asks for a reconnect). */
  update(opts: LinkOptions): void {
    this.opts = opts;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** The connected client, connecting and logging in first if needed. Throws ConnectFailure. */
  async ensure(): Promise<NutClient> {
    if (this.client?.connected) return this.client;
    this.client = undefined;
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<NutClient> {
    const { entry, addresses, client: clientOpts } = this.opts;
    if (addresses.length === 0) throw new ConnectFailure(`cannot resolve ${entry.host}`, 'ERR_NO_SUCH_HOST');
    let last: unknown;
    let client: NutClient | undefined;
    for (const address of addresses) {
      try {
        client = await NutClient.connect(address, { timeoutMs: UPSMON_NET_TIMEOUT_MS, connectTimeoutMs: UPSMON_NET_TIMEOUT_MS, ...clientOpts });
        break;
      } catch (err) {
        last = err;
      }
    }
    if (client === undefined) {
      const e = last as { message?: string; code?: string } | undefined;
      // EPERM on connect is a local packet filter, usually the unit's IPAddressAllow (localhost by default)
      const hint = e?.code === 'EPERM' ? ' (refused by a local packet filter: under systemd, allow this upsd with IPAddressAllow= in `systemctl edit hardnut-upsmon`)' : '';
      throw new ConnectFailure(`${e?.message ?? 'Connection failure'}${hint}`, e?.code ?? 'ERR_CONNECT');
    }
    this.client = client;
    await this.login(client);
    return client;
  }

  /** §5.3; a refusal is logged and the connection kept, as NUT does. */
  private async login(client: NutClient): Promise<void> {
    const { entry, log } = this.opts;
    try {
      await client.username(entry.user);
    } catch (err) {
      if (!(err instanceof NutError)) throw asConnectFailure(err);
      log('err', `Set username on [${entry.system}] failed: ${err.message}`);
      return;
    }
    try {
      await client.password(entry.password);
    } catch (err) {
      if (!(err instanceof NutError)) throw asConnectFailure(err);
      log('err', `Set password on [${entry.system}] failed - got [${err.reply}]`);
      return;
    }
    try {
      await client.login(entry.upsName);
    } catch (err) {
      if (!(err instanceof NutError)) throw asConnectFailure(err);
      log('err', `Login on UPS [${entry.system}] failed - got [${err.reply}]`);
      return;
    }
    log('debug', `Logged into UPS ${entry.system}`);
    if (entry.role !== 'primary') return;
    try {
      await client.primary(entry.upsName);
    } catch (err) {
      if (!(err instanceof NutError)) throw asConnectFailure(err);
      log('alert', `Primary managerial privileges unavailable on UPS [${entry.system}]`);
      log('alert', `Response: [${err.reply}]`);
    }
  }

  /** Forgets the connection (NUT's drop_connection); the next poll reconnects. */
  drop(): void {
    const c = this.client;
    this.client = undefined;
    if (c) void c.close();
  }

  /** LOGOUT and close (upsd then counts one login fewer: the primary's NUMLOGINS wait). */
  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.close();
  }
}

function asConnectFailure(err: unknown): ConnectFailure {
  const e = err as { message?: string; code?: string };
  return new ConnectFailure(e.message ?? String(err), e.code ?? 'ERR_CONNECT');
}
