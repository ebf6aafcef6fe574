// NUT network client (spec §2): a typed promise API over TCP, TLS (STARTTLS) and Unix sockets.
// One connection, one request at a time: calls made concurrently are queued and each reply is
// matched to its request in order, so any number of callers may share a client safely.
// Encoding and reply checks are the pure codec's (src/protocol/net/client-codec.ts); this file
// only moves bytes, keeps the queue and the timers.
import net from 'node:net';
import type * as Tls from 'node:tls';
import {
  ReplyDecoder, buildRequest, expectGet, expectLine, expectList, expectOk, parseTracking, parseType, trackingId,
  type ReplyConsumer, type ReplyLine, type TrackingStatus, type VarType,
} from '../protocol/net/client-codec.js';
import { NutError, NutProtocolError } from '../protocol/net/client-errors.js';
import { HardnutError } from '../core/errors.js';
import { NutTransportError, strerror } from './errors.js';
import { NUT_PORT, type ServerAddress } from './ups-spec.js';

/** upscli's DEFAULT_NETWORK_TIMEOUT: how long a reply may take (§2.8). */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** NUT master's default connect timeout (upsc -W, upsmon). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long close() waits for a polite LOGOUT before dropping the socket. */
export const LOGOUT_WAIT_MS = 1_000;
/** Pause between GET TRACKING polls while the answer is PENDING (upscmd: 1 s). */
export const TRACKING_POLL_MS = 1_000;
/** Most requests waiting in one client's queue; beyond this calls are refused at once. */
export const MAX_QUEUED = 10_000;

export type StartTls = 'try' | 'require' | 'never';

export interface TlsOptions {
  /** Trusted CA certificate(s), PEM. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name the server certificate must carry (default: the host connected to). */
  servername?: string;
  /** Verify the server certificate (default true when `tls` is given). */
  rejectUnauthorized?: boolean;
  /** Client certificate and key (upsd CERTREQUEST). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ClientOptions {
  /** Per request: how long the complete reply may take. Default 5 s, as upscli. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * STARTTLS after connecting (§2.3, §2.8). 'try' (default on TCP, NUT's TRYSSL): use TLS when
   * the server offers it, else go on in plaintext — unless `tls` asks for verification, then a
   * server without TLS is refused (NUT: CERTVERIFY with TRYSSL). 'require' (FORCESSL): TLS or
   * nothing. 'never': plaintext. Unix sockets default to 'never'.
   */
  startTls?: StartTls;
  /** Without it TLS is unverified, as NUT's tools do by default (protects only against eavesdropping). */
  tls?: TlsOptions;
}

export interface UpsInfo { name: string; description: string }
export interface RangeItem { min: string; max: string }
export interface CommandResult {
  /** The reply line ("OK", "OK TRACKING <id>"). */
  reply: string;
  /** The tracking id when tracking is on (§2.5). */
  tracking?: string;
}

interface Pending {
  line: string;
  consumer: ReplyConsumer<unknown>;
  timeoutMs: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

type Sock = net.Socket | Tls.TLSSocket;

// node:tls (and the crypto it pulls in) costs a short-lived client like upsc about as much CPU
// as the rest of its start-up, and most upsd's answer STARTTLS with an error: it is loaded only
// when a server agrees to TLS. A process that may STARTTLS after it confined itself (after
// chroot and seccomp) calls preloadTls() first, so no module is loaded inside the jail.
let tlsLib: typeof Tls | undefined;
/** Loads node:tls now (idempotent); see above for who must. */
export async function preloadTls(): Promise<typeof Tls> {
  tlsLib ??= await import('node:tls');
  return tlsLib;
}

export class NutClient {
  private socket: Sock;
  private readonly decoder = new ReplyDecoder();
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dead: Error | undefined;
  private tlsActive = false;
  private readonly closeWaiters: Array<() => void> = [];

  private constructor(socket: Sock, readonly address: ServerAddress, private readonly timeoutMs: number) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects (and negotiates TLS as asked). Rejects with NutTransportError on failure. */
  static async connect(address: ServerAddress, opts: ClientOptions = {}): Promise<NutClient> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await openSocket(address, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const client = new NutClient(socket, address, timeoutMs);
    const mode = opts.startTls ?? ('path' in address ? 'never' : 'try');
    if (mode !== 'never') {
      try {
        await client.startTls(mode, opts.tls);
      } catch (err) {
        client.destroy();
        throw err;
      }
    }
    return client;
  }

  /** True once TLS is up on this connection. */
  get encrypted(): boolean {
    return this.tlsActive;
  }

  /** False after a transport or protocol failure, or close(). */
  get connected(): boolean {
    return this.dead === undefined;
  }

  // --- transport ---------------------------------------------------------------------------

  private attach(s: Sock): void {
    s.on('data', this.onData);
    s.on('error', this.onError);
    s.on('close', this.onClose);
  }

  private detach(s: Sock): void {
    s.off('data', this.onData);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    let lines: ReplyLine[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const line of lines) {
      const p = this.current;
      if (!p) {
        this.fail(new NutProtocolError('ERR_PROTOCOL', 'Protocol error', line.raw, 'unsolicited reply'));
        return;
      }
      const step = p.consumer.push(line);
      if (!step.done) continue;
      this.current = undefined;
      if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
      if ('error' in step) {
        p.reject(step.error);
        if (step.fatal) { this.fail(step.error); return; }
      } else {
        p.resolve(step.value);
      }
      this.pump();
      if (this.dead) return;
    }
  };

  private readonly onError = (err: Error): void => {
    this.fail(new NutTransportError('ERR_READ', `Read error: ${strerror(err)}`, { cause: err }));
  };

  private readonly onClose = (): void => {
    this.fail(new NutTransportError('ERR_DISCONNECTED', 'Server disconnected'));
    for (const w of this.closeWaiters.splice(0)) w();
  };

  /** The connection is unusable from here on: every waiting request fails with `err`. */
  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    const waiting = this.current ? [this.current, ...this.queue.splice(0)] : this.queue.splice(0);
    this.current = undefined;
    // The request that met the error already got it (a fatal reply) or gets it now.
    for (const p of waiting) p.reject(err);
    this.socket.destroy();
  }

  private destroy(): void {
    this.fail(new NutTransportError('ERR_CLOSED', 'Connection closed'));
  }

  private pump(): void {
    if (this.current || this.dead) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    this.timer = setTimeout(() => {
      this.fail(new NutTransportError('ERR_TIMEOUT', 'Server disconnected'));
    }, next.timeoutMs);
    this.socket.write(next.line, (err) => {
      if (err) this.fail(new NutTransportError('ERR_WRITE', `Write error: ${strerror(err)}`, { cause: err }));
    });
  }

  /** Sends one request line and collects its reply with `consumer`. */
  private request<T>(line: string, consumer: ReplyConsumer<T>, timeoutMs = this.timeoutMs): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.queue.length >= MAX_QUEUED) return Promise.reject(new HardnutError('ERR_QUEUE_FULL', `more than ${MAX_QUEUED} requests waiting on one connection`));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ line, consumer: consumer as ReplyConsumer<unknown>, timeoutMs, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Sends `COMMAND args…` (encoded, §2.8) and returns the one reply line; ERR rejects with NutError. */
  command(command: string, args: readonly string[] = [], timeoutMs?: number): Promise<ReplyLine> {
    return this.request(buildRequest(command, args), expectLine(), timeoutMs);
  }

  private ok(command: string, args: readonly string[]): Promise<ReplyLine> {
    return this.request(buildRequest(command, args), expectOk());
  }

  /** `GET <query…>`: the answer's words (query echoed, then the value words). */
  async get(query: readonly string[]): Promise<string[]> {
    return this.request(buildRequest('GET', query), expectGet(query));
  }

  /** `LIST <query…>`: the item lines' words. */
  async list(query: readonly string[]): Promise<string[][]> {
    return this.request(buildRequest('LIST', query), expectList(query));
  }

  private async startTls(mode: 'try' | 'require', opts: TlsOptions | undefined): Promise<void> {
    let reply: ReplyLine;
    try {
      reply = await this.command('STARTTLS');
    } catch (err) {
      if (!(err instanceof NutError)) throw err;
      reply = { raw: err.reply, words: [] };
    }
    if (!reply.raw.startsWith('OK STARTTLS')) {
      // §2.8: TRYSSL goes on in plaintext; FORCESSL, or verification asked for, refuses.
      if (mode === 'require' || (opts !== undefined && opts.rejectUnauthorized !== false)) throw new NutTransportError('ERR_TLS_UNAVAILABLE', 'SSL is not available');
      return;
    }
    if (this.decoder.pending > 0) throw new NutTransportError('ERR_TLS', 'SSL error: plaintext data after OK STARTTLS');
    const raw = this.socket;
    this.detach(raw);
    // From here the TLS socket reports errors; the raw one must not crash the process with its own.
    raw.on('error', () => undefined);
    const host = 'path' in this.address ? 'localhost' : this.address.host;
    const servername = opts?.servername ?? host;
    const tls = tlsLib ?? await preloadTls();
    const secure = tls.connect({
      socket: raw,
      host,
      // SNI carries names only, never addresses (RFC 6066).
      ...(net.isIP(servername) === 0 ? { servername } : {}),
      ...(opts?.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts?.cert !== undefined ? { cert: opts.cert } : {}),
      ...(opts?.key !== undefined ? { key: opts.key } : {}),
      rejectUnauthorized: opts === undefined ? false : opts.rejectUnauthorized ?? true,
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(servername, cert),
    });
    this.socket = secure;
    let handshakeError: ((err: Error) => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { secure.destroy(); reject(new NutTransportError('ERR_TLS', 'SSL error: handshake timed out')); }, this.timeoutMs);
        secure.once('secureConnect', () => { clearTimeout(timer); resolve(); });
        // `on`, not `once`: a failing handshake may report more than one error.
        handshakeError = (err: Error): void => { clearTimeout(timer); reject(new NutTransportError('ERR_TLS', `SSL error: ${err.message}`, { cause: err })); };
        secure.on('error', handshakeError);
      });
    } catch (err) {
      this.dead = err as Error;
      secure.destroy();
      throw err;
    }
    if (handshakeError) secure.off('error', handshakeError);
    this.tlsActive = true;
    this.attach(secure);
  }

  // --- NUT commands (§2.3) -----------------------------------------------------------------

  async ver(): Promise<string> { return (await this.command('VER')).raw; }
  async netVer(): Promise<string> { return (await this.command('NETVER')).raw; }
  async protVer(): Promise<string> { return (await this.command('PROTVER')).raw; }
  async help(): Promise<string> { return (await this.command('HELP')).raw; }

  /** `GET VAR`: the value (unescaped). */
  async getVar(ups: string, name: string): Promise<string> {
    return valueAt(await this.get(['VAR', ups, name]), 3);
  }

  async getType(ups: string, name: string): Promise<VarType> {
    return parseType(await this.get(['TYPE', ups, name]));
  }

  async getDesc(ups: string, name: string): Promise<string> {
    return valueAt(await this.get(['DESC', ups, name]), 3);
  }

  async getCmdDesc(ups: string, cmd: string): Promise<string> {
    return valueAt(await this.get(['CMDDESC', ups, cmd]), 3);
  }

  async getUpsDesc(ups: string): Promise<string> {
    return valueAt(await this.get(['UPSDESC', ups]), 2);
  }

  async getNumLogins(ups: string): Promise<number> {
    const w = await this.get(['NUMLOGINS', ups]);
    const n = Number(valueAt(w, 2));
    if (!Number.isInteger(n)) throw new NutProtocolError('ERR_PROTOCOL', 'Protocol error', w.join(' '), 'NUMLOGINS is not a number');
    return n;
  }

  /** `LIST VAR`: every variable in the server's order (case-insensitively sorted, §2.3). */
  async listVar(ups: string): Promise<Map<string, string>> {
    return pairs(await this.list(['VAR', ups]));
  }

  /** `LIST RW`: writable variables and their values. */
  async listRw(ups: string): Promise<Map<string, string>> {
    return pairs(await this.list(['RW', ups]));
  }

  async listUps(): Promise<UpsInfo[]> {
    return (await this.list(['UPS'])).map((w) => ({ name: valueAt(w, 1), description: valueAt(w, 2) }));
  }

  async listCmd(ups: string): Promise<string[]> {
    return (await this.list(['CMD', ups])).map((w) => valueAt(w, 2));
  }

  async listEnum(ups: string, name: string): Promise<string[]> {
    return (await this.list(['ENUM', ups, name])).map((w) => valueAt(w, 3));
  }

  async listRange(ups: string, name: string): Promise<RangeItem[]> {
    return (await this.list(['RANGE', ups, name])).map((w) => ({ min: valueAt(w, 3), max: valueAt(w, 4) }));
  }

  /** `LIST CLIENT`: addresses of the clients logged in to the UPS. */
  async listClient(ups: string): Promise<string[]> {
    return (await this.list(['CLIENT', ups])).map((w) => valueAt(w, 2));
  }

  /** USERNAME: the reply must start with OK (§2.8). */
  async username(name: string): Promise<void> { await this.ok('USERNAME', [name]); }
  async password(pass: string): Promise<void> { await this.ok('PASSWORD', [pass]); }

  /** USERNAME then PASSWORD. Wrong credentials only show later, as ACCESS-DENIED (§2.2). */
  async authenticate(name: string, pass: string): Promise<void> {
    await this.username(name);
    await this.password(pass);
  }

  async login(ups: string): Promise<void> { await this.ok('LOGIN', [ups]); }

  /** PRIMARY, falling back to MASTER for servers older than 2.8 (upsmon, §5.3). */
  async primary(ups: string): Promise<void> {
    try {
      await this.ok('PRIMARY', [ups]);
    } catch (err) {
      if (!(err instanceof NutError)) throw err;
      await this.ok('MASTER', [ups]);
    }
  }

  async fsd(ups: string): Promise<void> { await this.ok('FSD', [ups]); }

  /** `SET VAR`. With tracking on, the result carries the tracking id. */
  async setVar(ups: string, name: string, value: string): Promise<CommandResult> {
    return result(await this.ok('SET', ['VAR', ups, name, value]));
  }

  async instCmd(ups: string, cmd: string, param?: string): Promise<CommandResult> {
    return result(await this.ok('INSTCMD', param === undefined ? [ups, cmd] : [ups, cmd, param]));
  }

  async setTracking(on: boolean): Promise<void> { await this.ok('SET', ['TRACKING', on ? 'ON' : 'OFF']); }

  /** `GET TRACKING`: whether tracking is on for this connection. */
  async trackingEnabled(): Promise<boolean> {
    return (await this.command('GET', ['TRACKING'])).raw === 'ON';
  }

  /**
   * `GET TRACKING <id>`: PENDING, SUCCESS or the error the driver reported. Throws NutError
   * FEATURE-NOT-CONFIGURED when tracking is off on this connection.
   */
  async getTracking(id: string, timeoutMs?: number): Promise<TrackingStatus> {
    let line: ReplyLine;
    try {
      line = await this.command('GET', ['TRACKING', id], timeoutMs);
    } catch (err) {
      if (err instanceof NutError && err.word !== 'FEATURE-NOT-CONFIGURED') return parseTracking({ raw: err.reply, words: [] });
      throw err;
    }
    return parseTracking(line);
  }

  /**
   * Polls GET TRACKING until the answer is no longer PENDING, like `upscmd -w`: the deadline is
   * checked before each poll, polls are TRACKING_POLL_MS apart. Throws HardnutError
   * ERR_TRACKING_TIMEOUT when the deadline passes.
   */
  async waitTracking(id: string, timeoutMs: number, pollMs = TRACKING_POLL_MS): Promise<TrackingStatus> {
    const start = Date.now();
    for (;;) {
      if (Date.now() - start >= timeoutMs) throw new HardnutError('ERR_TRACKING_TIMEOUT', 'timeout');
      const s = await this.getTracking(id, Math.max(timeoutMs, 1));
      if (s.state !== 'PENDING') return s;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** LOGOUT and wait for the reply, then close. */
  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } finally {
      this.destroy();
    }
  }

  /**
   * Ends the connection: waiting requests fail with ERR_CLOSED. If the connection is idle, it
   * says LOGOUT first, as upscli_disconnect does, and ends the socket gracefully.
   */
  async close(): Promise<void> {
    if (this.dead) return;
    if (this.current || this.queue.length > 0) { this.destroy(); return; }
    const s = this.socket;
    const closed = new Promise<void>((resolve) => {
      this.closeWaiters.push(resolve);
      setTimeout(resolve, LOGOUT_WAIT_MS).unref();
    });
    this.dead = new NutTransportError('ERR_CLOSED', 'Connection closed');
    s.end('LOGOUT\n');
    await closed;
    s.destroy();
  }
}

function valueAt(words: readonly string[], i: number): string {
  const v = words[i];
  if (v === undefined) throw new NutProtocolError('ERR_PROTOCOL', 'Protocol error', words.join(' '), `insufficient data (got ${words.length} args, need at least ${i + 1})`);
  return v;
}

function pairs(items: string[][]): Map<string, string> {
  const m = new Map<string, string>();
  for (const w of items) m.set(valueAt(w, 2), valueAt(w, 3));
  return m;
}

function result(line: ReplyLine): CommandResult {
  const id = trackingId(line);
  return id === undefined ? { reply: line.raw } : { reply: line.raw, tracking: id };
}

/**
 * Resolves the host and tries each address in turn, as upscli does with getaddrinfo's list;
 * the error of the last attempt is the one reported.
 */
async function openSocket(address: ServerAddress, connectTimeoutMs: number): Promise<net.Socket> {
  if ('path' in address) return connectOne({ path: address.path }, connectTimeoutMs);
  let addrs: Array<{ address: string; family: number }>;
  if (net.isIP(address.host) !== 0) {
    addrs = [{ address: address.host, family: net.isIP(address.host) }];
  } else {
    try {
      // loaded only for a host name: an address (upsc ups@127.0.0.1) needs no resolver (issue 13)
      const dns = await import('node:dns/promises');
      addrs = await dns.lookup(address.host, { all: true, verbatim: true });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'ENODATA') throw new NutTransportError('ERR_NO_SUCH_HOST', 'No such host', { cause: err });
      throw new NutTransportError('ERR_NO_SUCH_HOST', 'Unknown error', { cause: err });
    }
  }
  let last: unknown;
  for (const a of addrs) {
    try {
      return await connectOne({ host: a.address, port: address.port || NUT_PORT, family: a.family }, connectTimeoutMs);
    } catch (err) {
      last = err;
    }
  }
  throw last ?? new NutTransportError('ERR_NO_SUCH_HOST', 'No such host');
}

function connectOne(opts: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(opts);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new NutTransportError('ERR_CONNECT', 'Connection failure: Connection timed out'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      s.destroy();
      reject(new NutTransportError('ERR_CONNECT', `Connection failure: ${strerror(err)}`, { cause: err }));
    });
  });
}
