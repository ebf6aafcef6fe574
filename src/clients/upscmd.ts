// upscmd: instant commands (NUT's clients/upscmd.c). Output, messages and exit codes are NUT
// 2.8.0's. hardnut differences: STARTTLS is tried (NUT's upscmd sends the password in clear
// even to a TLS-capable upsd), arguments are encoded so a value or password with spaces,
// quotes or '#' arrives intact, and credentials are only asked for on a terminal.
import type { NutClient } from '../client/client.js';
import { askCredentials, listNames, runAdminTool } from './admin-tool.js';
import { errorText, fatal, out, VERSION } from './common.js';
import { DEFAULT_TRACKING_TIMEOUT, enableTracking, finishCommand, replyOf, sendCredentials } from './credentials.js';

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
  let list = false;
  return runAdminTool({
    prog: 'upscmd',
    optstring: '+lhu:p:t:wV',
    usage,
    flag: (o) => {
      if (o.flag === 'l') { list = true; return true; }
      if (o.flag === 'V') { process.stderr.write(`Network UPS Tools upscmd (hardnut ${VERSION})\n`); return 0; }
      return false;
    },
    run: async (s) => {
      const { client, upsName, operands: args } = s;
      if (list) { await listCommands(client, upsName); return 0; }
      if (args.length < 2) { out(usage()); return 0; }
      const cmd = args[1] as string;
      if (!cmd.includes('.')) fatal('Error: old command names are not supported');
      const { username, password } = await askCredentials(s);
      await sendCredentials(client, username, password);
      if (s.tracking) await enableTracking(client, 'command');

      const cmdArgs = args.length > 2 ? [upsName, cmd, args[2] as string] : [upsName, cmd];
      let reply: string;
      try {
        reply = await replyOf(client, 'INSTCMD', cmdArgs);
      } catch (e) {
        fatal(`Instant command failed: ${errorText(e)}`);
      }
      if (!reply.startsWith('OK')) fatal(`Unexpected response from upsd: ${reply}`);
      await finishCommand(client, reply, s.tracking, s.timeout);
      return 0;
    },
  }, argv);
}

/** `upscmd -l`: every command, with its description where upsd has one. */
async function listCommands(client: NutClient, ups: string): Promise<void> {
  const names = await listNames(client, ['CMD', ups], 3);
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
