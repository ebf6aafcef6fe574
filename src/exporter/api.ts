// /api/v1: the cache as JSON, read-only (commands and SET are never served over HTTP).
//   /api/v1/servers                 every configured upsd and whether its last poll worked
//   /api/v1/ups                     every UPS: status flags, freshness, age
//   /api/v1/ups/<server>/<ups>      one UPS: variables with description, type, enum/range, and its
//                                   commands; NUMBER variables as JSON numbers (NUT's GET TYPE)
import type { Poller, ServerEntry, UpsEntry } from './poller.js';

export type ApiResult = { status: 200; body: unknown } | { status: 404; body: { error: string } };

function upsSummary(p: Poller, u: UpsEntry): Record<string, unknown> {
  const fresh = p.isFresh(u);
  return {
    server: u.server,
    ups: u.name,
    description: u.description,
    fresh,
    stale_reason: fresh ? null : u.staleReason ?? (u.fetchedAt === undefined ? 'NO-DATA' : 'TOO-OLD'),
    data_age_seconds: p.ageSeconds(u) ?? null,
    // stale data is labelled, never passed off as the current status
    status: fresh ? (u.vars.get('ups.status') ?? '').split(' ').filter(Boolean) : [],
  };
}

function typed(value: string, numeric: boolean): string | number {
  if (!numeric) return value;
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

function serverOf(s: ServerEntry): Record<string, unknown> {
  return { name: s.name, address: s.address, connected: s.connected, error: s.lastError ?? null, ups: [...s.upses.keys()] };
}

export function apiGet(p: Poller, path: string): ApiResult {
  const parts = path.split('/').filter(Boolean).slice(2).map((x) => { try { return decodeURIComponent(x); } catch { return '\0'; } });
  if (parts.length === 1 && parts[0] === 'servers') return { status: 200, body: p.servers.map(serverOf) };
  if (parts.length === 1 && parts[0] === 'ups') return { status: 200, body: p.servers.flatMap((s) => [...s.upses.values()].map((u) => upsSummary(p, u))) };
  if (parts.length === 3 && parts[0] === 'ups') {
    const u = p.servers.find((s) => s.name === parts[1])?.upses.get(parts[2] as string);
    if (!u) return { status: 404, body: { error: 'no such UPS' } };
    const vars: Record<string, unknown> = {};
    for (const [name, value] of u.vars) {
      const m = u.meta.get(name);
      vars[name] = {
        value: typed(value, m?.type?.kind === 'NUMBER'),
        description: m?.description ?? null,
        type: m?.type ? { kind: m.type.kind, rw: m.type.rw, ...(m.type.maxLength !== undefined ? { max_length: m.type.maxLength } : {}) } : null,
        ...(m?.enum ? { enum: m.enum } : {}),
        ...(m?.range ? { range: m.range } : {}),
      };
    }
    return { status: 200, body: { ...upsSummary(p, u), variables: vars, commands: u.commands } };
  }
  return { status: 404, body: { error: 'no such API path' } };
}
