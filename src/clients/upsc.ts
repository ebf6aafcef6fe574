// upsc: read UPS variables (NUT's clients/upsc.c). Output, messages and exit codes are NUT
// 2.8.0's, byte for byte; `-j` (JSON) is not in Debian's 2.8.0 and follows NUT master's format.
import { SpecError, splitAddr, splitName, type ServerAddress } from '../client/ups-spec.js';
import { NutError } from '../protocol/net/client-errors.js';
import type { NutClient } from '../client/client.js';
import { closeQuietly, connectOrDie, errorText, fatal, getopts, out, runTool, VERSION, ToolExit } from './common.js';
import { jsonEscape } from './json.js';

function usage(): string {
  return [
    `Network UPS Tools upsc (hardnut ${VERSION})`,
    '',
    'usage: upsc [-j] -l | -L [<hostname>[:port]]',
    '       upsc [-j] <ups> [<variable>]',
    '       upsc [-j] -c <ups>',
    '',
    'Demo program to display UPS variables.',
    '',
    '  -j         - display output in JSON format',
    '',
    'First form (lists UPSes):',
    '  -l         - lists each UPS on <hostname>, one per line.',
    '  -L         - lists each UPS followed by its description (from ups.conf).',
    '               Default hostname: localhost',
    '',
    'Second form (lists variables and values):',
    '  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form',
    '  <variable> - optional, display this variable only.',
    '               Default: list all variables for <host>',
    '',
    'Third form (lists clients connected to a device):',
    '  -c         - lists each client connected on <ups>, one per line.',
    '  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form',
    '',
    'hardnut: <hostname> may also be the path of a Unix socket (/run/nut/upsd.sock).',
    '',
  ].join('\n');
}

/** NUT master's fatalx_error_json_simple: the JSON object on stdout, then NUT's line on stderr. */
function fail(json: boolean, msg: string): never {
  if (json) out(`{"error": "${jsonEscape(msg)}"}\n`);
  fatal(`Error: ${msg}`);
}

/** The message upsc prints for a failed request (an old upsd is explained, §upsc.c). */
function requestError(e: unknown, oldUpsd: string): string {
  if (e instanceof NutError && e.word === 'UNKNOWN-COMMAND') return oldUpsd;
  return errorText(e);
}

export async function main(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  return runTool(async () => {
    const parsed = getopts('upsc', argv, '+hlLcVj');
    if (parsed.error !== undefined) {
      process.stderr.write(`${parsed.error}\n`);
      out(usage());
      return 0;
    }
    let varlist = false;
    let verbose = false;
    let clientlist = false;
    let json = false;
    for (const o of parsed.options) {
      switch (o.flag) {
        case 'L': verbose = true; varlist = true; break;
        case 'l': varlist = true; break;
        case 'c': clientlist = true; break;
        case 'j': json = true; break;
        case 'V': out(`Network UPS Tools upsc (hardnut ${VERSION})\n`); return 0;
        default: out(usage()); return 0;
      }
    }
    const args = parsed.operands;
    let address: ServerAddress;
    let upsName = '';
    if (varlist) {
      try {
        address = splitAddr(args[0] ?? 'localhost');
      } catch (e) {
        if (e instanceof SpecError && e.detail !== undefined && !json) process.stderr.write(`${e.detail}\n`);
        fail(json, 'invalid hostname.\nRequired format: [hostname[:port]]');
      }
    } else {
      try {
        const spec = splitName(args[0]);
        upsName = spec.upsName;
        address = spec;
      } catch (e) {
        if (e instanceof SpecError && e.detail !== undefined) process.stderr.write(`${e.detail}\n`);
        fail(json, 'invalid UPS definition.\nRequired format: upsname[@hostname[:port]]');
      }
    }

    let client: NutClient | undefined;
    try {
      try {
        client = await connectOrDie(address, 'try');
      } catch (e) {
        if (json && e instanceof ToolExit) out(`{"error": "${jsonEscape(e.lines.join('\n').replace(/^Error: /, ''))}"}\n`);
        throw e;
      }
      if (varlist) await listUpses(client, verbose, json);
      else if (clientlist) await listClients(client, upsName, json);
      else if (args.length > 1) await printVar(client, upsName, args[1] as string, json);
      else await listVars(client, upsName, json);
      return 0;
    } finally {
      await closeQuietly(client);
    }
  });
}

async function printVar(client: NutClient, ups: string, name: string, json: boolean): Promise<void> {
  if (!name.includes('.')) fail(json, 'old-style variable names are not supported');
  let words: string[];
  try {
    words = await client.get(['VAR', ups, name]);
  } catch (e) {
    fail(json, requestError(e, 'variable unknown (old upsd detected)'));
  }
  const value = words[3] ?? '(null)';
  out(json ? `"${jsonEscape(value)}"\n` : `${value}\n`);
}

async function listVars(client: NutClient, ups: string, json: boolean): Promise<void> {
  if (json) out('{\n');
  let items: string[][];
  try {
    items = await client.list(['VAR', ups]);
  } catch (e) {
    const msg = requestError(e, 'upsd is too old to support this query');
    if (json) out(`  "error": "${jsonEscape(msg)}"\n}\n`);
    fatal(`Error: ${msg}`);
  }
  const lines: string[] = [];
  for (const w of items) {
    if (w.length < 4) {
      const msg = `insufficient data (got ${w.length} args, need at least 4)`;
      if (json) out(`${lines.join(',\n')}  "error": "${msg}"\n}\n`);
      else out(lines.join(''));
      fatal(`Error: ${msg}`);
    }
    lines.push(json ? `  "${jsonEscape(w[2] as string)}": "${jsonEscape(w[3] as string)}"` : `${w[2]}: ${w[3]}\n`);
  }
  out(json ? `${lines.join(',\n')}\n}\n` : lines.join(''));
}

async function listUpses(client: NutClient, verbose: boolean, json: boolean): Promise<void> {
  let items: string[][];
  try {
    items = await client.list(['UPS']);
  } catch (e) {
    fail(json, requestError(e, 'upsd is too old to support this query'));
  }
  const lines: string[] = [];
  for (const w of items) {
    if (w.length < 3) {
      const msg = `insufficient data (got ${w.length} args, need at least 3)`;
      if (json) out(`${verbose ? '{\n' : '[\n'}${lines.join(',\n')}  ${verbose ? '' : '{'}"error": "${msg}"\n}\n${verbose ? '' : ']\n'}`);
      else out(lines.join(''));
      fatal(`Error: ${msg}`);
    }
    const [name, desc] = [w[1] as string, w[2] as string];
    if (json) lines.push(verbose ? `  "${jsonEscape(name)}": "${jsonEscape(desc)}"` : `  "${jsonEscape(name)}"`);
    else lines.push(verbose ? `${name}: ${desc}\n` : `${name}\n`);
  }
  if (json) out(verbose ? `{\n${lines.join(',\n')}\n}\n` : `[\n${lines.join(',\n')}\n]\n`);
  else out(lines.join(''));
}

async function listClients(client: NutClient, ups: string, json: boolean): Promise<void> {
  let items: string[][];
  try {
    items = await client.list(['CLIENT', ups]);
  } catch (e) {
    fail(json, requestError(e, 'upsd is too old to support this query'));
  }
  const lines: string[] = [];
  for (const w of items) {
    if (w.length < 3) {
      const msg = `insufficient data (got ${w.length} args, need at least 3)`;
      if (json) out(`[\n${lines.join(',\n')}  {"error": "${msg}"\n}\n]\n`);
      else out(lines.join(''));
      fatal(`Error: ${msg}`);
    }
    lines.push(json ? `  "${jsonEscape(w[2] as string)}"` : `${w[2]}\n`);
  }
  if (json) out(`[\n${lines.join(',\n')}\n]\n`);
  else out(lines.join(''));
}
