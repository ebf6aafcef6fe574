// `hardnut <tool> [NUT's flags]`: one executable, NUT's tool names as subcommands (DESIGN.md).
import { DRIVERS, PLANNED_DRIVERS } from '../driver/drivers/index.js';
import { runDriver, VERSION } from '../driver/runtime.js';
import { main as upsdrvctl } from '../driver/upsdrvctl.js';
import { main as configTool } from '../tools/config-check.js';
import { main as demo } from '../tools/demo.js';
import { main as upsd } from '../upsd/main.js';
import { main as upsc } from '../clients/upsc.js';
import { main as upscmd } from '../clients/upscmd.js';
import { main as upsrw } from '../clients/upsrw.js';
import { main as upslog } from '../clients/upslog.js';
import { main as upsmon } from '../upsmon/main.js';
import { main as upssched } from '../upssched/main.js';

interface Tool { summary: string; run?: (argv: string[], env: NodeJS.ProcessEnv) => Promise<number> }

const TOOLS = new Map<string, Tool>([
  ['upsdrvctl', { summary: 'start, stop or shut down drivers from ups.conf', run: upsdrvctl }],
  ['config', { summary: 'config check [DIR]: validate NUT config files', run: configTool }],
  ['demo', { summary: 'run the demo: a simulated UPS replaying an outage, watched live', run: demo }],
  ['upsd', { summary: 'the NUT network server: serves driver data to clients', run: upsd }],
  ['upsc', { summary: 'read UPS variables', run: upsc }],
  ['upscmd', { summary: 'send instant commands', run: upscmd }],
  ['upsrw', { summary: 'list and set writable UPS variables', run: upsrw }],
  ['upslog', { summary: 'log UPS variables at an interval', run: upslog }],
  ['upsmon', { summary: 'monitor UPSes through upsd and shut down when the power runs out', run: upsmon }],
  ['upssched', { summary: 'timers for upsmon events: run by upsmon as NOTIFYCMD', run: upssched }],
]);
for (const [name, def] of DRIVERS) {
  TOOLS.set(name, { summary: `driver: ${def.description}`, run: (argv, env) => runDriver(def, argv, env) });
}
for (const name of PLANNED_DRIVERS) TOOLS.set(name, { summary: 'driver (not built yet)' });

function usage(): string {
  const width = Math.max(...[...TOOLS.keys()].map((k) => k.length));
  const rows = [...TOOLS].map(([name, t]) => `  ${name.padEnd(width)}  ${t.summary}`);
  return `hardnut ${VERSION}: Network UPS Tools in TypeScript\n\nusage: hardnut <tool> [options]\n\ntools:\n${rows.join('\n')}\n\n`
    + 'Config and state follow NUT: NUT_CONFPATH, NUT_STATEPATH, NUT_ALTPIDPATH.\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') { process.stdout.write(`hardnut ${VERSION}\n`); return 0; }
  const tool = TOOLS.get(name);
  if (!tool) { process.stderr.write(`hardnut: unknown tool '${name}' (hardnut --help lists them)\n`); return 2; }
  if (!tool.run) { process.stderr.write(`hardnut: ${name} is not built yet in hardnut ${VERSION}\n`); return 2; }
  return tool.run(rest, process.env);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.stderr.write(`hardnut: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`); process.exitCode = 1; },
);
