// What upsc, upscmd, upsrw and upslog share: NUT's way of failing (message on stderr, exit 1),
// glibc getopt's messages, and connecting with libupsclient's error texts.
import { NutClient, type StartTls } from '../client/client.js';
import { SpecError, type ServerAddress } from '../client/ups-spec.js';
import { getopt, type Option } from '../runtime/getopt.js';
import { UsageError } from '../core/errors.js';

declare const HARDNUT_VERSION: string;
/** hardnut's version (set by the build, as in src/driver/runtime.ts). */
export const VERSION = typeof HARDNUT_VERSION === 'string' ? HARDNUT_VERSION : '0.0.0-dev';

/** NUT's fatalx(): the lines go to stderr, the tool exits with `code`. */
export class ToolExit extends Error {
  constructor(readonly code: number, readonly lines: readonly string[] = []) {
    super(lines.join('\n'));
  }
}

export function fatal(...lines: string[]): never {
  throw new ToolExit(1, lines);
}

export function out(text: string): void {
  process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text);
}

/** Runs a tool body; ToolExit becomes its stderr lines and exit code. */
export async function runTool(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof ToolExit) {
      for (const line of e.lines) err(`${line}\n`);
      return e.code;
    }
    throw e;
  }
}

export type { Option as Opt } from '../runtime/getopt.js';

/**
 * getopt (src/runtime/getopt.ts) reporting problems as glibc does ("upsc: invalid option -- 'j'"):
 * NUT's tools then print their usage and exit 0.
 */
export function getopts(prog: string, argv: readonly string[], spec: string): { options: Option[]; operands: string[]; error?: string } {
  try {
    return getopt(argv, spec);
  } catch (e) {
    if (e instanceof UsageError) return { options: [], operands: [], error: `${prog}: ${e.message}` };
    throw e;
  }
}

/** Connects as libupsclient does; failure is NUT's "Error: <reason>", exit 1. */
export async function connectOrDie(address: ServerAddress, startTls: StartTls = 'try'): Promise<NutClient> {
  try {
    return await NutClient.connect(address, { startTls: 'path' in address ? 'never' : startTls });
  } catch (e) {
    fatal(`Error: ${(e as Error).message}`);
  }
}

/** The stderr lines of NUT's tools for a spec upscli refuses. */
export function specFailure(e: unknown, ...message: string[]): never {
  if (e instanceof SpecError && e.detail !== undefined) fatal(e.detail, ...message);
  fatal(...message);
}

/** Closes quietly (LOGOUT when idle), as the tools' atexit handlers do. */
export async function closeQuietly(client: NutClient | undefined): Promise<void> {
  if (!client) return;
  try { await client.close(); } catch { /* exiting anyway */ }
}

/** libupsclient's message for any error a request can end with. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
