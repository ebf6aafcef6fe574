// Mutations of seed inputs as a fast-check arbitrary: pick a seed, apply a short list of edits.
// fast-check shrinks a failure by dropping edits, so a counterexample ends up as "seed X with
// these 1–2 edits" — easy to turn into a named regression case.
import fc from 'fast-check';
import type { Seed } from './corpus.js';
import { latin1 } from './harness.js';

/** Byte strings the grammars of §1 (and nut.conf's shell syntax, NOTIFYMSG) react to. */
export const DICTIONARY: readonly string[] = [
  '"', '#', '\\', '=', ' ', '\n', '\r\n', '\t', '\x00', '\x7f', '\x80', '\xff', '\xc3\xa9',
  '"#', '\\\n', '\\"', '""', '[', ']', '[x]', '@', ':', '%s', '%n', '%x', '%%', '%', '$', '`', "'", ';',
  'TRACKING', 'OK Goodbye', 'PING\n', 'DUMPALL\n', 'LOGOUT\n', 'SET x "y"\n', 'TIMER 1\n', 'ALARM\n',
  'A'.repeat(600), `${'w '.repeat(40)}\n`, `"${'q'.repeat(520)}"`, '9'.repeat(30), '-2147483649', '0x10',
];

export type Edit =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; text: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'splice'; at: number; seed: number; from: number; len: number }
  | { op: 'line'; kind: 'drop' | 'dup' | 'swap' | 'wrap'; a: number; b: number };

const pos = fc.nat({ max: 1 << 20 });

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: pos, byte: fc.nat({ max: 255 }) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at: pos, text: fc.nat({ max: DICTIONARY.length - 1 }) }) },
  fc.record({ op: fc.constant('delete' as const), at: pos, len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: pos, len: fc.integer({ min: 1, max: 128 }) }),
  fc.record({ op: fc.constant('splice' as const), at: pos, seed: fc.nat(), from: pos, len: fc.integer({ min: 1, max: 256 }) }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('line' as const), kind: fc.constantFrom('drop' as const, 'dup' as const, 'swap' as const, 'wrap' as const), a: pos, b: pos }) },
);

/** Edits a person makes to a file: lines wrapped at a space, dropped, duplicated, moved. */
export const lineEdit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constant('line' as const), kind: fc.constantFrom('drop' as const, 'dup' as const, 'swap' as const, 'wrap' as const, 'wrap' as const), a: pos, b: pos,
});

function lines(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      out.push(data.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < data.length) out.push(data.subarray(start));
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

/** Applies one edit; positions are taken modulo the current length. */
export function applyEdit(data: Uint8Array, e: Edit, seeds: readonly Uint8Array[]): Uint8Array {
  const n = data.length;
  switch (e.op) {
    case 'set': {
      if (n === 0) return Uint8Array.of(e.byte);
      const out = data.slice();
      out[e.at % n] = e.byte;
      return out;
    }
    case 'insert': {
      const at = e.at % (n + 1);
      return join([data.subarray(0, at), latin1(DICTIONARY[e.text] ?? ''), data.subarray(at)]);
    }
    case 'delete': {
      if (n === 0) return data;
      const at = e.at % n;
      return join([data.subarray(0, at), data.subarray(Math.min(n, at + e.len))]);
    }
    case 'duplicate': {
      if (n === 0) return data;
      const at = e.at % n;
      const piece = data.subarray(at, Math.min(n, at + e.len));
      return join([data.subarray(0, at), piece, data.subarray(at)]);
    }
    case 'splice': {
      const src = seeds.length > 0 ? (seeds[e.seed % seeds.length] as Uint8Array) : data;
      if (src.length === 0) return data;
      const from = e.from % src.length;
      const at = e.at % (n + 1);
      return join([data.subarray(0, at), src.subarray(from, Math.min(src.length, from + e.len)), data.subarray(at)]);
    }
    case 'line': {
      const ls = lines(data);
      if (ls.length === 0) return data;
      const a = e.a % ls.length;
      const b = e.b % ls.length;
      if (e.kind === 'drop') ls.splice(a, 1);
      else if (e.kind === 'dup') ls.splice(a, 0, ls[a] as Uint8Array);
      else if (e.kind === 'swap') { const t = ls[a] as Uint8Array; ls[a] = ls[b] as Uint8Array; ls[b] = t; }
      else {
        // Wrap the line at its k-th space: a long line broken in two by an editor or a paste.
        const line = ls[a] as Uint8Array;
        const spaces: number[] = [];
        line.forEach((c, i) => { if (c === 0x20) spaces.push(i); });
        if (spaces.length === 0) return data;
        const at = spaces[e.b % spaces.length] as number;
        ls[a] = join([line.subarray(0, at), Uint8Array.of(0x0a), line.subarray(at + 1)]);
      }
      return join(ls);
    }
  }
}

/** A seed with up to `maxEdits` edits applied (0 edits = the seed itself). */
export function mutated(seeds: readonly Seed[], maxEdits = 8): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutated(): no seeds');
  const datas = seeds.map((s) => s.data);
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(edit, { maxLength: maxEdits })).map(([i, edits]) => {
    let d = datas[i] as Uint8Array;
    for (const e of edits) d = applyEdit(d, e, datas);
    return d;
  });
}

/** Generated inputs with up to `maxEdits` edits applied; `donors` feed the splice edit. */
export function withEdits<T extends { data: Uint8Array }>(arb: fc.Arbitrary<T>, donors: readonly Seed[], maxEdits = 6, edits: fc.Arbitrary<Edit> = edit): fc.Arbitrary<T> {
  const datas = donors.map((s) => s.data);
  return fc.tuple(arb, fc.array(edits, { maxLength: maxEdits })).map(([v, edits]) => {
    let d = v.data;
    for (const e of edits) d = applyEdit(d, e, datas);
    return { ...v, data: d };
  });
}
