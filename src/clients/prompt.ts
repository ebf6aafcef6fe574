// Asking the user for a username, password or value, as upscmd/upsrw do when a flag is
// missing — but only on a terminal. hardnut difference: NUT reads a piped stdin (and getpass
// falls back to it), so a script missing -u/-p silently sends whatever stdin holds; hardnut's
// tools refuse instead (NoTerminalError), and never echo a password.
import { userInfo } from 'node:os';
import { HardnutError } from '../core/errors.js';

/** Longest answer read (NUT's buffers are 512 bytes). */
const MAX_ANSWER = 511;

export class NoTerminalError extends HardnutError {
  constructor(what: string) {
    super('ERR_NO_TERMINAL', `${what} (stdin is not a terminal)`);
  }
}

export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** The login name NUT's tools offer as the default username (getpwuid(getuid())). */
export function currentUserName(): string | undefined {
  try { return userInfo().username; } catch { return undefined; }
}

/** Reads one line from the terminal after writing `prompt` to stdout. */
export function promptLine(prompt: string): Promise<string> {
  return readFromTerminal(prompt, process.stdout, false);
}

/** Reads a password: prompt on stderr, nothing echoed. */
export function promptHidden(prompt: string): Promise<string> {
  return readFromTerminal(prompt, process.stderr, true);
}

function readFromTerminal(prompt: string, to: NodeJS.WriteStream, hidden: boolean): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    to.write(prompt);
    let answer = '';
    const raw = hidden && typeof stdin.setRawMode === 'function';
    if (raw) stdin.setRawMode(true);
    const done = (value: string | Error): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      if (hidden) to.write('\n');
      if (value instanceof Error) reject(value); else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\n' || ch === '\r') { done(answer); return; }
        if (ch === '\u0003') { done(new HardnutError('ERR_INTERRUPTED', 'interrupted')); return; }
        if (ch === '\u0004') { done(answer); return; }
        if (ch === '\u007f' || ch === '\b') { answer = answer.slice(0, -1); continue; }
        if (answer.length < MAX_ANSWER) answer += ch;
      }
    };
    const onEnd = (): void => done(new HardnutError('ERR_STDIN_CLOSED', 'Error reading from stdin!'));
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}
