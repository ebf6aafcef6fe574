// /metrics in Prometheus text format 0.0.4, with DRuggeri/nut_exporter's names so its Grafana
// dashboards work: network_ups_tools_<variable, '.' and '-' as '_'> in NUT's raw units,
// network_ups_tools_ups_status{flag=…}, network_ups_tools_device_info{model,mfr,serial,…}.
// hardnut additions: `server` and `ups` labels on every series (one exporter for many upsd),
// network_ups_tools_up (1 only while the UPS's data is fresh), _stale, _data_age_seconds and
// network_ups_tools_server_up. A UPS whose data is not fresh exports no values at all, only
// those four: Prometheus then marks its old series stale instead of repeating old numbers.
import type { Poller, UpsEntry } from './poller.js';

export const NAMESPACE = 'network_ups_tools';
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** NUT's status flags (docs: ups.status), always present as 0 or 1 so alerts can match on 0 too. */
export const KNOWN_FLAGS = ['OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD', 'ALARM', 'TEST'] as const;
/** DRuggeri's device_info labels (device.<label>). */
export const DEVICE_LABELS = ['model', 'mfr', 'serial', 'type', 'description', 'contact', 'location', 'part', 'macaddr'] as const;

/** A NUT number (C strtod subset as drivers print them): no hex, no inf/nan, no spaces. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const RESERVED = new Set(['up', 'stale', 'data_age_seconds', 'server_up', 'ups_status', 'device_info'].map((n) => `${NAMESPACE}_${n}`));

export function metricName(variable: string): string {
  return `${NAMESPACE}_${variable.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

type Labels = ReadonlyArray<readonly [string, string]>;

class Families {
  private readonly fams = new Map<string, { help: string; lines: string[] }>();
  add(name: string, help: string, labels: Labels, value: number): void {
    let f = this.fams.get(name);
    if (!f) { f = { help, lines: [] }; this.fams.set(name, f); }
    const l = labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    f.lines.push(`${name}{${l}} ${formatValue(value)}`);
  }
  render(): string {
    let out = '';
    for (const [name, f] of this.fams) out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} gauge\n${f.lines.join('\n')}\n`;
    return out;
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderMetrics(p: Poller): string {
  const f = new Families();
  for (const s of p.servers) {
    f.add(`${NAMESPACE}_server_up`, 'hardnut: 1 if the last poll of this upsd succeeded', [['server', s.name]], s.connected && s.lastError === undefined ? 1 : 0);
    for (const u of s.upses.values()) renderUps(f, p, u);
  }
  return f.render();
}

function renderUps(f: Families, p: Poller, u: UpsEntry): void {
  const id: Labels = [['server', u.server], ['ups', u.name]];
  const fresh = p.isFresh(u);
  const age = p.ageSeconds(u);
  f.add(`${NAMESPACE}_up`, 'hardnut: 1 if this UPS\'s data is fresh (read from upsd within MAXAGE, not stale there)', id, fresh ? 1 : 0);
  f.add(`${NAMESPACE}_stale`, 'hardnut: 1 if upsd called the data stale, the driver is gone, or it is older than MAXAGE', id, fresh ? 0 : 1);
  if (age !== undefined) f.add(`${NAMESPACE}_data_age_seconds`, 'hardnut: seconds since this UPS\'s data was last read fresh', id, Math.round(age * 1000) / 1000);
  if (!fresh) return;
  for (const [name, value] of u.vars) {
    if (name === 'ups.status') continue;
    if (!NUMBER.test(value)) continue;
    // a variable whose name would collide with one of ours (e.g. a driver's `data.age.seconds`) is left out
    if (RESERVED.has(metricName(name))) continue;
    const desc = u.meta.get(name)?.description;
    f.add(metricName(name), `${desc ?? name} (${name})`, id, Number(value));
  }
  const status = u.vars.get('ups.status');
  if (status !== undefined) {
    const present = new Set(status.split(' ').filter(Boolean));
    const flags = [...KNOWN_FLAGS, ...[...present].filter((x) => !(KNOWN_FLAGS as readonly string[]).includes(x)).sort()];
    for (const flag of flags) f.add(`${NAMESPACE}_ups_status`, 'UPS status flags (ups.status)', [...id, ['flag', flag]], present.has(flag) ? 1 : 0);
  }
  f.add(`${NAMESPACE}_device_info`, 'UPS Device information', [...id, ...DEVICE_LABELS.map((l) => [l, u.vars.get(`device.${l}`) ?? ''] as const)], 1);
}
