// The credentials of an `Authorization: Basic …` field (RFC 7617), sans-I/O: a string in, a user
// and password out, or undefined for anything that is not a well-formed Basic credential.
// Strict: one space after the scheme, canonical base64, user without ':', no control bytes.

/** A field value longer than this is not a credential the exporter would accept. */
export const MAX_BASIC_FIELD_BYTES = 1024;

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface BasicCredentials { user: string; password: string }

export function parseBasicAuth(field: string | undefined): BasicCredentials | undefined {
  if (field === undefined || field.length > MAX_BASIC_FIELD_BYTES) return undefined;
  const sp = field.indexOf(' ');
  if (sp < 0 || field.slice(0, sp).toLowerCase() !== 'basic') return undefined;
  const token = field.slice(sp + 1);
  if (token.length === 0 || token.length % 4 !== 0 || !B64.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64');
  // canonical only: a token that does not round-trip hid bits or padding
  if (bytes.toString('base64') !== token) return undefined;
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').compare(bytes) !== 0 || /[\0-\x1f\x7f]/.test(text)) return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
