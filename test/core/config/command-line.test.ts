// NUT's one-word NOTIFYCMD/CMDSCRIPT shell lines (src/core/config/command-line.ts): literal lines
// become an argv (or /usr/bin/env's), the rest runs through /bin/sh with the message as "$1".
// Each argv is run for real here, with a message full of shell syntax appended as the caller does.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, programOf } from '../../../src/core/config/command-line.js';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { parseUpsschedConf } from '../../../src/core/config/upssched-conf.js';

const argvOf = (line: string): string[] => {
  const c = commandLine(line);
  if (!c.ok) throw new Error(c.message);
  return c.argv;
};

/** Runs argv + message as the notifier does; what the program printed. */
function runWith(argv: string[], message: string, env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' }): string {
  const [cmd, ...args] = argv as [string, ...string[]];
  return execFileSync(cmd, [...args, message], { env, encoding: 'utf8' });
}

describe('commandLine', () => {
  it('a plain path, and plain words, stay an argv', () => {
    expect(commandLine('/usr/sbin/upssched')).toEqual({ ok: true, form: 'argv', argv: ['/usr/sbin/upssched'] });
    expect(commandLine('/usr/local/bin/notify --to=ops -v')).toEqual({ ok: true, form: 'argv', argv: ['/usr/local/bin/notify', '--to=ops', '-v'] });
    expect(commandLine(`/bin/notify 'two words' "and three words"`)).toMatchObject({ form: 'argv', argv: ['/bin/notify', 'two words', 'and three words'] });
  });

  it("NUT's nit.sh form: leading NAME=value words become env's assignments, no shell", () => {
    expect(commandLine("TEMPDIR='/run/nut state' /usr/share/nut/notifyme-debug")).toEqual({
      ok: true, form: 'env', argv: ['/usr/bin/env', '--', 'TEMPDIR=/run/nut state', '/usr/share/nut/notifyme-debug'],
    });
    expect(runWith(argvOf("TEMPDIR='/a b' X=1 /bin/sh -c 'echo \"$TEMPDIR|$X|$0\"'"), 'msg')).toBe('/a b|1|msg\n');
    // a quoted NAME is not an assignment to sh, so it is not one here either
    expect(commandLine("'A=b' /bin/true")).toMatchObject({ form: 'argv', argv: ['A=b', '/bin/true'] });
    expect(commandLine("A=b 'C=d' /bin/true")).toMatchObject({ form: 'shell' });
  });

  it('anything needing a shell runs through /bin/sh, the message as "$1", never parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-cmdline-'));
    try {
      const argv = argvOf('TEMPDIR=$HOME/x; printf "%s|%s\\n" "$TEMPDIR"');
      expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      const evil = `UPS on battery $(touch ${dir}/a) \`touch ${dir}/b\`; touch ${dir}/c "' \\`;
      expect(runWith(argv, evil, { PATH: '/usr/bin:/bin', HOME: '/h' })).toBe(`/h/x|${evil}\n`);
      expect(['a', 'b', 'c'].filter((f) => existsSync(join(dir, f)))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a line ending in an operator (the message would run as a command) is refused', () => {
    for (const line of ['/bin/notify &', '/bin/notify;', '/bin/a | ', '/bin/a &&', '/bin/a \\', '  ']) {
      expect(commandLine(line).ok, line).toBe(false);
    }
  });

  it('programOf names the program of an argv or env form, not of a shell line', () => {
    expect(programOf(argvOf('/usr/sbin/upssched'))).toBe('/usr/sbin/upssched');
    expect(programOf(argvOf('NUT_CONFPATH=/etc/nut /usr/sbin/upssched'))).toBe('/usr/sbin/upssched');
    expect(programOf(argvOf('cd / && upssched'))).toBeUndefined();
  });
});

describe('in the config readers', () => {
  it('upsmon.conf: one-word NOTIFYCMD read as NUT runs it; several words stay hardnut\'s argv; an operator at the end is an error at its line', () => {
    const r = parseUpsmonConf('NOTIFYCMD "TEMPDIR=\'/tmp\' /usr/local/bin/notify"\nNOTIFYCMD /usr/bin/env "A=b" /bin/prog\nNOTIFYCMD "/bin/prog &"\n', 'upsmon.conf');
    expect(r.value.notifyCmds).toEqual([['/usr/bin/env', '--', 'TEMPDIR=/tmp', '/usr/local/bin/notify'], ['/usr/bin/env', 'A=b', '/bin/prog']]);
    expect(r.diagnostics.filter((d) => d.severity === 'error' && d.message.startsWith('NOTIFYCMD'))).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/operator/) })]);
  });

  it('upssched.conf: CMDSCRIPT follows the same rule', () => {
    const r = parseUpsschedConf('CMDSCRIPT "LOG=/var/log/ups /usr/local/bin/upssched-cmd"\nPIPEFN /run/nut/p\nLOCKFN /run/nut/l\n', 'upssched.conf');
    expect(r.value.cmdScript).toEqual(['/usr/bin/env', '--', 'LOG=/var/log/ups', '/usr/local/bin/upssched-cmd']);
    expect(parseUpsschedConf('CMDSCRIPT "exec >>/tmp/log 2>&1; /bin/cmd"\n', 'upssched.conf').value.cmdScript?.[0]).toBe('/bin/sh');
  });
});
