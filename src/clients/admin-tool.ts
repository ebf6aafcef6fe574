// What upscmd and upsrw share before their own work (NUT's upscmd.c and upsrw.c main()): glibc
// getopt's complaint followed by the usage, the -u/-p/-w/-t flags, the <ups> operand, the
// connection (closed quietly at the end), and asking for the credentials. Each tool keeps its
// own flags ('V' included: upscmd prints the version on stderr, upsrw on stdout).
import { splitName } from '../client/ups-spec.js';
import type { NutClient } from '../client/client.js';
import { NutError } from '../protocol/net/client-errors.js';
import { closeQuietly, connectOrDie, errorText, fatal, getopts, out, runTool, specFailure, type Opt } from './common.js';
import { DEFAULT_TRACKING_TIMEOUT, askPassword, askUsername, parseTimeout } from './credentials.js';

/** -u, -p, -w and -t as given. */
export interface AdminFlags {
  user: string | undefined;
  pass: string | undefined;
  tracking: boolean;
  /** -t, seconds (§2.5 TRACKING). */
  timeout: number;
}

/** A connected admin tool: its flags, the UPS name, and every operand (<ups> first). */
export interface AdminSession extends AdminFlags {
  client: NutClient;
  upsName: string;
  operands: string[];
}

export interface AdminTool {
  prog: string;
  optstring: string;
  usage(): string;
  /**
   * One of the tool's own flags, in command-line order with the shared ones: true if it took
   * the flag, a number to exit with at once, false for the shared handling (unknown: usage).
   */
  flag(o: Opt): boolean | number;
  /** The tool's work once connected; the connection is closed afterwards. */
  run(session: AdminSession): Promise<number>;
}

/** upscmd's and upsrw's main(): options, the <ups> operand, the connection, then the tool. */
export function runAdminTool(tool: AdminTool, argv: readonly string[]): Promise<number> {
  return runTool(async () => {
    const parsed = getopts(tool.prog, argv, tool.optstring);
    if (parsed.error !== undefined) {
      process.stderr.write(`${parsed.error}\n`);
      out(tool.usage());
      return 0;
    }
    const flags: AdminFlags = { user: undefined, pass: undefined, tracking: false, timeout: DEFAULT_TRACKING_TIMEOUT };
    for (const o of parsed.options) {
      const own = tool.flag(o);
      if (typeof own === 'number') return own;
      if (own) continue;
      switch (o.flag) {
        case 'u': flags.user = o.value as string; break;
        case 'p': flags.pass = o.value as string; break;
        case 't': {
          const t = parseTimeout(o.value as string);
          if (t === undefined) fatal("Could not convert the provided value for timeout ('-t' option) to unsigned int: Invalid argument");
          flags.timeout = t;
          break;
        }
        case 'w': flags.tracking = true; break;
        default: out(tool.usage()); return 0;
      }
    }
    const operands = parsed.operands;
    if (operands.length < 1) { out(tool.usage()); return 0; }
    let spec;
    try {
      spec = splitName(operands[0]);
    } catch (e) {
      specFailure(e, 'Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]');
    }
    let client: NutClient | undefined;
    try {
      client = await connectOrDie(spec, 'try');
      return await tool.run({ ...flags, client, upsName: spec.upsName, operands });
    } finally {
      await closeQuietly(client);
    }
  });
}

/**
 * The names (third words) of a LIST (`upscmd -l`: CMD, upsrw: RW), with the tools' messages for
 * an old upsd, a failed request, and an item shorter than `need` words.
 */
export async function listNames(client: NutClient, query: string[], need: number): Promise<string[]> {
  let items: string[][];
  try {
    items = await client.list(query);
  } catch (e) {
    if (e instanceof NutError && e.word === 'UNKNOWN-COMMAND') fatal('Error: upsd is too old to support this query');
    fatal(`Error: ${errorText(e)}`);
  }
  const names: string[] = [];
  for (const w of items) {
    if (w.length < need) fatal(`Error: insufficient data (got ${w.length} args, need at least ${need})`);
    names.push(w[2] as string);
  }
  return names;
}

/** -u and -p, or the terminal's answers: both are asked for before either is sent, as NUT does. */
export async function askCredentials(flags: AdminFlags): Promise<{ username: string; password: string }> {
  const username = await askUsername(flags.user);
  const password = await askPassword(flags.pass);
  return { username, password };
}
