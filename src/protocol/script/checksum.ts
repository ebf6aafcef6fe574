// The checksums a device script may use: a fixed built-in list (issue 17), computed over latin1
// text (one char = one byte). A script names one; it cannot define its own.

import type { Checksum, ChecksumName } from './types.js';

/** CRC-16/XMODEM (poly 0x1021, init 0): Voltronic/PI30-style UPSes append it to every frame. */
function crc16xmodem(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    crc ^= (text.charCodeAt(i) & 0xff) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function compute(name: ChecksumName, text: string): number {
  switch (name) {
    case 'sum8': { let s = 0; for (let i = 0; i < text.length; i++) s = (s + text.charCodeAt(i)) & 0xff; return s; }
    case 'xor8': { let s = 0; for (let i = 0; i < text.length; i++) s ^= text.charCodeAt(i) & 0xff; return s; }
    case 'crc16-xmodem': return crc16xmodem(text);
  }
}

/** Bytes the checksum takes on the wire: 1 or 2 raw, twice that as upper-case hex digits. */
export function checksumWidth(c: Checksum): number {
  const bytes = c.name === 'crc16-xmodem' ? 2 : 1;
  return c.enc === 'hex' ? bytes * 2 : bytes;
}

/** The checksum of `text` as it goes on the wire (raw: big-endian bytes). */
export function checksumText(c: Checksum, text: string): string {
  const n = compute(c.name, text);
  const width = checksumWidth(c);
  if (c.enc === 'hex') return n.toString(16).toUpperCase().padStart(width, '0');
  return width === 2 ? String.fromCharCode(n >> 8, n & 0xff) : String.fromCharCode(n);
}
