// The driver's Unix socket <statepath>/<driver>-<ups> (spec §3.1): accepts any number of local
// clients (upsd, upsdrvctl, tools), answers the client → driver verbs of §3.3 and pushes every
// state change to clients that want broadcasts. This class only moves bytes; decoding and
// encoding are the sock codec's, the state is DriverState's.

import net from 'node:net';
import { closeSync, constants, fstatSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { UnsafePathError, DriverError } from '../core/errors.js';
import {
  SockDecoder, dumpAll, dumpValue, encodeDriverMessage, parseClientMessage,
  type ClientMessage,
} from '../protocol/sock/index.js';
import type { DriverState } from './dstate.js';
import type { Logger } from '../runtime/log.js';
import { fchownDescriptor, O_PATH } from '../sandbox/libc.js';

/** Clients served at once; more are accepted and closed at once (a local flood can't exhaust fds). */
export const MAX_SOCK_CLIENTS = 1024;
/** Output queued for one client that is not reading; past this it is cut off, not buffered. */
export const MAX_CLIENT_PENDING_BYTES = 1 << 20;
/** sun_path is 108 bytes on Linux, including the NUL. */
export const MAX_SOCKET_PATH = 107;

/** Result codes of instcmd/setvar handlers (drivers/upshandler.h, §3.3). */
export const STAT_HANDLED = 0;
export const STAT_UNKNOWN = 1;
export const STAT_INVALID = 2;
export const STAT_FAILED = 3;

export interface StateServerHandlers {
  instcmd(cmd: string, param: string | undefined): Promise<number> | number;
  setvar(name: string, value: string): Promise<number> | number;
}

interface Client {
  socket: net.Socket;
  decoder: SockDecoder<ClientMessage>;
  broadcast: boolean;
  /** Set by LOGOUT: nothing after it is executed, even in the same read (§3.3). */
  loggedOut: boolean;
}

export class StateServer {
  private server: net.Server | undefined;
  private readonly clients = new Set<Client>();
  private refusedSinceLog = 0;

  constructor(
    readonly path: string,
    private readonly state: DriverState,
    private readonly handlers: StateServerHandlers,
    private readonly log: Logger,
  ) {
    state.setBroadcast((line) => this.broadcast(line));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Creates the socket: a stale socket is replaced; a symlink or any other file is refused. */
  async listen(): Promise<void> {
    if (Buffer.byteLength(this.path) > MAX_SOCKET_PATH) {
      throw new DriverError(`socket path too long for a Unix socket (max ${MAX_SOCKET_PATH} bytes): ${this.path}`, 'ERR_SOCKET_PATH');
    }
    removeStaleSocket(this.path);
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = MAX_SOCK_CLIENTS + 64; // the OS-level backstop; accept() enforces the real bound
    // NUT: umask 007 while binding, then chmod 0660 — upsd shares the group, others get nothing.
    // hardnut binds under umask 117, so the socket is 0660 from the start (no 0770 moment), and
    // makes no chmod by path afterwards: in the shared state directory another process could have
    // swapped a symlink in by then (issue 19).
    const oldMask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => { server.off('error', reject); resolve(); });
      });
    } finally {
      process.umask(oldMask);
    }
    this.log.debug(2, `dstate_init: sock ${this.path} open`);
    server.on('error', (err) => this.log.error(`driver socket ${this.path}: ${err.message}`));
    this.server = server;
  }

  /**
   * Gives the socket file group `gid` (NUT: -g / ups.conf group) by descriptor, never by path: the
   * state directory is nut's, and another nut process may have swapped a link or another file in
   * since the bind (issue 19) — root (-u root) would then chgrp whatever it points to. The name is
   * opened O_PATH|O_NOFOLLOW (a link is opened as itself, not followed), checked to be a socket of
   * ours with one link, and changed through that descriptor (fchownat AT_EMPTY_PATH). Residual: a
   * socket of the same owner renamed in between would get the group; nothing else can.
   */
  setGroup(gid: number): void {
    const fd = openSync(this.path, O_PATH | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      const euid = process.geteuid?.() ?? st.uid;
      if (!st.isSocket() || st.uid !== euid || st.nlink !== 1) {
        throw new UnsafePathError(this.path, `not the socket this driver bound (${st.isSymbolicLink() ? 'a symbolic link' : st.isSocket() ? `a socket of uid ${String(st.uid)} with ${String(st.nlink)} links` : 'not a socket'}); its group is left alone`);
      }
      fchownDescriptor(fd, -1, gid);
    } finally {
      closeSync(fd);
    }
  }

  /** Closes every client and removes the socket (SIGTERM path). */
  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }

  private accept(socket: net.Socket): void {
    if (this.clients.size >= MAX_SOCK_CLIENTS) {
      socket.destroy();
      if (this.refusedSinceLog++ === 0) this.log.warn(`driver socket: over ${MAX_SOCK_CLIENTS} clients, refusing new ones`);
      return;
    }
    if (this.refusedSinceLog > 1) this.log.warn(`driver socket: refused ${this.refusedSinceLog} connections while full`);
    this.refusedSinceLog = 0;
    const client: Client = { socket, decoder: new SockDecoder(parseClientMessage), broadcast: true, loggedOut: false };
    this.clients.add(client);
    this.log.debug(2, `sock_connect: new client (${String(this.clients.size)} connected)`);
    socket.on('data', (chunk: Buffer) => this.receive(client, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.clients.delete(client);
      this.log.debug(2, `sock_close: client gone (${String(this.clients.size)} connected)`);
    });
  }

  private receive(client: Client, chunk: Buffer): void {
    const result = client.decoder.push(chunk);
    for (const note of result.errors) this.log.notice(`Parse error on sock: ${note}`);
    for (const bad of result.malformed) this.log.notice(`${bad.reason} on driver socket`);
    for (const msg of result.messages) {
      if (client.socket.destroyed || client.loggedOut) return;
      try {
        this.handle(client, msg);
      } catch (err) {
        // one bad request must never take the driver down
        this.log.error(`driver socket: ${msg.type} failed: ${(err as Error).message}`);
      }
    }
    if (result.overflow) {
      this.log.notice('driver socket: client sent an over-long line; disconnected');
      client.socket.destroy();
    }
  }

  private send(client: Client, text: string): void {
    if (client.socket.destroyed) return;
    if (client.socket.writableLength > MAX_CLIENT_PENDING_BYTES) {
      this.log.notice('driver socket: client is not reading its replies; disconnected');
      client.socket.destroy();
      return;
    }
    client.socket.write(text);
  }

  private broadcast(line: string): void {
    this.log.debug(3, `send_to_all: ${line.trimEnd()}`); // what changed, as NUT shows it
    for (const c of this.clients) if (c.broadcast) this.send(c, line);
  }

  private handle(client: Client, msg: ClientMessage): void {
    switch (msg.type) {
      case 'DUMPALL':
        return this.send(client, dumpAll(this.state.tree, this.state.stale));
      case 'DUMPVALUE':
        return this.send(client, dumpValue(this.state.tree, msg.name, this.state.stale));
      case 'DUMPSTATUS':
        return this.send(client, dumpValue(this.state.tree, 'ups.status', this.state.stale));
      case 'PING':
        return this.send(client, encodeDriverMessage({ type: 'PONG' }));
      case 'GETPID':
        return this.send(client, encodeDriverMessage({ type: 'PID', pid: String(process.pid) }));
      case 'NOBROADCAST':
        client.broadcast = false;
        return;
      case 'BROADCAST':
        client.broadcast = msg.enable;
        return;
      case 'LOGOUT':
        this.send(client, encodeDriverMessage({ type: 'GOODBYE' }));
        client.loggedOut = true;
        client.broadcast = false;
        client.socket.end();
        return;
      case 'INSTCMD':
        this.log.debug(2, `instcmd: ${msg.cmd}${msg.param !== undefined ? ` [${msg.param}]` : ''}`);
        return this.track(client, msg.tracking, () => this.handlers.instcmd(msg.cmd, msg.param));
      case 'SET':
        this.log.debug(2, `setvar: ${msg.name}`);
        return this.track(client, msg.tracking, () => this.handlers.setvar(msg.name, msg.value));
    }
  }

  /** Runs a handler; with TRACKING, its result code goes back to the asking client only (§2.5). */
  private track(client: Client, id: string | undefined, run: () => Promise<number> | number): void {
    const reply = (status: number): void => {
      if (id !== undefined) this.send(client, encodeDriverMessage({ type: 'TRACKING', id, status }));
    };
    let result: Promise<number> | number;
    try {
      result = run();
    } catch (err) {
      this.log.error(`handler failed: ${(err as Error).message}`);
      return reply(STAT_FAILED);
    }
    if (typeof result === 'number') return reply(result);
    result.then(reply, (err: unknown) => {
      this.log.error(`handler failed: ${(err as Error).message}`);
      reply(STAT_FAILED);
    });
  }
}

/** A leftover socket from a previous run is removed; anything else at that path is refused. */
export function removeStaleSocket(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (st.isSymbolicLink()) throw new UnsafePathError(path, 'is a symbolic link; refusing to replace it with the driver socket');
  if (!st.isSocket()) throw new UnsafePathError(path, 'exists and is not a socket; refusing to replace it');
  unlinkSync(path);
}
