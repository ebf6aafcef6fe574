// `hardnut config check [DIR]`: validates every NUT config file in DIR (default: NUT_CONFPATH or
// /etc/nut) and how they fit together. Diagnostics go to stderr, one summary line to stdout.
// Exit 0 = no errors (warnings allowed), 1 = errors or an unusable DIR, 2 = usage.

import { confPath } from '../core/paths.js';
import { ConfigError } from '../core/errors.js';
import { countBySeverity, formatDiagnostic } from '../core/config/diagnostics.js';
import { checkConfigDir, CONFIG_FILES } from '../runtime/config-files.js';

const USAGE = 'usage: hardnut config check [DIR]\n'
  + '  Validates nut.conf, ups.conf, upsd.conf, upsd.users, upsmon.conf and upssched.conf in DIR\n'
  + '  (default: $NUT_CONFPATH, else /etc/nut). Exits 1 if any error is found.\n';

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'check') {
    process.stderr.write(sub === undefined ? USAGE : `hardnut config: unknown command '${sub}'\n${USAGE}`);
    return 2;
  }
  if (rest.length > 1 || (rest[0] !== undefined && rest[0].startsWith('-'))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const dir = rest[0] ?? confPath(env);

  let result;
  try {
    result = await checkConfigDir(dir);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hardnut config check: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (result.filesChecked.length === 0) {
    process.stderr.write(`hardnut config check: no NUT config files in ${dir} (looked for ${CONFIG_FILES.join(', ')})\n`);
    return 1;
  }
  const { errors, warnings } = countBySeverity(result.diagnostics);
  process.stdout.write(`checked ${plural(result.filesChecked.length, 'file')} in ${dir}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors > 0 ? 1 : 0;
}
