// upsrw: list and set writable variables (NUT's clients/upsrw.c). Output, messages and exit
// codes are NUT 2.8.0's. hardnut differences as upscmd's: STARTTLS is tried, arguments are
// encoded, and missing credentials or values are only asked for on a terminal.
import { strtol } from '../protocol/net/client-codec.js';
import type { NutClient } from '../client/client.js';
import { askCredentials, listNames, runAdminTool, type AdminSession } from './admin-tool.js';
import { errorText, fatal, out, VERSION } from './common.js';
import { DEFAULT_TRACKING_TIMEOUT, askValue, enableTracking, finishCommand, replyOf, sendCredentials } from './credentials.js';

function usage(): string {
  return [
    `Network UPS Tools upsrw (hardnut ${VERSION})`,
    '',
    'usage: upsrw [-h]',
    '       upsrw [-s <variable>] [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups>',
    '',
    'Demo program to set variables within UPS hardware.',
    '',
    '  -h            display this help text',
    '  -s <variable>\tspecify variable to be changed',
    '\t\tuse -s VAR=VALUE to avoid prompting for value',
    '  -l            show all possible read/write variables.',
    '  -u <username> set username for command authentication',
    '  -p <password> set password for command authentication',
    '  -w            wait for the completion of setting by the driver',
    '                and return its actual result from the device',
    `  -t <timeout>\tset a timeout when using -w (in seconds, default: ${DEFAULT_TRACKING_TIMEOUT})`,
    '',
    '  <ups>         UPS identifier - <upsname>[@<hostname>[:<port>]]',
    '',
    'Call without -s to show all possible read/write variables (same as -l).',
    '',
  ].join('\n');
}

export async function main(argv: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  let setvar: string | undefined;
  return runAdminTool({
    prog: 'upsrw',
    optstring: '+hls:p:t:u:wV',
    usage,
    flag: (o) => {
      switch (o.flag) {
        case 's': setvar = o.value as string; return true;
        case 'l':
          if (setvar !== undefined) {
            process.stderr.write('Listing mode requested, overriding setvar specified earlier!\n');
            setvar = undefined;
          }
          return true;
        case 'V': out(`Network UPS Tools upsrw (hardnut ${VERSION})\n`); return 0;
        default: return false;
      }
    },
    run: async (s) => {
      if (setvar !== undefined) await setVariable(s, setvar);
      else await printRwList(s.client, s.upsName);
      return 0;
    },
  }, argv);
}

async function setVariable(s: AdminSession, setvar: string): Promise<void> {
  const { client, upsName: ups } = s;
  const { username, password } = await askCredentials(s);
  const eq = setvar.indexOf('=');
  const name = eq < 0 ? setvar : setvar.slice(0, eq);
  const value = eq < 0 ? await askValue(`Enter new value for ${name}: `, name) : setvar.slice(eq + 1);
  await sendCredentials(client, username, password);
  if (!name.includes('.')) fatal('Error: old variable names are not supported');
  if (s.tracking) await enableTracking(client, 'set variable');
  let reply: string;
  try {
    reply = await replyOf(client, 'SET', ['VAR', ups, name, value]);
  } catch (e) {
    fatal(`Set variable failed: ${errorText(e)}`);
  }
  if (!reply.startsWith('OK')) fatal(`Unexpected response from upsd: ${reply}`);
  await finishCommand(client, reply, s.tracking, s.timeout);
}

/** upsrw.c's get_data: the fourth word of a GET answer, or undefined on any failure. */
async function getData(client: NutClient, type: string, ups: string, name: string): Promise<string | undefined> {
  try {
    return (await client.get([type, ups, name]))[3];
  } catch {
    return undefined;
  }
}

async function printRwList(client: NutClient, ups: string): Promise<void> {
  const names = await listNames(client, ['RW', ups], 4);
  for (const name of names) {
    out(`[${name}]\n`);
    out(`${(await getData(client, 'DESC', ups, name)) ?? 'Description unavailable'}\n`);
    await printType(client, ups, name);
    out('\n');
  }
}

/** upsrw.c's do_type: walks the TYPE words in order, as NUT does. */
async function printType(client: NutClient, ups: string, name: string): Promise<void> {
  let words: string[];
  try {
    words = await client.get(['TYPE', ups, name]);
  } catch {
    out('Unknown type\n');
    return;
  }
  let isEnum = false;
  for (const w of words.slice(3)) {
    const u = w.toUpperCase();
    if (u === 'ENUM') { isEnum = true; continue; }
    if (u === 'RANGE') { await printRange(client, ups, name); return; }
    if (u.startsWith('STRING:')) {
      const len = strtol(w.slice(7));
      if (isEnum) await printEnum(client, ups, name, 'STRING', len);
      else await printString(client, ups, name, len);
      return;
    }
    if (u === 'NUMBER') {
      if (isEnum) await printEnum(client, ups, name, 'NUMBER', 0);
      else await printNumber(client, ups, name);
      return;
    }
    if (u === 'RW') continue;
    out(`Type: ${w} (unrecognized)\n`);
  }
  if (isEnum) await printEnum(client, ups, name, 'NONE', 0);
}

async function currentValue(client: NutClient, ups: string, name: string, fn: string): Promise<string> {
  const v = await getData(client, 'VAR', ups, name);
  if (v === undefined) fatal(`${fn}: can't get current value of ${name}`);
  return v;
}

async function printString(client: NutClient, ups: string, name: string, len: number): Promise<void> {
  const v = await currentValue(client, ups, name, 'do_string');
  out(`Type: STRING\nMaximum length: ${len}\nValue: ${v}\n`);
}

async function printNumber(client: NutClient, ups: string, name: string): Promise<void> {
  const v = await currentValue(client, ups, name, 'do_number');
  out(`Type: NUMBER\nValue: ${v}\n`);
}

/** upsrw.c's list loop: list_start failing is fatal, a failing item just ends the list. */
async function listItems(client: NutClient, query: string[]): Promise<string[][]> {
  try {
    return await client.list(query);
  } catch (e) {
    fatal(`Error: ${errorText(e)}`);
  }
}

async function printEnum(client: NutClient, ups: string, name: string, kind: 'STRING' | 'NUMBER' | 'NONE', len: number): Promise<void> {
  const v = await currentValue(client, ups, name, 'do_enum');
  const items = await listItems(client, ['ENUM', ups, name]);
  out(kind === 'NONE' ? 'Type: ENUM\n' : `Type: ENUM ${kind}\n`);
  if (kind === 'STRING') out(`Maximum length: ${len}\n`);
  for (const w of items) {
    if (w.length < 4) fatal(`Error: insufficient data (got ${w.length} args, need at least 4)`);
    out(`Option: "${w[3]}"${w[3] === v ? ' SELECTED' : ''}\n`);
  }
}

async function printRange(client: NutClient, ups: string, name: string): Promise<void> {
  const v = strtol(await currentValue(client, ups, name, 'do_range'));
  const items = await listItems(client, ['RANGE', ups, name]);
  out('Type: RANGE NUMBER\n');
  for (const w of items) {
    if (w.length < 5) fatal(`Error: insufficient data (got ${w.length} args, need at least 4)`);
    const min = int32(strtol(w[3] as string));
    const max = int32(strtol(w[4] as string));
    out(`Option: "${min}-${max}"${v >= min && v <= max ? ' SELECTED' : ''}\n`);
  }
}

/** atoi() result as a C int. */
function int32(n: number): number {
  return n | 0;
}
