// The signed killpower flag (issue 15), sans-I/O: bytes in, a verdict out. upsmon's dispatcher
// writes it on /run when it decides a power-fail shutdown as primary; the late-shutdown hook cuts
// UPS power only for a flag that passes verifyFlag(). The file is text, one field a line:
//
//   upsmon-shutdown-file            NUT's POWERDOWNFLAG magic: NUT's `upsmon -K` and nutshutdown see it too
//   hardnut-killpower 1
//   boot <boot id>                  /proc/sys/kernel/random/boot_id when it was written
//   time <unix seconds>
//   ups <name>                      one line per UPS to kill (ups.conf section names), 1..MAX_FLAG_UPS
//   sig <128 hex>                   ed25519 over every byte before `sig `
//
// An empty file is the armed, unset flag (the dispatcher creates it while root and fills it
// later through the descriptor it kept: kill_power.ts). Anything else is refused with the reason.
import type Nacl from 'tweetnacl';
import { createRequire } from 'node:module';
import { HardnutError, type ErrorCode } from '../core/errors.js';
import { UPS_NAME_PATTERN } from '../core/config/ups-conf.js';

/** NUT's POWERDOWNFLAG content (upsmon.c SDMAGIC): the first line. */
export const FLAG_MAGIC = 'upsmon-shutdown-file';
export const FLAG_HEADER = 'hardnut-killpower 1';
/** Larger than any real flag (16 names of 64 characters and the fixed lines fit in 1.5 KiB). */
export const MAX_FLAG_BYTES = 2048;
/** UPSes one flag may name: more than any host has on its serial and USB ports. */
export const MAX_FLAG_UPS = 16;
/** Longest UPS name in a flag (the frame limit of the framed pipe). */
export const MAX_FLAG_UPS_NAME = 64;
export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
/** A flag may claim a time this much before the boot (btime moves with clock steps) and still count. */
export const BOOT_TIME_SLACK_S = 120;
/** The kernel's boot id: a random UUID, lower-case. */
const BOOT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME_PATTERN = /^(0|[1-9][0-9]{0,11})$/;
const HEX_SIG_PATTERN = /^[0-9a-f]{128}$/;

// tweetnacl by require on first use (see shutdown-intent.ts: its start-up require('crypto')
// breaks when bundled as ESM).
let naclLib: typeof Nacl | undefined;
function nacl(): typeof Nacl {
  naclLib ??= createRequire(import.meta.url)('tweetnacl') as typeof Nacl;
  return naclLib;
}

export type FlagRefusal = Extract<ErrorCode, `ERR_KILLPOWER_${string}`>;

export class KillpowerError extends HardnutError {
  constructor(code: FlagRefusal, message: string) {
    super(code, message);
  }
}

export interface FlagFields {
  bootId: string;
  /** Unix seconds. */
  time: number;
  ups: readonly string[];
}

export interface DecodedFlag extends FlagFields {
  /** The bytes the signature covers. */
  signed: Uint8Array;
  signature: Uint8Array;
}

/** Why a name cannot be in a flag, or undefined. */
export function flagUpsNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_FLAG_UPS_NAME) return `a UPS name is 1 to ${MAX_FLAG_UPS_NAME} characters`;
  if (!UPS_NAME_PATTERN.test(name)) return `UPS name '${name}' is not a ups.conf section name`;
  return undefined;
}

function checkFields(f: FlagFields): void {
  if (!BOOT_ID_PATTERN.test(f.bootId)) throw new KillpowerError('ERR_KILLPOWER_FORMAT', 'the boot id is not a lower-case UUID');
  if (!Number.isSafeInteger(f.time) || f.time < 0 || !TIME_PATTERN.test(String(f.time))) throw new KillpowerError('ERR_KILLPOWER_FORMAT', `bad time ${String(f.time)}`);
  if (f.ups.length === 0 || f.ups.length > MAX_FLAG_UPS) throw new KillpowerError('ERR_KILLPOWER_FORMAT', `a flag names 1 to ${MAX_FLAG_UPS} UPSes, not ${f.ups.length}`);
  const seen = new Set<string>();
  for (const u of f.ups) {
    const p = flagUpsNameProblem(u);
    if (p !== undefined) throw new KillpowerError('ERR_KILLPOWER_FORMAT', p);
    if (seen.has(u)) throw new KillpowerError('ERR_KILLPOWER_FORMAT', `UPS ${u} named twice`);
    seen.add(u);
  }
}

function signedText(f: FlagFields): string {
  return `${FLAG_MAGIC}\n${FLAG_HEADER}\nboot ${f.bootId}\ntime ${String(f.time)}\n${f.ups.map((u) => `ups ${u}\n`).join('')}`;
}

/** The flag's bytes, signed with the 64-byte ed25519 secret key. */
export function encodeFlag(f: FlagFields, secretKey: Uint8Array): Uint8Array {
  checkFields(f);
  if (secretKey.length !== SECRET_KEY_BYTES) throw new KillpowerError('ERR_KILLPOWER_KEY', `a secret key is ${SECRET_KEY_BYTES} bytes`);
  const body = Buffer.from(signedText(f), 'latin1');
  const sig = nacl().sign.detached(body, secretKey);
  const out = Buffer.concat([body, Buffer.from(`sig ${Buffer.from(sig).toString('hex')}\n`, 'latin1')]);
  if (out.length > MAX_FLAG_BYTES) throw new KillpowerError('ERR_KILLPOWER_FORMAT', `the flag would be ${out.length} bytes (at most ${MAX_FLAG_BYTES})`);
  return out;
}

/** Parses the fixed layout exactly: any other byte anywhere is a refusal. Does not check the signature. */
export function decodeFlag(bytes: Uint8Array): DecodedFlag {
  const bad = (why: string): never => { throw new KillpowerError('ERR_KILLPOWER_FORMAT', why); };
  if (bytes.length > MAX_FLAG_BYTES) bad(`larger than ${MAX_FLAG_BYTES} bytes`);
  for (const b of bytes) if (b !== 0x0a && (b < 0x20 || b > 0x7e)) bad('a byte outside printable ASCII');
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.endsWith('\n')) bad('the last line is not ended');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== FLAG_MAGIC) bad('no upsmon magic on the first line');
  if (lines[1] !== FLAG_HEADER) bad(`the second line is not '${FLAG_HEADER}' (unsigned NUT flag, or another version)`);
  const field = (i: number, key: string): string => {
    const l = lines[i];
    if (l === undefined || !l.startsWith(`${key} `)) return bad(`line ${i + 1} is not '${key} …'`);
    return l.slice(key.length + 1);
  };
  const bootId = field(2, 'boot');
  const timeText = field(3, 'time');
  if (!TIME_PATTERN.test(timeText)) bad('bad time');
  const ups: string[] = [];
  let i = 4;
  while (i < lines.length - 1) {
    if (ups.length >= MAX_FLAG_UPS) bad(`more than ${MAX_FLAG_UPS} UPSes`);
    ups.push(field(i, 'ups'));
    i++;
  }
  const sigHex = field(lines.length - 1, 'sig');
  if (!HEX_SIG_PATTERN.test(sigHex)) bad('the signature is not 128 lower-case hex digits');
  const fields: FlagFields = { bootId, time: Number(timeText), ups };
  checkFields(fields);
  const sigAt = text.lastIndexOf('\nsig ') + 1;
  return { ...fields, signed: bytes.subarray(0, sigAt), signature: Uint8Array.from(Buffer.from(sigHex, 'hex')) };
}

export interface VerifyContext {
  publicKey: Uint8Array;
  /** This boot's id. */
  bootId: string;
  /** When this boot started, unix seconds (/proc/stat btime). */
  bootTime: number;
  /** The UPS names the late snapshot holds. */
  known: ReadonlySet<string>;
}

export type FlagVerdict =
  | { ok: true; flag: DecodedFlag }
  | { ok: false; code: 'absent' | FlagRefusal; reason: string };

/** The whole decision: absent, malformed, forged, another boot, too old, unknown UPS — or act. */
export function verifyFlag(bytes: Uint8Array, ctx: VerifyContext): FlagVerdict {
  if (bytes.length === 0) return { ok: false, code: 'absent', reason: 'the flag is armed but not set' };
  let flag: DecodedFlag;
  try { flag = decodeFlag(bytes); } catch (err) {
    if (err instanceof KillpowerError) return { ok: false, code: err.code as FlagRefusal, reason: err.message };
    throw err;
  }
  if (ctx.publicKey.length !== PUBLIC_KEY_BYTES) return { ok: false, code: 'ERR_KILLPOWER_KEY', reason: `the verify key is not ${PUBLIC_KEY_BYTES} bytes` };
  if (!nacl().sign.detached.verify(flag.signed, flag.signature, ctx.publicKey)) {
    return { ok: false, code: 'ERR_KILLPOWER_SIGNATURE', reason: 'the signature does not verify with the snapshot\'s key (forged or from another key)' };
  }
  if (flag.bootId !== ctx.bootId) return { ok: false, code: 'ERR_KILLPOWER_BOOT', reason: `written in boot ${flag.bootId}, this is boot ${ctx.bootId}` };
  if (flag.time < ctx.bootTime - BOOT_TIME_SLACK_S) return { ok: false, code: 'ERR_KILLPOWER_BOOT', reason: `written at ${flag.time}, before this boot (${ctx.bootTime})` };
  const unknown = flag.ups.filter((u) => !ctx.known.has(u));
  if (unknown.length > 0) return { ok: false, code: 'ERR_KILLPOWER_UPS', reason: `UPS ${unknown.join(', ')} not in the late-shutdown snapshot` };
  return { ok: true, flag };
}

/** The 32-byte public half of a 64-byte secret key (tweetnacl/libsodium layout). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new KillpowerError('ERR_KILLPOWER_KEY', `a secret key is ${SECRET_KEY_BYTES} bytes`);
  return nacl().sign.keyPair.fromSecretKey(secretKey).publicKey;
}

export function generateFlagKey(): Uint8Array {
  return nacl().sign.keyPair().secretKey;
}
