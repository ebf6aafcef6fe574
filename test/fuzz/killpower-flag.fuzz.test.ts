// Fuzz target: the killpower flag codec (src/killpower/flag.ts), what the late-shutdown hook reads
// as root from /run before it cuts UPS power. Judged by the rules, spelt out here: only a
// flag signed by the snapshot's key, from this boot, not older than it, naming only UPSes the
// snapshot holds, is acted on; at most 2048 bytes, 16 UPSes, 64-character names; a refusal is a
// verdict, never an exception. ed25519 is deterministic, so any input that verifies must be,
// byte for byte, the flag that was signed.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { fuzz as fuzzTarget } from './harness.js';
import { mutated } from './mutate.js';
import type { Seed } from './corpus.js';
import { decodeFlag, encodeFlag, KillpowerError, publicKeyOf, verifyFlag, type FlagFields } from '../../src/killpower/flag.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('killpower-flag', name, arb, predicate);

const SPEC_MAX_BYTES = 2048;
const SPEC_MAX_UPS = 16;
const SPEC_MAX_NAME = 64;
/** Unix seconds of at most 12 digits (year 33658). */
const SPEC_MAX_TIME = 999_999_999_999;
const BOOT = '8c1f6a34-2b0e-4c55-9f3e-0d1a2b3c4d5e';
const OTHER_BOOT = '00000000-0000-4000-8000-000000000000';
const BOOT_TIME = 1_700_000_000;
const SEED32 = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
// a fixed key pair (seed || public), so runs replay
const KEY = nacl.sign.keyPair.fromSeed(SEED32).secretKey;
const OTHER_KEY = nacl.sign.keyPair.fromSeed(SEED32.map((b) => b ^ 0xff)).secretKey;
const PUB = publicKeyOf(KEY);
const KNOWN = new Set(['ups1', 'ups2', 'rack-a.left', 'x']);

const fieldsOf = (ups: string[], bootId = BOOT, time = BOOT_TIME + 60): FlagFields => ({ bootId, time, ups });
const SEED_FIELDS: FlagFields[] = [fieldsOf(['ups1']), fieldsOf(['ups1', 'ups2', 'rack-a.left']), fieldsOf(['x'], BOOT, BOOT_TIME)];
const SEEDS: Seed[] = [
  ...SEED_FIELDS.map((f, i) => ({ name: `good-${i}`, data: encodeFlag(f, KEY) })),
  { name: 'other-key', data: encodeFlag(fieldsOf(['ups1']), OTHER_KEY) },
  { name: 'other-boot', data: encodeFlag(fieldsOf(['ups1'], OTHER_BOOT), KEY) },
  { name: 'nut', data: Buffer.from('upsmon-shutdown-file\n') },
];
const GOOD = SEEDS.slice(0, SEED_FIELDS.length).map((s) => Buffer.from(s.data).toString('latin1'));

const ctx = { publicKey: PUB, bootId: BOOT, bootTime: BOOT_TIME, known: KNOWN };

const upsName = fc.oneof(fc.constantFrom(...KNOWN), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,70}$/), fc.string({ maxLength: 80 }));

describe('killpower flag codec against the issue\'s rules', () => {
  fuzz('a mutated flag is refused with a reason, or is exactly a flag that was signed for this boot', mutated(SEEDS), (bytes) => {
    const v = verifyFlag(bytes, ctx);
    if (!v.ok) {
      expect(v.reason.length).toBeGreaterThan(0);
      return;
    }
    expect(GOOD).toContain(Buffer.from(bytes).toString('latin1'));
    expect(v.flag.bootId).toBe(BOOT);
    expect(v.flag.ups.every((u) => KNOWN.has(u))).toBe(true);
  });

  fuzz('decode throws only KillpowerError; more than 2048 bytes never decodes', mutated(SEEDS, 12), (bytes) => {
    try { decodeFlag(bytes); } catch (err) {
      expect(err).toBeInstanceOf(KillpowerError);
      return;
    }
    expect(bytes.length).toBeLessThanOrEqual(SPEC_MAX_BYTES);
  });

  fuzz('any fields: encoded only within the limits, and then verified by this key, this boot only', fc.record({
    // half the time a list of known UPSes, so that a flag right in every field but one (another
    // boot, another key, too old) is common: the CI selftest's planted "boot id not compared" was
    // once missed in 2 s under load when only about 1 run in 250 was such a flag
    ups: fc.oneof(fc.uniqueArray(fc.constantFrom(...KNOWN), { minLength: 1, maxLength: KNOWN.size }), fc.array(upsName, { minLength: 0, maxLength: SPEC_MAX_UPS + 2 })),
    boot: fc.constantFrom(BOOT, OTHER_BOOT),
    time: fc.oneof(fc.constantFrom(0, BOOT_TIME - 121, BOOT_TIME - 120, BOOT_TIME, BOOT_TIME + 1, BOOT_TIME + 60), fc.integer({ min: 0, max: 2 ** 40 })),
    key: fc.constantFrom(KEY, OTHER_KEY),
  }), ({ ups, boot, time, key }) => {
    const withinLimits = time <= SPEC_MAX_TIME && ups.length >= 1 && ups.length <= SPEC_MAX_UPS && new Set(ups).size === ups.length
      && ups.every((u) => u.length >= 1 && u.length <= SPEC_MAX_NAME && /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(u));
    let bytes: Uint8Array | undefined;
    try { bytes = encodeFlag({ bootId: boot, time, ups }, key); } catch (err) {
      expect(err).toBeInstanceOf(KillpowerError);
    }
    expect(bytes !== undefined, JSON.stringify(ups)).toBe(withinLimits);
    if (bytes === undefined) return;
    const v = verifyFlag(bytes, ctx);
    const shouldAct = key === KEY && boot === BOOT && time >= BOOT_TIME - 120 && ups.every((u) => KNOWN.has(u));
    expect(v.ok, v.ok ? '' : v.reason).toBe(shouldAct);
    if (v.ok) expect(v.flag.ups).toEqual(ups);
  });
});
