// NUT's standard variable names (the names its docs/nut-names.txt defines, NUT 2.8), for
// `hardnut rules check` (issue 16): a variable a rule reads that is neither a standard name nor
// one the watched UPS publishes is most likely a typo, and the rule would only ever be unknown.
// Written here by hand as a list of the names (facts), not copied from NUT's document; the
// descriptions are NUT's to read there. Drivers may add names of their own: those are known
// from the UPS itself when `rules check` can reach it.
//
// Indexed families are written once with placeholders: `N` for a number (outlet.3.status),
// `Lx` for a phase (input.L2.voltage), `Lx-Ly` / `Lx-N` for phase pairs (input.L1-L2.voltage).

const TEMP_SUFFIXES = ['', '.alarm', '.high', '.high.warning', '.high.critical', '.low', '.low.warning', '.low.critical', '.maximum', '.minimum', '.status'];
const LIMITS = ['', '.nominal', '.status', '.low.warning', '.low.critical', '.high.warning', '.high.critical', '.maximum', '.minimum'];

const UPS = [
  'status', 'alarm', 'time', 'date', 'model', 'mfr', 'mfr.date', 'serial', 'vendorid', 'productid', 'firmware',
  'firmware.aux', 'temperature', 'temperature.low', 'temperature.high', 'load', 'load.high', 'id', 'delay.start',
  'delay.reboot', 'delay.shutdown', 'timer.start', 'timer.reboot', 'timer.shutdown', 'test.interval', 'test.result',
  'test.date', 'display.language', 'contacts', 'efficiency', 'power', 'power.nominal', 'realpower', 'realpower.nominal',
  'beeper.status', 'type', 'mode', 'mode.buzzwords', 'watchdog.status', 'start.auto', 'start.battery', 'start.reboot',
  'shutdown', 'power.percent', 'realpower.percent',
].map((n) => `ups.${n}`);

const DEVICE = [
  'model', 'mfr', 'serial', 'type', 'description', 'contact', 'location', 'part', 'macaddr', 'uptime', 'count',
  'usb.version', 'version',
].map((n) => `device.${n}`);

/** What each phase, and the single-phase line itself, may report (input, output, bypass). */
const LINE = [
  ...LIMITS.map((s) => `voltage${s}`), 'voltage.extended',
  ...LIMITS.map((s) => `current${s}`), 'current.peak', 'current.percent',
  'frequency', 'frequency.nominal', 'frequency.status', 'frequency.low', 'frequency.high', 'frequency.extended',
  'power', 'power.nominal', 'power.percent', 'realpower', 'realpower.nominal', 'realpower.percent',
  'powerfactor', 'crestfactor', 'load', 'phases', 'phase.angle', 'phase.shift',
];

const INPUT = [
  ...LINE,
  'transfer.delay', 'transfer.reason', 'transfer.low', 'transfer.high', 'transfer.low.min', 'transfer.low.max',
  'transfer.high.min', 'transfer.high.max', 'transfer.boost.low', 'transfer.boost.high', 'transfer.trim.low',
  'transfer.trim.high', 'transfer.eco.low', 'transfer.eco.high', 'transfer.bypass.low', 'transfer.bypass.high',
  'sensitivity', 'quality', 'source', 'source.preferred', 'voltage.low', 'voltage.high', 'eco.switchable',
  'bypass.switch.on', 'bypass.switch.off', 'bypass.switchable',
];

const BATTERY = [
  'charge', 'charge.approx', 'charge.low', 'charge.restart', 'charge.warning', 'charger.status', 'charger.type',
  'voltage', 'voltage.cell.max', 'voltage.cell.min', 'voltage.nominal', 'voltage.low', 'voltage.high',
  'capacity', 'capacity.nominal', 'current', 'current.total', 'status', 'temperature', 'runtime', 'runtime.low',
  'runtime.restart', 'alarm.threshold', 'date', 'date.maintenance', 'mfr.date', 'packs', 'packs.bad',
  'packs.external', 'type', 'protection', 'energysave', 'energysave.load', 'energysave.delay',
  'energysave.realpower', 'charger.mode',
].map((n) => `battery.${n}`);

const SENSOR = [
  ...TEMP_SUFFIXES.map((s) => `temperature${s}`), ...TEMP_SUFFIXES.map((s) => `humidity${s}`),
  'present', 'name', 'mfr', 'model', 'firmware', 'id', 'serial', 'parent.serial', 'address', 'contacts.N.status',
];

const OUTLET = [
  'id', 'desc', 'name', 'type', 'switch', 'status', 'alarm', 'switchable', 'autoswitch.charge.low',
  'battery.charge.low', 'delay.shutdown', 'delay.start', 'timer.shutdown', 'timer.start', 'load.off', 'load.on',
  'load.cycle', ...LIMITS.map((s) => `current${s}`), ...LIMITS.map((s) => `voltage${s}`), 'realpower', 'power',
  'powerfactor', 'crestfactor', 'frequency', 'count', 'color', 'phase', 'group', 'groupid',
];

const SERVER_DRIVER = [
  'server.info', 'server.version', 'driver.name', 'driver.version', 'driver.version.internal',
  'driver.version.data', 'driver.version.usb', 'driver.state', 'driver.debug', 'driver.flag.allow_killpower',
];

function build(): Set<string> {
  const out = new Set<string>([...UPS, ...DEVICE, ...BATTERY, ...SERVER_DRIVER, 'ambient.count']);
  for (const n of INPUT) { out.add(`input.${n}`); out.add(`input.bypass.${n}`); }
  for (const n of LINE) {
    out.add(`output.${n}`);
    for (const p of ['Lx', 'Lx-Ly', 'Lx-N', 'N']) { out.add(`input.${p}.${n}`); out.add(`output.${p}.${n}`); out.add(`input.bypass.${p}.${n}`); }
  }
  for (const n of SENSOR) { out.add(`ambient.${n}`); out.add(`ambient.N.${n}`); }
  for (const n of OUTLET) { out.add(`outlet.${n}`); out.add(`outlet.N.${n}`); out.add(`outlet.group.N.${n}`); }
  return out;
}

const NAMES = build();

/** Families whose members drivers name freely (ups.conf's parameters, flags, experiments). */
const OPEN_PREFIXES = ['driver.parameter.', 'driver.flag.', 'experimental.'];

/** One dot-separated part with its number or phase replaced by the placeholder. */
function placeholder(part: string): string {
  if (/^[0-9]+$/.test(part)) return 'N';
  if (/^L[1-3]$/.test(part)) return 'Lx';
  if (/^L[1-3]-L[1-3]$/.test(part)) return 'Lx-Ly';
  if (/^L[1-3]-N$/.test(part)) return 'Lx-N';
  return part;
}

/** Whether `name` is one of NUT's standard variable names (case-insensitive, as upsd's tree). */
export function isNutName(name: string): boolean {
  const lower = name.toLowerCase();
  if (OPEN_PREFIXES.some((p) => lower.startsWith(p))) return true;
  // phases keep their capital L in NUT's names; everything else is lower case
  const parts = name.split('.').map((p) => placeholder(p.length > 1 && p[0] === 'l' ? `L${p.slice(1)}` : p).replace(/-n$/, '-N'));
  const key = parts.map((p) => (p === 'Lx' || p === 'Lx-Ly' || p === 'Lx-N' || p === 'N' ? p : p.toLowerCase())).join('.');
  return NAMES.has(key);
}

/** How many names the static list holds once expanded (for a test's sanity check). */
export function nutNameCount(): number {
  return NAMES.size;
}
