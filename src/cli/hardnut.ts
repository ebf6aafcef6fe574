#!/usr/bin/env node
// `hardnut <tool> [NUT's flags]`: one executable, NUT's tool names as subcommands (DESIGN.md).
// Each tool's code is imported only when that tool runs (scripts/build.mjs splits the bundle into
// chunks), so `hardnut upsc` does not compile upsd, the drivers or net-snmp: a tool starts in
// about Node's own time. The tool's module graph is loaded here, before its main() runs, so a
// daemon has every chunk in memory before it confines itself (after chroot none could be loaded).
import { join } from 'node:path';
import type { DriverDefinition } from '../driver/driver.js';
import { requireWithCodeCache } from './code-cache.js';

declare const HARDNUT_VERSION: string;
/** Set by scripts/build.mjs: dist/ has tool-<name>.js and its code cache beside this file. */
const BUNDLED = typeof HARDNUT_VERSION === 'string';
const VERSION = BUNDLED ? HARDNUT_VERSION : '0.0.0-dev';

type Main = (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>;
interface Tool { summary: string | (() => Promise<string>); load?: () => Promise<Main> }

/**
 * A short-lived tool, built apart as dist/tool-<name>.js (scripts/build.mjs) and loaded from its
 * V8 code cache (code-cache.ts): about 1 ms less at each start (issue 13, BENCHMARKS.md). From
 * src/ (tests, tsx) its source module is imported.
 */
function shortLived(name: string, fromSource: () => Promise<{ main: Main }>): () => Promise<Main> {
  return async () => BUNDLED
    // import.meta.dirname is Node ≥ 20.11, and read only in the bundle, where it is __dirname
    ? (requireWithCodeCache(join(import.meta.dirname, `tool-${name}.js`)).exports as { main: Main }).main
    : (await fromSource()).main;
}

const TOOLS = new Map<string, Tool>([
  ['upsdrvctl', { summary: 'start, stop or shut down drivers from ups.conf', load: async () => (await import('../driver/upsdrvctl.js')).main }],
  ['config', { summary: 'config check [DIR]: validate NUT config files', load: async () => (await import('../tools/config-check.js')).main }],
  ['demo', { summary: 'run the demo: a simulated UPS replaying an outage, watched live', load: async () => (await import('../tools/demo.js')).main }],
  ['upsd', { summary: 'the NUT network server: serves driver data to clients', load: async () => (await import('../upsd/main.js')).main }],
  ['upsc', { summary: 'read UPS variables', load: shortLived('upsc', async () => import('../clients/upsc.js')) }],
  ['upscmd', { summary: 'send instant commands', load: shortLived('upscmd', async () => import('../clients/upscmd.js')) }],
  ['upsrw', { summary: 'list and set writable UPS variables', load: shortLived('upsrw', async () => import('../clients/upsrw.js')) }],
  ['upslog', { summary: 'log UPS variables at an interval', load: async () => (await import('../clients/upslog.js')).main }],
  ['upsmon', { summary: 'monitor UPSes through upsd and shut down when the power runs out', load: async () => (await import('../upsmon/main.js')).main }],
  ['killpower', { summary: 'late shutdown: signing key, /run snapshot, and the hook that cuts UPS power', load: async () => (await import('../killpower/main.js')).main }],
  ['exporter', { summary: 'Prometheus /metrics, a JSON API and a status page for upsd\'s UPSes', load: async () => (await import('../exporter/main.js')).main }],
  ['upssched', { summary: 'timers for upsmon events: run by upsmon as NOTIFYCMD', load: shortLived('upssched', async () => import('../upssched/main.js')) }],
  ['rules', { summary: 'rules check|explain|test: the upsrules.conf rule file', load: async () => (await import('../tools/rules.js')).main }],
]);

/**
 * The drivers, by the name ups.conf gives them. Their table is loaded only for a name that is not
 * one of the tools above (and for --help): `hardnut upsc` then reads two files fewer (issue 13).
 */
async function driverTools(): Promise<Map<string, Tool>> {
  const { DRIVER_LOADERS, PLANNED_DRIVERS } = await import('../driver/drivers/index.js');
  const drivers = new Map<string, Tool>();
  for (const [name, loadDriver] of DRIVER_LOADERS) {
    const runtime = async (): Promise<[DriverDefinition, typeof import('../driver/runtime.js')]> =>
      Promise.all([loadDriver(), import('../driver/runtime.js')]);
    drivers.set(name, {
      // only --help needs the description, and only --help pays for loading every driver
      summary: async () => `driver: ${(await loadDriver()).description}`,
      load: async () => { const [def, rt] = await runtime(); return async (argv, env) => (await def.offline?.(argv)) ?? rt.runDriver(def, argv, env); },
    });
  }
  for (const name of PLANNED_DRIVERS) drivers.set(name, { summary: 'driver (not built yet)' });
  return drivers;
}

async function usage(): Promise<string> {
  const all = new Map([...TOOLS, ...await driverTools()]);
  const width = Math.max(...[...all.keys()].map((k) => k.length));
  const rows = await Promise.all([...all].map(async ([name, t]) =>
    `  ${name.padEnd(width)}  ${typeof t.summary === 'string' ? t.summary : await t.summary()}`));
  return `hardnut ${VERSION}: Network UPS Tools in TypeScript\n\nusage: hardnut <tool> [options]\n\ntools:\n${rows.join('\n')}\n\n`
    + 'Config and state follow NUT: NUT_CONFPATH, NUT_STATEPATH, NUT_ALTPIDPATH.\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') { process.stdout.write(`hardnut ${VERSION}\n`); return 0; }
  const tool = TOOLS.get(name) ?? (await driverTools()).get(name);
  if (!tool) { process.stderr.write(`hardnut: unknown tool '${name}' (hardnut --help lists them)\n`); return 2; }
  if (!tool.load) { process.stderr.write(`hardnut: ${name} is not built yet in hardnut ${VERSION}\n`); return 2; }
  const run = await tool.load();
  return run(rest, process.env);
}

// Fail closed (issue #12): a tool that failed ends the process now. A daemon whose start-up
// failed half way may still hold listening sockets, timers or children that would keep it
// alive, serving unconfined; process.exit stops all of that. Success only sets the exit code,
// so a client's last output drains before Node exits on its own.
main(process.argv.slice(2)).then(
  (code) => { if (code === 0) process.exitCode = 0; else process.exit(code); },
  (err: unknown) => {
    process.stderr.write(`hardnut: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
