// The messages of serve.ts's IPC channel, for the jailed side, which loads none of root's code.

export interface LocalConnectRequest { t: 'local-connect'; ups: string }
export interface LocalSocketReply { t: 'local-socket'; ups: string; error?: string }

/** The child's side: root's reply, or undefined for anything else on the channel. */
export function localSocketMessage(m: unknown): { ups: string; error?: string } | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const x = m as { t?: unknown; ups?: unknown; error?: unknown };
  if (x.t !== 'local-socket' || typeof x.ups !== 'string') return undefined;
  return typeof x.error === 'string' ? { ups: x.ups, error: x.error } : { ups: x.ups };
}
