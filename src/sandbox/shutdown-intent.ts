// The dispatcher's half of the shutdown handshake (DESIGN.md; helpers/README.md, "The intent"):
// upsmon's dispatcher loads an ed25519 secret key while it is still root, drops root, and at
// SHUTDOWN signs a one-line intent that it pipes to the setuid helper helpers/upsshutdown, which
// verifies it with libsodium against the public key in its root-owned config. A process in the
// shutdown group without the key (a compromised dispatcher child, a stray user) cannot shut the
// host down; a captured intent cannot be replayed (nonce) or kept for later (±60 s window).
import type Nacl from 'tweetnacl';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HardnutError, UnsafePathError } from '../core/errors.js';

// tweetnacl is loaded with require, on first use, not with `import`: bundled into hardnut's ESM
// executable, its start-up code runs `require('crypto')` through esbuild's ESM shim, which throws
// "Dynamic require of crypto is not supported" and would take every hardnut tool down at start.
// (test/sandbox/shutdown-intent.test.ts bundles this file the way scripts/build.mjs does.)
let naclLib: typeof Nacl | undefined;
function nacl(): typeof Nacl {
  naclLib ??= createRequire(import.meta.url)('tweetnacl') as typeof Nacl;
  return naclLib;
}

/** The helper's fixed verb set: `check` verifies everything and acts not (a self-test). */
export const INTENT_VERBS = ['poweroff', 'check'] as const;
export type IntentVerb = (typeof INTENT_VERBS)[number];

export const INTENT_PREFIX = 'hardnut-intent 1';
export const SECRET_KEY_BYTES = 64; // tweetnacl and libsodium layout: seed (32) || public key (32)
export const PUBLIC_KEY_BYTES = 32;
export const NONCE_BYTES = 16;
/** The helper refuses a timestamp further than this from its clock (helpers/intent.h). */
export const INTENT_WINDOW_S = 60;
/** The helper refuses longer lines (helpers/intent.h INTENT_MAX_LEN). */
export const INTENT_MAX_LEN = 256;

export class IntentKeyError extends HardnutError {
  constructor(path: string, message: string) {
    super('ERR_INTENT_KEY', `${path}: ${message}`);
  }
}

export interface IntentKeyPair { publicKey: Uint8Array; secretKey: Uint8Array }

export function generateKeyPair(): IntentKeyPair {
  const { publicKey, secretKey } = nacl().sign.keyPair();
  return { publicKey, secretKey };
}

/** The `pubkey <hex>` value of upsshutdown.conf for a secret key. */
export function publicKeyHex(secretKey: Uint8Array): string {
  return Buffer.from(nacl().sign.keyPair.fromSecretKey(checkSecretKey(secretKey)).publicKey).toString('hex');
}

/**
 * Reads the 64-byte secret key file (call it while root, before the privilege drop). Refuses a
 * symlink, a non-regular file, a file readable or writable by group or others, one owned by
 * anyone but root or us, and one whose second half is not the public key of its first.
 */
export function loadIntentKey(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ELOOP' ? new UnsafePathError(path, 'is a symlink') : new IntentKeyError(path, `cannot open (${code ?? String(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafePathError(path, 'not a regular file');
    if ((st.mode & 0o077) !== 0) {
      throw new UnsafePathError(path, `mode ${(st.mode & 0o777).toString(8)}: a secret key must not be accessible to group or others (chmod 600)`);
    }
    const euid = process.geteuid?.() ?? 0;
    if (st.uid !== 0 && st.uid !== euid) throw new UnsafePathError(path, `owned by uid ${st.uid}, not root`);
    if (st.size !== SECRET_KEY_BYTES) throw new IntentKeyError(path, `must be exactly ${SECRET_KEY_BYTES} bytes, is ${st.size}`);
    const key = new Uint8Array(SECRET_KEY_BYTES);
    if (readSync(fd, key, 0, SECRET_KEY_BYTES, 0) !== SECRET_KEY_BYTES) throw new IntentKeyError(path, 'short read');
    const derived = nacl().sign.keyPair.fromSeed(key.subarray(0, 32)).publicKey;
    if (!Buffer.from(derived).equals(key.subarray(32))) throw new IntentKeyError(path, 'not an ed25519 secret key (seed and public half disagree)');
    return key;
  } finally {
    closeSync(fd);
  }
}

function checkSecretKey(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new HardnutError('ERR_INTENT_KEY', `secret key must be ${SECRET_KEY_BYTES} bytes`);
  return secretKey;
}

/**
 * The line to write to upsshutdown's stdin (newline included):
 * `hardnut-intent 1 <verb> <unix-seconds> <nonce 32 hex> <signature 128 hex>\n`, the detached
 * ed25519 signature covering every byte before ` <signature>`.
 */
export function makeIntent(verb: IntentVerb, secretKey: Uint8Array, now: number = Date.now()): string {
  if (!(INTENT_VERBS as readonly string[]).includes(verb)) throw new HardnutError('ERR_INTENT_VERB', `unknown intent verb '${verb}'`);
  const seconds = Math.floor(now / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new HardnutError('ERR_INTENT_TIME', `bad intent time ${now}`);
  const nonce = Buffer.from(nacl().randomBytes(NONCE_BYTES)).toString('hex');
  const signed = `${INTENT_PREFIX} ${verb} ${seconds} ${nonce}`;
  const sig = nacl().sign.detached(Buffer.from(signed, 'latin1'), checkSecretKey(secretKey));
  return `${signed} ${Buffer.from(sig).toString('hex')}\n`;
}
