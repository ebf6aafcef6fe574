// The expect matcher: a restricted pattern language (no regular expressions from scripts), matched
// left to right by a deterministic scanner. Each field consumes a maximal run of its class, or a
// fixed count, and never gives anything back; a literal must follow exactly. There is no
// alternation and no backtracking, so a match costs O(reply length + pattern elements) whatever
// the reply: a device cannot stall the driver with a crafted answer.

import type { FieldClass, Pattern } from './types.js';

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** End of the field of class `cls` starting at `i`, or -1 when it cannot match there. `stop`: the next literal's first byte. */
function fieldEnd(s: string, i: number, cls: FieldClass, stop: number): number {
  const n = s.length;
  let j = i;
  if (typeof cls === 'object') return i + cls.fixed <= n ? i + cls.fixed : -1;
  switch (cls) {
    case 'rest': return n;
    case 'bit': { const c = s.charCodeAt(i); return c === 0x30 || c === 0x31 ? i + 1 : -1; }
    case 'hex': while (j < n && isHex(s.charCodeAt(j))) j++; return j > i ? j : -1;
    case 'word': while (j < n && s.charCodeAt(j) > 0x20 && s.charCodeAt(j) < 0x7f && s.charCodeAt(j) !== stop) j++; return j > i ? j : -1;
    case 'int': case 'num': {
      if (j < n && (s[j] === '+' || s[j] === '-')) j++;
      let digits = 0;
      while (j < n && isDigit(s.charCodeAt(j))) { j++; digits++; }
      if (cls === 'num' && j < n && s[j] === '.') {
        j++;
        while (j < n && isDigit(s.charCodeAt(j))) { j++; digits++; }
      }
      return digits > 0 ? j : -1;
    }
  }
}

/** The captures when the whole reply matches the pattern, else null. */
export function matchPattern(pattern: Pattern, reply: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  const els = pattern.elements;
  for (let k = 0; k < els.length; k++) {
    const e = els[k];
    if (e === undefined) break;
    if (e.kind === 'lit') {
      if (!reply.startsWith(e.text, i)) return null;
      i += e.text.length;
      continue;
    }
    const next = els[k + 1];
    const stop = next?.kind === 'lit' ? next.text.charCodeAt(0) : -1;
    const end = fieldEnd(reply, i, e.cls, stop);
    if (end < 0) return null;
    if (e.name !== null) out.set(e.name, reply.slice(i, end));
    i = end;
  }
  return i === reply.length ? out : null;
}
