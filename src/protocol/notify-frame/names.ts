// UPS names on the framed pipe: a MONITOR system name (`ups@host[:port]`), bounded and from a
// small character set, and — checked by the dispatcher against its own upsmon.conf — one of the
// MONITORs it configured. Pure.

/** Longest name a frame carries, in bytes (= characters: the set is ASCII). */
export const MAX_FRAME_NAME_BYTES = 64;

/**
 * The allowed characters: `A–Z a–z 0–9 . _ @ : -`, and `[` `]` for IPv6 literals, which NUT
 * writes as `ups@[::1]:3493` (upscli_splitname). No space, quote, slash, `%`, `$`, control byte.
 */
export function isFrameNameByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) // 0-9
    || (b >= 0x41 && b <= 0x5a) // A-Z
    || (b >= 0x61 && b <= 0x7a) // a-z
    || b === 0x2e || b === 0x5f || b === 0x40 || b === 0x3a || b === 0x2d // . _ @ : -
    || b === 0x5b || b === 0x5d; // [ ]
}

/** Why a MONITOR system name cannot travel in a frame, or undefined if it can. */
export function frameNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_FRAME_NAME_BYTES) return `the name is longer than ${String(MAX_FRAME_NAME_BYTES)} characters`;
  for (let i = 0; i < name.length; i++) {
    if (!isFrameNameByte(name.charCodeAt(i))) {
      return 'the name may only contain letters, digits and . _ @ : - [ ]';
    }
  }
  return undefined;
}

/**
 * The dispatcher's check: the name must be exactly (case included) a MONITOR system name it read
 * from upsmon.conf itself — never anything the child chose.
 */
export function isConfiguredName(name: string, monitors: Iterable<string>): boolean {
  for (const m of monitors) if (m === name) return true;
  return false;
}
