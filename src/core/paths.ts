// Where config, state and pid files live: NUT's environment variables first, then Debian's
// compiled-in locations (the interop peer is Debian's NUT 2.8.0).

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CONFPATH = '/etc/nut';
export const DEFAULT_STATEPATH = '/run/nut';

export function confPath(env: Env): string {
  return nonEmpty(env['NUT_CONFPATH']) ?? DEFAULT_CONFPATH;
}

/** Driver sockets. A `statepath` from ups.conf applies when NUT_STATEPATH is unset (§3.1). */
export function statePath(env: Env, fromConfig?: string): string {
  return nonEmpty(env['NUT_STATEPATH']) ?? nonEmpty(fromConfig) ?? DEFAULT_STATEPATH;
}

/** Pid files: NUT_ALTPIDPATH, else the state path. */
export function altPidPath(env: Env, fromConfig?: string): string {
  return nonEmpty(env['NUT_ALTPIDPATH']) ?? statePath(env, fromConfig);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
