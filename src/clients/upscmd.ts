// upscmd: instant commands (NUT's clients/upscmd.c). Output, messages and exit codes are NUT
// 2.8.0's. hardnut differences: STARTTLS is tried (NUT's upscmd sends the password in clear
// even to a TLS-capable upsd), arguments are encoded so a value or password with spaces,
// quotes or '#' arrives intact, and credentials are only asked for on a terminal.
import { splitName } from '../client/ups-spec.js';
import { NutError } from '../protocol/net/client-errors.js';
import type { NutClient } from '../client/client.js';
import { closeQuietly, connectOrDie, errorText, fatal, getopts, out, runTool, specFailure, VERSION } from './common.js';
import {
  DEFAULT_TRACKING_TIMEOUT, askPassword, askUsername, enableTracking, finishCommand, parseTimeout, replyOf, sendCredentials,
} from './credentials.js';

function usage(): string {
  return [
    `Network UPS Tools upscmd (hardnut ${VERSION})`,
    '',
    'usage: upscmd [-h]',
    '       upscmd [-l <ups>]',
    '       upscmd [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups> <command> [<value>]',
    '',
    'Administration program to initiate instant commands on UPS hardware.',
    '',
    '  -h\t\tdisplay this help text',
    '  -l <ups>\tshow available commands on UPS <ups>',
    '  -u <username>\tset username for command authentication',
    '  -p <password>\tset password for command authentication',
    '  -w            wait for the completion of command by the driver',
    '                and return its actual result from the device',
    `  -t <timeout>\tset a timeout when using -w (in seconds, default: ${DEFAULT_TRACKING_TIMEOUT})`,
    '',
    '  <ups>\t\tUPS identifier - <upsname>[@<hostname>[:<port>]]',
    '  <command>\tValid instant command - test.panel.start, etc.',
    '  [<value>]\tAdditional data for command - number of seconds, etc.',
    '',
  ].join('\n');
}

export async function main(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  return runTool(async () => {
    const parsed = getopts('upscmd', argv, '+lhu:p:t:wV');
    if (parsed.error !== undefined) {
      process.stderr.write(`${parsed.error}\n`);
      out(usage());
      return 0;
    }
    let list = false;
    let user: string | undefined;
    let pass: string | undefined;
    let tracking = false;
    let timeout = DEFAULT_TRACKING_TIMEOUT;
    for (const o of parsed.options) {
      switch (o.flag) {
        case 'l': list = true; break;
        case 'u': user = o.value as string; break;
        case 'p': pass = o.value as string; break;
        case 't': {
          const t = parseTimeout(o.value as string);
          if (t === undefined) fatal("Could not convert the provided value for timeout ('-t' option) to unsigned int: Invalid argument");
          timeout = t;
          break;
        }
        case 'w': tracking = true; break;
        case 'V': process.stderr.write(`Network UPS Tools upscmd (hardnut ${VERSION})\n`); return 0;
        default: out(usage()); return 0;
      }
    }
    const args = parsed.operands;
    if (args.length < 1) { out(usage()); return 0; }
    let spec;
    try {
      spec = splitName(args[0]);
    } catch (e) {
      specFailure(e, 'Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]');
    }
    let client: NutClient | undefined;
    try {
      client = await connectOrDie(spec, 'try');
      if (list) { await listCommands(client, spec.upsName); return 0; }
      if (args.length < 2) { out(usage()); return 0; }
      const cmd = args[1] as string;
      if (!cmd.includes('.')) fatal('Error: old command names are not supported');
      const username = await askUsername(user);
      const password = await askPassword(pass);
      await sendCredentials(client, username, password);
      if (tracking) await enableTracking(client, 'command');

      const cmdArgs = args.length > 2 ? [spec.upsName, cmd, args[2] as string] : [spec.upsName, cmd];
      let reply: string;
      try {
        reply = await replyOf(client, 'INSTCMD', cmdArgs);
      } catch (e) {
        fatal(`Instant command failed: ${errorText(e)}`);
      }
      if (!reply.startsWith('OK')) fatal(`Unexpected response from upsd: ${reply}`);
      await finishCommand(client, reply, tracking, timeout);
      return 0;
    } finally {
      await closeQuietly(client);
    }
  });
}

/** `upscmd -l`: every command, with its description where upsd has one. */
async function listCommands(client: NutClient, ups: string): Promise<void> {
  let items: string[][];
  try {
    items = await client.list(['CMD', ups]);
  } catch (e) {
    if (e instanceof NutError && e.code === 'UNKNOWN-COMMAND') fatal('Error: upsd is too old to support this query');
    fatal(`Error: ${errorText(e)}`);
  }
  const names: string[] = [];
  for (const w of items) {
    if (w.length < 3) fatal(`Error: insufficient data (got ${w.length} args, need at least 3)`);
    names.push(w[2] as string);
  }
  out(`Instant commands supported on UPS [${ups}]:\n\n`);
  for (const name of names) {
    let desc: string | undefined;
    try {
      desc = (await client.get(['CMDDESC', ups, name]))[3];
    } catch {
      desc = undefined;
    }
    out(desc === undefined ? `${name}\n` : `${name} - ${desc}\n`);
  }
}
