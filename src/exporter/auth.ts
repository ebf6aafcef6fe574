// HTTP basic auth for the exporter: users from exporter.conf's HTTPUSER lines, each with an
// scrypt hash of the password (never the password itself). A hash is made with
// `hardnut exporter -P` (password on stdin). Format, one token:
//   scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>
// Checking costs one scrypt (tens of ms, by design). Prometheus sends the same header every
// scrape, so a header that passed is remembered (as its SHA-256) and the next scrape costs a
// hash lookup; failed checks are capped per second so guessing cannot eat the exporter's CPU.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { parseBasicAuth } from '../protocol/http/basic.js';

/** Cost of new hashes: N = 2^15, r = 8, p = 1 (32 MiB, about 50 ms on one core). */
export const NEW_HASH = { logN: 15, r: 8, p: 1 } as const;
/** Hashes outside these bounds are refused at load: a config must not be able to hang the daemon. */
export const MIN_LOG_N = 10;
export const MAX_LOG_N = 20;
export const MAX_R = 16;
export const MAX_P = 4;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Headers that passed, remembered at most: one per scraper is plenty. */
export const MAX_REMEMBERED = 32;
/** scrypt runs at most this many times per second for headers not remembered; beyond, 429. */
export const MAX_CHECKS_PER_SECOND = 8;

export interface PasswordHash { logN: number; r: number; p: number; salt: Buffer; key: Buffer }

const HASH_RE = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d)\$([A-Za-z0-9+/]{22}(?:==)?)\$([A-Za-z0-9+/]{43}=)$/;

/** Parses a stored hash; a message says why not. */
export function parseHash(text: string): PasswordHash | string {
  const m = HASH_RE.exec(text);
  if (!m) return 'not an scrypt hash made by `hardnut exporter -P`';
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (logN < MIN_LOG_N || logN > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) {
    return `scrypt cost out of bounds (log2 N ${String(MIN_LOG_N)}-${String(MAX_LOG_N)}, r 1-${String(MAX_R)}, p 1-${String(MAX_P)})`;
  }
  return { logN, r, p, salt: Buffer.from(m[4] as string, 'base64'), key: Buffer.from(m[5] as string, 'base64') };
}

function costOf(h: Pick<PasswordHash, 'logN' | 'r' | 'p'>): ScryptOptions {
  const N = 2 ** h.logN;
  return { N, r: h.r, p: h.p, maxmem: 256 * N * h.r + (1 << 20) };
}

/** In libuv's thread pool: a check never stalls the event loop (polls, other scrapes). */
function deriveAsync(password: string, h: Pick<PasswordHash, 'logN' | 'r' | 'p' | 'salt'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), h.salt, KEY_BYTES, costOf(h), (e, key) => { if (e) reject(e); else resolve(key); });
  });
}

export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const key = scryptSync(password.normalize('NFC'), salt, KEY_BYTES, costOf(NEW_HASH));
  return `scrypt$${String(NEW_HASH.logN)}$${String(NEW_HASH.r)}$${String(NEW_HASH.p)}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export type AuthResult = 'ok' | 'denied' | 'busy';

export class BasicAuth {
  private readonly remembered = new Map<string, true>();
  private windowStart = 0;
  private checks = 0;
  /** A hash to check unknown users against, so a wrong user name costs what a wrong password does. */
  private readonly decoy: PasswordHash;

  constructor(private readonly users: ReadonlyMap<string, PasswordHash>, private readonly now: () => number = Date.now) {
    const first = users.values().next().value;
    this.decoy = first !== undefined ? { ...first, salt: randomBytes(SALT_BYTES) } : { ...NEW_HASH, salt: randomBytes(SALT_BYTES), key: randomBytes(KEY_BYTES) };
  }

  /** Judges one Authorization field value (undefined: the request had none). */
  async check(field: string | undefined): Promise<AuthResult> {
    const cred = parseBasicAuth(field);
    if (!cred || field === undefined) return 'denied';
    const digest = createHash('sha256').update(field).digest('base64');
    if (this.remembered.has(digest)) return 'ok';
    const t = this.now();
    if (t - this.windowStart >= 1000) { this.windowStart = t; this.checks = 0; }
    if (++this.checks > MAX_CHECKS_PER_SECOND) return 'busy';
    const h = this.users.get(cred.user);
    const key = await deriveAsync(cred.password, h ?? this.decoy);
    // constant time over the key; the decoy's key never matches (random salt, another key)
    const match = timingSafeEqual(key, (h ?? this.decoy).key) && h !== undefined;
    if (!match) return 'denied';
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(digest, true);
    return 'ok';
  }
}
