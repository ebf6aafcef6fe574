// What upscmd and upsrw share: asking for credentials, sending them as NUT's tools do (the
// replies are not checked: a wrong password shows later, as ACCESS-DENIED, §2.2), and waiting
// for a TRACKING result (`-w`, §2.5).
import type { NutClient } from '../client/client.js';
import { NutError } from '../protocol/net/client-errors.js';
import { errorText, fatal } from './common.js';
import { currentUserName, promptHidden, promptLine, stdinIsTerminal } from './prompt.js';

/** upscmd/upsrw -t default (NUT's DEFAULT_TRACKING_TIMEOUT), seconds. */
export const DEFAULT_TRACKING_TIMEOUT = 10;
/** "OK TRACKING " + a 36-character UUID: the only reply upscmd/upsrw treat as tracked. */
const TRACKED_REPLY = /^OK TRACKING (.{36})$/;

/** NUT's str_to_uint for -t. */
export function parseTimeout(text: string): number | undefined {
  if (!/^\s*\+?\d+$/.test(text)) return undefined;
  const n = Number(text.trim());
  return n <= 0xffffffff ? n : undefined;
}

/** The username: -u, else asked on the terminal (empty answer: the login name). */
export async function askUsername(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const me = currentUserName();
  if (!stdinIsTerminal()) fatal('Error: no username given (use -u) and stdin is not a terminal to ask for one');
  let answer: string;
  try {
    answer = await promptLine(me !== undefined ? `Username (${me}): ` : 'Username: ');
  } catch {
    fatal('Error reading from stdin!');
  }
  if (answer !== '') return answer;
  if (me === undefined) fatal('No username available - even tried getpwuid');
  return me;
}

export async function askPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (!stdinIsTerminal()) fatal('Error: no password given (use -p) and stdin is not a terminal to ask for one');
  try {
    return await promptHidden('Password: ');
  } catch (e) {
    fatal(`getpass failed: ${errorText(e)}`);
  }
}

/** Asks on the terminal, writing the prompt to stdout (upsrw's "Enter new value for …: "). */
export async function askValue(prompt: string, what: string): Promise<string> {
  if (!stdinIsTerminal()) fatal(`Error: no value given for ${what} (use -s ${what}=VALUE) and stdin is not a terminal to ask for one`);
  try {
    return await promptLine(prompt);
  } catch {
    fatal('Error reading from stdin!');
  }
}

/** The reply line of a command, ERR lines included (NUT's tools read lines without checking them). */
export async function replyOf(client: NutClient, command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  try {
    return (await client.command(command, args, timeoutMs)).raw;
  } catch (e) {
    if (e instanceof NutError) return e.reply;
    throw e;
  }
}

/** USERNAME and PASSWORD, failing with upscmd/upsrw's messages on a broken connection. */
export async function sendCredentials(client: NutClient, user: string, pass: string): Promise<void> {
  try {
    await replyOf(client, 'USERNAME', [user]);
  } catch (e) {
    fatal(`Set username failed: ${errorText(e)}`);
  }
  try {
    await replyOf(client, 'PASSWORD', [pass]);
  } catch (e) {
    fatal(`Set password failed: ${errorText(e)}`);
  }
}

/** `SET TRACKING ON` for -w, with the tool's wording ("command" or "set variable"). */
export async function enableTracking(client: NutClient, what: string): Promise<void> {
  let reply: string;
  try {
    reply = await replyOf(client, 'SET', ['TRACKING', 'ON']);
  } catch (e) {
    fatal(`Enabling ${what} status tracking failed: ${errorText(e)}`);
  }
  if (!reply.startsWith('OK')) fatal(`Enabling ${what} status tracking failed. upsd answered: ${reply}`);
}

/**
 * After an OK: prints the reply (stderr), or with -w and a tracking id polls GET TRACKING once
 * a second until it is no longer PENDING and prints that answer. The deadline is checked
 * before each poll, as upscmd does (-t 0: no poll at all).
 */
export async function finishCommand(client: NutClient, reply: string, tracking: boolean, timeoutSec: number): Promise<void> {
  const m = tracking ? TRACKED_REPLY.exec(reply) : null;
  if (!m) { process.stderr.write(`${reply}\n`); return; }
  const id = m[1] as string;
  const start = Date.now();
  for (;;) {
    if (Date.now() - start >= timeoutSec * 1000) fatal("Can't receive status tracking information: timeout");
    let answer: string;
    try {
      answer = await replyOf(client, 'GET', ['TRACKING', id], Math.max(timeoutSec * 1000, 1));
    } catch (e) {
      fatal(`Can't receive status tracking information: ${errorText(e)}`);
    }
    if (!answer.startsWith('PENDING')) { process.stderr.write(`${answer}\n`); return; }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
