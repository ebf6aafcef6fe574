// NOTIFYCMD (upsmon.conf) and CMDSCRIPT (upssched.conf) as NUT writes them: one config word that
// NUT hands to system() with the message (or timer name) appended, so configs hold shell lines
// such as `NOTIFYCMD "TEMPDIR='/tmp' /usr/local/bin/notify"` (NUT's own tests/NIT/nit.sh).
//
// hardnut runs no shell where an argv will do. A line of literal words — plain characters, '…',
// and "…" holding no $ ` \ — becomes an argv; leading NAME=value words become /usr/bin/env's
// assignments. Anything else runs as NUT runs it, through /bin/sh, as the caller's user, but the
// message is never spliced into the line (NUT 2.8.0 splices it inside double quotes, so a `$(…)`
// in a message ran): the line gets `"$1"` appended and the message is sh's first positional
// parameter, which the shell never parses. The caller appends the message to the argv returned.
// Pure: text in, argv out.

export const SHELL_PATH = '/bin/sh';
export const ENV_PATH = '/usr/bin/env';

export type CommandForm = 'argv' | 'env' | 'shell';

export type CommandLine =
  | { ok: true; form: CommandForm; argv: string[] }
  | { ok: false; message: string; hint: string };

/** Characters that mean nothing to sh outside quotes (no glob, tilde, comment, brace or history). */
const PLAIN = /[A-Za-z0-9_/.,:@%+=^-]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

interface Word { text: string; raw: string }

/**
 * The words of `line` when sh would give exactly these literal words, or undefined when the
 * line needs a shell (variables, substitutions, operators, globs, escapes…).
 */
export function literalWords(line: string): Word[] | undefined {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t') { i++; continue; }
    let text = '';
    const start = i;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const ch = line[i] as string;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return undefined;
        text += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        const end = line.indexOf('"', i + 1);
        if (end < 0) return undefined;
        const inner = line.slice(i + 1, end);
        if (/[$`\\]/.test(inner)) return undefined;
        text += inner;
        i = end + 1;
      } else if (PLAIN.test(ch)) {
        text += ch;
        i++;
      } else {
        return undefined;
      }
    }
    words.push({ text, raw: line.slice(start, i) });
  }
  return words;
}

/** How a one-word NOTIFYCMD/CMDSCRIPT line is run; the caller appends the message to argv. */
export function commandLine(line: string): CommandLine {
  const words = literalWords(line);
  if (words !== undefined && words.length > 0) {
    // an assignment is NAME=… with NAME unquoted, before the program (as sh reads it)
    let n = 0;
    while (n < words.length && ASSIGNMENT.test((words[n] as Word).raw)) n++;
    if (n === 0) return { ok: true, form: 'argv', argv: words.map((w) => w.text) };
    // (a quoted 'A=b' program name would be an assignment to env: that one goes to sh)
    if (n < words.length && !ASSIGNMENT.test((words[n] as Word).text)) {
      // `--`: a program name starting with - is still the program, as in sh
      return { ok: true, form: 'env', argv: [ENV_PATH, '--', ...words.map((w) => w.text)] };
    }
  }
  const trimmed = line.trimEnd();
  if (trimmed === '' || /[;&|\\]$/.test(trimmed)) {
    // NUT appends the message: after a trailing operator it would run the message as a command
    return {
      ok: false,
      message: 'the command line is empty or ends with an operator (; & | or \\), so the message would be run as a command',
      hint: 'end the line with the program and its arguments; the message is added as the last argument',
    };
  }
  return { ok: true, form: 'shell', argv: [SHELL_PATH, '-c', `${line} "$1"`, 'sh'] };
}

/**
 * The program an argv from commandLine runs, where it can be told without a shell (config check
 * looks for upssched); undefined for a shell line.
 */
export function programOf(argv: readonly string[]): string | undefined {
  if (argv[0] === SHELL_PATH && argv[1] === '-c') return undefined;
  if (argv[0] === ENV_PATH && argv[1] === '--') return argv.slice(2).find((w) => !ASSIGNMENT.test(w));
  return argv[0];
}
