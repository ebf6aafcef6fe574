// HTTP/1.x request-head parser for the exporter (sans-I/O: bytes in, one outcome out). The
// exporter is read-only and serves one request per connection, so the parser only has to
// recognise a GET or HEAD head and refuse everything else with the right status. It is strict
// on purpose (RFC 9112): CRLF line ends only, no obs-fold, token header names, no body, origin-form
// targets from a small charset; anything else is an error outcome, never a guess.

/** Request line (method, target, version) at most: a longer one is 414. */
export const MAX_REQUEST_LINE_BYTES = 2048;
/** The whole head, request line and headers with their CRLFs and the final CRLF: beyond it, 431. */
export const MAX_HEAD_BYTES = 8192;
/** Header fields at most: beyond it, 431. */
export const MAX_HEADER_FIELDS = 64;

export type Method = 'GET' | 'HEAD';

export interface HttpRequest {
  kind: 'request';
  method: Method;
  /** The target as sent: path and query. */
  target: string;
  path: string;
  /** Query parameters (the last one of a name wins); names and values are not percent-decoded. */
  query: ReadonlyMap<string, string>;
  version: '1.0' | '1.1';
  /** Field names in lower case; repeated fields joined with ", " (RFC 9110 §5.3). */
  headers: ReadonlyMap<string, string>;
}

export type ErrorStatus = 400 | 405 | 414 | 431 | 501 | 505;

export interface HttpRequestError {
  kind: 'error';
  status: ErrorStatus;
  reason: string;
}

export type ParseOutcome = HttpRequest | HttpRequestError;

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, space and tab (no obs-text: nothing here needs bytes ≥ 0x80). */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
/** Origin-form path: unreserved characters, '/', and percent escapes; no '..' segment. */
const PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
/** Methods a server may know (RFC 9110 §9); others are 501. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

const err = (status: ErrorStatus, reason: string): HttpRequestError => ({ kind: 'error', status, reason });

/**
 * Feed bytes as they arrive; `feed` returns undefined until the head is complete or refused,
 * then the outcome (and the same outcome for any later call: one request per connection).
 */
export class RequestParser {
  private buf = '';
  /** Bytes of buf already judged: each byte is looked at once, in order, whatever the split. */
  private scanned = 0;
  /** Length of the request line once its CRLF was seen. */
  private lineEnd = -1;
  private outcome: ParseOutcome | undefined;

  get done(): boolean { return this.outcome !== undefined; }

  /**
   * Judges each new byte in order, so the first problem by position decides the outcome: the
   * same outcome however the bytes were split across reads (the fuzz target checks this).
   */
  feed(chunk: Uint8Array): ParseOutcome | undefined {
    if (this.outcome) return this.outcome;
    // latin1: one char per byte, so indexes below are byte offsets
    this.buf += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const s = this.buf;
    for (let i = this.scanned; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x0d) {
        // its meaning depends on the next byte: judge it when that byte is here
        if (i + 1 === s.length) { this.scanned = i; return undefined; }
        if (s.charCodeAt(i + 1) !== 0x0a) return this.finish(err(400, 'bare CR'));
      } else if (c === 0x0a) {
        if (s.charCodeAt(i - 1) !== 0x0d) return this.finish(err(400, 'bare LF'));
        if (this.lineEnd < 0) this.lineEnd = i - 1;
        if (i >= 3 && s.charCodeAt(i - 2) === 0x0a && s.charCodeAt(i - 3) === 0x0d) {
          if (i + 1 > MAX_HEAD_BYTES) return this.finish(err(431, 'request head too large'));
          return this.finish(parseHead(s.slice(0, i - 3)));
        }
      } else if (c > 0x7e || (c < 0x20 && c !== 0x09)) {
        return this.finish(err(400, 'invalid byte in head'));
      } else if (this.lineEnd < 0 && i + 1 > MAX_REQUEST_LINE_BYTES) {
        return this.finish(err(414, 'request line too long'));
      }
      if (i + 1 > MAX_HEAD_BYTES) return this.finish(err(431, 'request head too large'));
    }
    this.scanned = s.length;
    return undefined;
  }

  /** The peer closed before a whole head arrived. */
  end(): ParseOutcome {
    return this.outcome ?? this.finish(err(400, 'incomplete request'));
  }

  private finish(o: ParseOutcome): ParseOutcome {
    this.outcome = o;
    this.buf = '';
    return o;
  }
}

/** Parses a complete head (without its final CRLFCRLF). */
export function parseHead(head: string): ParseOutcome {
  const lines = head.split('\r\n');
  for (const l of lines) {
    if (l.includes('\n') || l.includes('\r')) return err(400, 'bare CR or LF');
  }
  const requestLine = lines[0] ?? '';
  if (requestLine.length > MAX_REQUEST_LINE_BYTES) return err(414, 'request line too long');
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return err(400, 'malformed request line');
  const [method, target, proto] = parts as [string, string, string];
  if (!TCHAR.test(method)) return err(400, 'malformed method');
  const vm = /^HTTP\/(\d)\.(\d)$/.exec(proto);
  if (!vm) return err(400, 'malformed version');
  if (vm[1] !== '1') return err(505, 'HTTP version not supported');
  const version = vm[2] === '0' ? '1.0' : '1.1';
  if (method !== 'GET' && method !== 'HEAD') {
    return KNOWN_METHODS.has(method) ? err(405, 'only GET and HEAD') : err(501, 'unknown method');
  }
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  if (!PATH.test(path) || !QUERY.test(rawQuery)) return err(400, 'malformed target');
  if (path.split('/').some((seg) => seg === '..' || seg === '.' || /%2e/i.test(seg) || /%2f/i.test(seg))) return err(400, 'dot segment in target');

  const fields = lines.slice(1);
  if (fields.length > MAX_HEADER_FIELDS) return err(431, 'too many header fields');
  const headers = new Map<string, string>();
  let lengths = 0;
  for (const f of fields) {
    const colon = f.indexOf(':');
    if (colon <= 0) return err(400, f.startsWith(' ') || f.startsWith('\t') ? 'obsolete line folding' : 'malformed header field');
    const name = f.slice(0, colon);
    if (!TCHAR.test(name)) return err(400, 'malformed header name');
    const value = f.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return err(400, 'malformed header value');
    const key = name.toLowerCase();
    if (key === 'content-length') lengths++;
    const prev = headers.get(key);
    headers.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }
  if (headers.has('transfer-encoding')) return err(400, 'a GET or HEAD carries no body');
  const cl = headers.get('content-length');
  if (cl !== undefined && (lengths > 1 || cl !== '0')) return err(400, 'a GET or HEAD carries no body');
  if (version === '1.1') {
    const host = headers.get('host');
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1
    if (host === undefined || host.includes(',')) return err(400, 'Host header missing or repeated');
  }
  const query = new Map<string, string>();
  if (rawQuery !== '') {
    for (const pair of rawQuery.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      query.set(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
    }
  }
  return { kind: 'request', method, target, path, query, version, headers };
}

/** Reason phrases for the statuses the exporter sends. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 429: 'Too Many Requests', 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
  501: 'Not Implemented', 503: 'Service Unavailable', 505: 'HTTP Version Not Supported',
};
