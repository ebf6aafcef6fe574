// One client connection's protocol state (spec §2.2, §2.3): credentials as sent, the UPS it
// logged in to, its tracking flag, TLS. No I/O: server.ts owns the socket.

/** How the client reached upsd. */
export type Transport = 'tcp' | 'unix';

/** What LIST CLIENT prints for a client of the Unix-socket listener (hardnut addition). */
export const UNIX_CLIENT_ADDRESS = 'unix';

export class Session {
  /** As sent by USERNAME / PASSWORD; compared only when a command needs a permission (§2.2). */
  username: string | undefined;
  password: string | undefined;
  /** Canonical name of the UPS this connection did LOGIN to (LIST CLIENT prints it, §2.3). */
  loginUps: string | undefined;
  tracking = false;
  tls = false;
  /**
   * A credential check succeeded on this connection (LOGIN, PRIMARY, FSD, SET or INSTCMD). Only
   * such connections count as authenticated for the connection limits (server.ts).
   */
  authenticated = false;
  /** When a complete line last arrived (ms): the idle timeout counts from here (§2.1). */
  lastHeard: number;
  /** A complete line has arrived at all. */
  spoke = false;
  readonly connectedAt: number;

  constructor(
    readonly id: number,
    /** Numeric address for LIST CLIENT and logs (`127.0.0.1`, `::1`, or `unix`). */
    readonly address: string,
    readonly transport: Transport,
    now: number,
  ) {
    this.lastHeard = now;
    this.connectedAt = now;
  }

  /** `user@address` for log lines (never the password). */
  get who(): string {
    return `${this.username ?? '(no user)'}@${this.address}`;
  }
}
