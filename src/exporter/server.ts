// The exporter's HTTP server on plain sockets: node:http's parser is lenient and its limits are
// not ours to name, so the head is parsed by src/protocol/http (sans-I/O, fuzzed) and this file
// only moves bytes. One request per connection (Connection: close). Read-only: GET and HEAD of a
// fixed set of routes built from memory; no file is ever served.
import net from 'node:net';
import tls from 'node:tls';
import type { BasicAuth } from './auth.js';
import { RequestParser, STATUS_TEXT, type HttpRequest } from '../protocol/http/request.js';
import { apiGet } from './api.js';
import { CONTENT_TYPE, renderMetrics } from './metrics.js';
import { APP_JS, renderFleet, renderPage, STYLE_CSS } from './page.js';
import type { Poller } from './poller.js';

/** The whole request head must arrive within this (slow loris: a byte now and then does not extend it). */
export const HEAD_TIMEOUT_MS = 10_000;
/** A response the client does not read within this is dropped. */
export const WRITE_TIMEOUT_MS = 30_000;
/** Connections served at once; more are closed at accept. */
export const MAX_CONNECTIONS = 64;

/** No framing, no sniffing, nothing remote: the page loads only what this server serves. */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cache-Control', 'no-store'],
];

/** What a client without valid credentials is told (RFC 7617). */
export const WWW_AUTHENTICATE = 'Basic realm="hardnut exporter", charset="UTF-8"';

interface Response { status: number; type: string; body: string; extra?: Array<[string, string]> }

function route(p: Poller, req: HttpRequest): Response {
  const html = 'text/html; charset=utf-8';
  switch (req.path) {
    case '/': return { status: 200, type: html, body: renderPage(p) };
    case '/fragment': return { status: 200, type: html, body: renderFleet(p) };
    case '/metrics': return { status: 200, type: CONTENT_TYPE, body: renderMetrics(p) };
    case '/static/app.js': return { status: 200, type: 'text/javascript; charset=utf-8', body: APP_JS };
    case '/static/style.css': return { status: 200, type: 'text/css; charset=utf-8', body: STYLE_CSS };
    default: break;
  }
  if (req.path.startsWith('/api/v1/')) {
    const r = apiGet(p, req.path);
    return { status: r.status, type: 'application/json', body: `${JSON.stringify(r.body)}\n` };
  }
  return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found\n' };
}

function head(r: Response, length: number): string {
  const lines = [`HTTP/1.1 ${String(r.status)} ${STATUS_TEXT[r.status] ?? ''}`, `Content-Type: ${r.type}`, `Content-Length: ${String(length)}`, 'Connection: close'];
  for (const [k, v] of SECURITY_HEADERS) lines.push(`${k}: ${v}`);
  for (const [k, v] of r.extra ?? []) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface Served { close(): Promise<void>; address(): net.AddressInfo }

export interface ServeOptions {
  /** HTTPS with this certificate and key (PEM, read before the drop). */
  tls?: { cert: Buffer; key: Buffer };
  /** Basic auth on every route. */
  auth?: BasicAuth;
}

/** Binds and listens (as root, before the drop); serves once `poller` is set. */
export async function listen(host: string, port: number, getPoller: () => Poller | undefined, onError: (m: string) => void, opts: ServeOptions = {}): Promise<Served> {
  const handler = (sock: net.Socket): void => serve(sock, getPoller, onError, opts.auth);
  const server = opts.tls
    // the handshake counts against the same budget as the head: a silent TLS client is a slow loris too
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: HEAD_TIMEOUT_MS, allowHalfOpen: false }, handler)
    : net.createServer({ allowHalfOpen: false }, handler);
  // failed handshakes (plain HTTP on the TLS port, scanners) are the client's problem, not a log line each
  if (opts.tls) server.on('tlsClientError', (_e, sock) => { sock.destroy(); });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', (e) => onError(`listener ${host}:${String(port)}: ${e.message}`));
  return {
    address: () => server.address() as net.AddressInfo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function serve(sock: net.Socket, getPoller: () => Poller | undefined, onError: (m: string) => void, auth: BasicAuth | undefined): void {
  const parser = new RequestParser();
  const deadline = setTimeout(() => respond({ status: 408, type: 'text/plain; charset=utf-8', body: 'request timeout\n' }, false), HEAD_TIMEOUT_MS);
  let answered = false;
  sock.on('error', () => sock.destroy());
  function respond(r: Response, withBody: boolean): void {
    if (answered) return;
    answered = true;
    clearTimeout(deadline);
    sock.removeAllListeners('data');
    const body = Buffer.from(r.body, 'utf8');
    sock.setTimeout(WRITE_TIMEOUT_MS, () => sock.destroy());
    sock.end(withBody ? Buffer.concat([Buffer.from(head(r, body.length), 'latin1'), body]) : Buffer.from(head(r, body.length), 'latin1'));
  }
  sock.on('data', (chunk: Buffer) => {
    const o = parser.feed(chunk);
    if (!o) return;
    if (o.kind === 'error') {
      const extra: Array<[string, string]> = o.status === 405 ? [['Allow', 'GET, HEAD']] : [];
      respond({ status: o.status, type: 'text/plain; charset=utf-8', body: `${o.reason}\n`, extra }, true);
      return;
    }
    // parsed: nothing more is read from this connection, whatever the check takes
    sock.removeAllListeners('data');
    if (!auth) { answer(o); return; }
    // before anything else, the status page included; the field itself is never logged
    auth.check(o.headers.get('authorization')).then((verdict) => {
      if (verdict === 'ok') answer(o);
      else if (verdict === 'denied') respond({ status: 401, type: 'text/plain; charset=utf-8', body: 'authentication required\n', extra: [['WWW-Authenticate', WWW_AUTHENTICATE]] }, o.method === 'GET');
      else respond({ status: 429, type: 'text/plain; charset=utf-8', body: 'too many password checks, retry\n', extra: [['Retry-After', '1']] }, o.method === 'GET');
    }, (e: unknown) => {
      onError(`password check: ${(e as Error).message}`);
      respond({ status: 500, type: 'text/plain; charset=utf-8', body: 'internal error\n' }, o.method === 'GET');
    });
  });
  function answer(o: HttpRequest): void {
    const p = getPoller();
    if (!p) { respond({ status: 503, type: 'text/plain; charset=utf-8', body: 'starting\n' }, o.method === 'GET'); return; }
    let r: Response;
    try { r = route(p, o); } catch (e) {
      onError(`${o.path}: ${(e as Error).message}`);
      r = { status: 500, type: 'text/plain; charset=utf-8', body: 'internal error\n' };
    }
    respond(r, o.method === 'GET');
  }
  sock.on('end', () => { if (!answered) { const o = parser.end(); if (o.kind === 'error') respond({ status: o.status, type: 'text/plain; charset=utf-8', body: `${o.reason}\n` }, true); } });
  sock.on('close', () => clearTimeout(deadline));
}
