// A scripted NUT server for client tests: a TCP (or Unix) listener that hands each request
// line to a handler, optionally upgrading to TLS on STARTTLS like upsd does (§2.3).
import net from 'node:net';
import tls from 'node:tls';

export interface FakeConn {
  write(text: string): void;
  destroy(): void;
  /** Lines received on this connection so far. */
  lines: string[];
}

export type Handler = (line: string, conn: FakeConn) => void;

export interface FakeUpsd {
  port: number;
  path?: string;
  /** Every line received, over all connections. */
  lines: string[];
  connections: number;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** Serve STARTTLS with this key and certificate. */
  tls?: { key: string; cert: string };
  port?: number;
  path?: string;
}

export async function startFakeUpsd(handler: Handler, opts: FakeOptions = {}): Promise<FakeUpsd> {
  const all: string[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((raw) => {
    state.connections++;
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    let sock: net.Socket = raw;
    let buf = '';
    const conn: FakeConn = {
      lines: [],
      write: (t) => { if (!sock.destroyed) sock.write(t); },
      destroy: () => sock.destroy(),
    };
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) break;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        all.push(line);
        conn.lines.push(line);
        if (line === 'STARTTLS' && opts.tls) {
          raw.write('OK STARTTLS\n');
          raw.off('data', onData);
          const secure = new tls.TLSSocket(raw, { isServer: true, key: opts.tls.key, cert: opts.tls.cert });
          secure.on('error', () => undefined);
          secure.on('data', onData);
          sock = secure;
          continue;
        }
        handler(line, conn);
      }
    };
    raw.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (opts.path !== undefined) server.listen(opts.path, resolve);
    else server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    lines: all,
    get connections() { return state.connections; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A handler answering a few commands like upsd with one UPS "ups1" whose variables are `vars`. */
export function simpleUpsd(vars: Record<string, string>): Handler {
  return (line, conn) => {
    const w = line.split(' ');
    if (w[0] === 'STARTTLS') { conn.write('ERR FEATURE-NOT-CONFIGURED\n'); return; }
    if (w[0] === 'GET' && w[1] === 'VAR') {
      const v = vars[w[3] ?? ''];
      conn.write(v === undefined ? 'ERR VAR-NOT-SUPPORTED\n' : `VAR ${w[2]} ${w[3]} "${v}"\n`);
      return;
    }
    if (w[0] === 'LOGOUT') { conn.write('OK Goodbye\n'); conn.destroy(); return; }
    conn.write('ERR UNKNOWN-COMMAND\n');
  };
}
