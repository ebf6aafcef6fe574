// The dispatcher's signed shutdown intent (the C helper's side is test/helpers/upsshutdown.test.ts).
import nacl from 'tweetnacl';
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  INTENT_MAX_LEN, IntentKeyError, generateKeyPair, loadIntentKey, makeIntent, publicKeyHex,
} from '../../src/sandbox/shutdown-intent.js';
import { UnsafePathError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hn-intent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LINE = /^hardnut-intent 1 (poweroff|check) (\d+) ([0-9a-f]{32}) ([0-9a-f]{128})\n$/;

describe('makeIntent', () => {
  it('makes one line whose ed25519 signature covers every byte before the signature', () => {
    const { publicKey, secretKey } = generateKeyPair();
    const line = makeIntent('poweroff', secretKey, 1_700_000_000_999);
    const m = LINE.exec(line);
    expect(m?.[1]).toBe('poweroff');
    expect(m?.[2]).toBe('1700000000');
    expect(line.length).toBeLessThanOrEqual(INTENT_MAX_LEN);
    const signed = line.slice(0, line.lastIndexOf(' '));
    const sig = Buffer.from(m?.[4] ?? '', 'hex');
    expect(nacl.sign.detached.verify(Buffer.from(signed), sig, publicKey)).toBe(true);
    expect(nacl.sign.detached.verify(Buffer.from(signed.replace('poweroff', 'check')), sig, publicKey)).toBe(false);
    expect(nacl.sign.detached.verify(Buffer.from(signed), sig, generateKeyPair().publicKey)).toBe(false);
  });

  it('uses a fresh nonce every time and the current time by default', () => {
    const { secretKey } = generateKeyPair();
    const nonces = new Set(Array.from({ length: 50 }, () => LINE.exec(makeIntent('check', secretKey))?.[3]));
    expect(nonces.size).toBe(50);
    const ts = Number(LINE.exec(makeIntent('check', secretKey))?.[2]);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5);
  });

  it('refuses a verb outside the fixed set, a bad key and a bad time', () => {
    const { secretKey } = generateKeyPair();
    expect(() => makeIntent('reboot' as 'poweroff', secretKey)).toThrow(/unknown intent verb/);
    expect(() => makeIntent('poweroff', secretKey.subarray(0, 32))).toThrow(/64 bytes/);
    expect(() => makeIntent('poweroff', secretKey, -1000)).toThrow(/bad intent time/);
    expect(() => makeIntent('poweroff', secretKey, Number.NaN)).toThrow(/bad intent time/);
  });
});

describe('loadIntentKey', () => {
  const write = (name: string, bytes: Uint8Array, mode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('loads a private 64-byte key, and publicKeyHex gives the config line value', () => {
    const kp = generateKeyPair();
    const key = loadIntentKey(write('good.key', kp.secretKey, 0o600));
    expect(Buffer.from(key)).toEqual(Buffer.from(kp.secretKey));
    expect(publicKeyHex(key)).toBe(Buffer.from(kp.publicKey).toString('hex'));
  });

  it('refuses a key group or others can read or write, a symlink, a directory', () => {
    const kp = generateKeyPair();
    for (const mode of [0o640, 0o604, 0o620, 0o602]) {
      expect(() => loadIntentKey(write(`open-${mode.toString(8)}.key`, kp.secretKey, mode))).toThrow(UnsafePathError);
    }
    const target = write('target.key', kp.secretKey, 0o600);
    symlinkSync(target, join(dir, 'link.key'));
    expect(() => loadIntentKey(join(dir, 'link.key'))).toThrow(/is a symlink/);
    expect(() => loadIntentKey(dir)).toThrow(/not a regular file/);
    expect(() => loadIntentKey(join(dir, 'missing.key'))).toThrow(IntentKeyError);
  });

  it('refuses a file that is not an ed25519 secret key', () => {
    expect(() => loadIntentKey(write('short.key', new Uint8Array(32), 0o600))).toThrow(/exactly 64 bytes, is 32/);
    const kp = generateKeyPair();
    const mixed = new Uint8Array(kp.secretKey);
    mixed.set(generateKeyPair().publicKey, 32);
    expect(() => loadIntentKey(write('mixed.key', mixed, 0o600))).toThrow(/seed and public half disagree/);
  });
});

describe('inside hardnut\'s executable', () => {
  it('works bundled as scripts/build.mjs bundles it (ESM, platform node)', () => {
    // Under the repository, like dist/hardnut.js, so that node_modules resolves from it.
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    mkdirSync(join(repo, 'helpers', 'build'), { recursive: true });
    const out = mkdtempSync(join(repo, 'helpers', 'build', 'bundle-'));
    const bundle = join(out, 'intent.mjs');
    buildSync({
      entryPoints: [fileURLToPath(new URL('../../src/sandbox/shutdown-intent.ts', import.meta.url))],
      outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    });
    const main = join(out, 'main.mjs');
    writeFileSync(main, `import { generateKeyPair, makeIntent } from ${JSON.stringify(bundle)};\nprocess.stdout.write(makeIntent('check', generateKeyPair().secretKey));\n`);
    try {
      expect(execFileSync(process.execPath, [main], { encoding: 'utf8' })).toMatch(LINE);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
