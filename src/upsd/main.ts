// `hardnut upsd`: NUT's network server (spec §2), with NUT's flags and files.
//
// This module reads the command line only: -h and -V answer from here, without loading the
// server, its config parsers, net, crypto or tls (issue 13: each tool loads what it uses;
// bench/startup.mjs times `upsd -h`). Everything else, serving and `-c reload|stop`, is in
// serve.ts, loaded on demand.
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { parsePidOption } from '../runtime/pidfile.js';
import { UsageError } from '../core/errors.js';
import { HARDNUT_VERSION_STRING } from './version.js';
import { NUT_COMPAT_VERSION } from '../protocol/net/server-replies.js';

const OPTSTRING = 'h46p:qr:i:u:Vc:P:DFB';

export interface Options {
  command?: 'reload' | 'stop';
  pid?: number;
  debug: number;
  /** -F count (1 or 2: foreground; the pid file is written either way); 0 = -B. */
  foreground?: number;
  family?: 4 | 6;
  user?: string;
  chroot?: string;
}

function parseArgs(argv: readonly string[]): Options | 'help' | 'version' {
  const { options, operands } = getopt(argv, OPTSTRING);
  if (operands.length > 0) throw new UsageError(`unexpected argument '${operands[0] as string}' (upsd -h lists the options)`);
  const o: Options = { debug: 0 };
  for (const opt of options) {
    const v = opt.value ?? '';
    switch (opt.flag) {
      case 'h': return 'help';
      case 'V': return 'version';
      case 'p':
      case 'i':
        throw new UsageError("listening addresses are no longer given with -i and -p: use 'LISTEN <address> [<port>]' in upsd.conf");
      case 'c':
        // NUT accepts any prefix of the command name
        if (v !== '' && 'reload'.startsWith(v)) o.command = 'reload';
        else if (v !== '' && 'stop'.startsWith(v)) o.command = 'stop';
        else throw new UsageError(`unknown command for -c: '${v}' (reload or stop)`);
        break;
      case 'P': o.pid = parsePidOption(v); break;
      case 'D': o.debug++; break;
      case 'F': o.foreground = o.foreground !== undefined && o.foreground > 0 ? 2 : 1; break;
      case 'B': o.foreground = 0; break;
      case '4': o.family = 4; break;
      case '6': o.family = 6; break;
      case 'u': o.user = v; break;
      case 'r': o.chroot = v; break;
      case 'q': break;
      default: break;
    }
  }
  return o;
}

function helpText(): string {
  return [
    `Network UPS Tools upsd ${NUT_COMPAT_VERSION} (hardnut ${HARDNUT_VERSION_STRING}): the network server for UPS data`,
    '',
    'usage: hardnut upsd [OPTIONS]',
    '',
    '  -c <command>  signal the running upsd: reload (re-read the configuration) or stop',
    '  -P <pid>      signal this process instead of the one in the pid file (with -c)',
    '  -D            more debug output (and stay in the foreground)',
    '  -F            stay in the foreground (the pid file is written all the same)',
    '  -B            go to the background even with -D',
    '  -u <user>     run as <user> once started (when started as root; default nut)',
    '  -r <dir>      chroot to <dir>; every configured path is then inside <dir>',
    '  -4 / -6       IPv4 only / IPv6 only',
    '  -q            accepted for compatibility',
    '  -V            print the version and exit',
    '  -h            this help',
    '',
    'Files: upsd.conf, ups.conf and upsd.users in NUT_CONFPATH; pid file upsd.pid in NUT_ALTPIDPATH.',
    '',
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = new Logger('upsd');
  let o: Options;
  try {
    const r = parseArgs(argv);
    if (r === 'help') { process.stdout.write(helpText()); return 0; }
    if (r === 'version') { process.stdout.write(`Network UPS Tools upsd ${NUT_COMPAT_VERSION} (hardnut ${HARDNUT_VERSION_STRING})\n`); return 0; }
    o = r;
  } catch (err) {
    log.error(`upsd: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  }
  log.debugLevel = o.debug;
  return await (await import('./serve.js')).run(o, env, log);
}
