// NUT network protocol error codes (spec §2.4) and the text NUT's client library prints for
// each (libupsclient 2.8.0). Shared by upsd (what it sends) and the client library (what users
// read), so both sides name errors the same way.

/** Every code upsd may send after "ERR " (server/neterr.h), in one place. */
export const NET_ERRORS = [
  'ACCESS-DENIED', 'UNKNOWN-UPS', 'VAR-NOT-SUPPORTED', 'CMD-NOT-SUPPORTED', 'INVALID-ARGUMENT',
  'INSTCMD-FAILED', 'SET-FAILED', 'READONLY', 'TOO-LONG', 'FEATURE-NOT-SUPPORTED',
  'FEATURE-NOT-CONFIGURED', 'ALREADY-SSL-MODE', 'DRIVER-NOT-CONNECTED', 'DATA-STALE',
  'ALREADY-LOGGED-IN', 'ALREADY-SET-PASSWORD', 'ALREADY-SET-USERNAME', 'USERNAME-REQUIRED',
  'PASSWORD-REQUIRED', 'UNKNOWN-COMMAND', 'INVALID-VALUE',
  // defined but never sent by upsd; kept for clients of other servers (§2.4)
  'INVALID-PASSWORD', 'INVALID-USERNAME', 'VAR-UNKNOWN', 'UNKNOWN-TYPE', 'UNKNOWN-INSTCMD',
  'MISSING-ARGUMENT',
] as const;

export type NetErrorCode = (typeof NET_ERRORS)[number];

/**
 * What libupsclient prints for an "ERR <code>" reply. It matches by prefix of the text after
 * "ERR ", in this order; a code not listed (INVALID-ARGUMENT, FEATURE-NOT-*, ALREADY-SSL-MODE)
 * reads "Unknown error" — Debian's upsc prints exactly that, so hardnut's tools do too.
 */
export const CLIENT_ERROR_TEXT: ReadonlyArray<readonly [string, string]> = [
  ['VAR-NOT-SUPPORTED', 'Variable not supported by UPS'],
  ['UNKNOWN-UPS', 'Unknown UPS'],
  ['ACCESS-DENIED', 'Access denied'],
  ['PASSWORD-REQUIRED', 'Password required'],
  ['PASSWORD-INCORRECT', 'Password incorrect'],
  ['MISSING-ARGUMENT', 'Missing argument'],
  ['DATA-STALE', 'Data stale'],
  ['VAR-UNKNOWN', 'Variable unknown'],
  ['ALREADY-LOGGED-IN', 'Already logged in'],
  ['ALREADY-SET-PASSWORD', 'Already set password'],
  ['UNKNOWN-TYPE', 'Unknown variable type'],
  ['UNKNOWN-VAR', 'Unknown variable'],
  ['READONLY', 'Read-only variable'],
  ['TOO-LONG', 'New value is too long'],
  ['INVALID-VALUE', 'Invalid value for variable'],
  ['SET-FAILED', 'Set command failed'],
  ['UNKNOWN-INSTCMD', 'Unknown instant command'],
  ['INSTCMD-FAILED', 'Instant command failed'],
  ['CMD-NOT-SUPPORTED', 'Instant command not supported'],
  ['INVALID-USERNAME', 'Invalid username'],
  ['ALREADY-SET-USERNAME', 'Already set username'],
  ['UNKNOWN-COMMAND', 'Unknown command'],
  ['INVALID-PASSWORD', 'Invalid password'],
  ['USERNAME-REQUIRED', 'Username required'],
  ['DRIVER-NOT-CONNECTED', 'Driver not connected'],
];

export const UNKNOWN_ERROR_TEXT = 'Unknown error';

/** libupsclient's message for the text after "ERR " (prefix match, table order). */
export function clientErrorText(afterErr: string): string {
  for (const [code, text] of CLIENT_ERROR_TEXT) if (afterErr.startsWith(code)) return text;
  return UNKNOWN_ERROR_TEXT;
}
