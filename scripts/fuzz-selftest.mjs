#!/usr/bin/env node
// `npm run fuzz:selftest`: proves the fuzz harness finds bugs. In a scratch copy of the repo it
// first runs the fuzz targets below on the unmodified code (they must pass), then plants one known
// defect at a time, runs the targets that should catch it, and checks that a fuzz property fails.
// Exit 0 only if the baseline passes and every planted defect is caught.
//
//   FUZZ_SECONDS   seconds per property in these runs (default 2)
//   KEEP=1         keep the scratch copy (its path is printed)
//
// The scratch copy holds src/, test/, conf/, package.json, tsconfig.json and vitest.config.ts;
// node_modules is a symlink. Nothing in the real tree is touched.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = process.env.FUZZ_SECONDS && process.env.FUZZ_SECONDS !== '' ? process.env.FUZZ_SECONDS : '2';

const T = {
  tokenizer: 'test/fuzz/tokenizer.fuzz.test.ts',
  sock: 'test/fuzz/sock-codec.fuzz.test.ts',
  dummy: 'test/fuzz/dummy-ups.fuzz.test.ts',
  server: 'test/fuzz/state-server.fuzz.test.ts',
  config: 'test/fuzz/config.fuzz.test.ts',
  frame: 'test/fuzz/notify-frame.fuzz.test.ts',
  localmon: 'test/fuzz/localmon.fuzz.test.ts',
  initctl: 'test/fuzz/initctl.fuzz.test.ts',
  upssched: 'test/fuzz/upssched.fuzz.test.ts',
  reply: 'test/fuzz/client-reply.fuzz.test.ts',
  killpower: 'test/fuzz/killpower-flag.fuzz.test.ts',
  script: 'test/fuzz/script.fuzz.test.ts',
  http: 'test/fuzz/http-request.fuzz.test.ts',
  rules: 'test/fuzz/rules.fuzz.test.ts',
  upslog: 'test/fuzz/upslog-trace.fuzz.test.ts',
};

// The properties that judge a codec by the spec's literal charset and limits, not by its own code.
const FRAME_SPEC = 'notify-frame codec against the spec';
const SHUTDOWN_RULE = "the dispatcher's shutdown guard against NUT's MINSUPPLIES rule";
const NOTIFIER_READER = "the notifier's frame reader";

/** Each defect: one exact replacement in one file, and the targets expected to catch it. */
const DEFECTS = [
  {
    name: 'tokenizer keeps 33 words (off by one on the 32-word limit, §1.3)',
    file: 'src/core/tokenizer.ts',
    from: 'this.maxArgs = limits.maxArgs ?? MAX_ARGS;',
    to: 'this.maxArgs = (limits.maxArgs ?? MAX_ARGS) + 1;',
    targets: [T.tokenizer],
  },
  {
    name: 'tokenizer keeps 513 characters (off by one on the 512-char limit, §1.3)',
    file: 'src/core/tokenizer.ts',
    from: 'this.maxArgLen = limits.maxArgLen ?? MAX_ARG_LEN;',
    to: 'this.maxArgLen = (limits.maxArgLen ?? MAX_ARG_LEN) + 1;',
    targets: [T.tokenizer],
  },
  {
    name: 'tokenizer stores bytes ≥ 0x80 (the CVE-2012-2944 filter undone, §1.1)',
    file: 'src/core/tokenizer.ts',
    from: 'if (c < 0x20 || c > 0x7f) return;',
    to: 'if (c < 0x20) return;',
    targets: [T.tokenizer],
  },
  {
    name: 'encodeValue does not escape the backslash (§1.5)',
    file: 'src/core/tokenizer.ts',
    from: "return value.replace(/[#\\\\\"]/g, '\\\\$&');",
    to: "return value.replace(/[#\"]/g, '\\\\$&');",
    targets: [T.sock, T.tokenizer],
  },
  {
    name: 'SockDecoder checks the line length per chunk only (bytes carried over from earlier reads forgotten)',
    file: 'src/protocol/sock/decoder.ts',
    from: 'if (since + (end - pos) > max) {',
    to: 'if (end - pos > max) {',
    targets: [T.sock, T.server],
  },
  {
    name: 'NOTIFYMSG check counts %s but lets other conversions through (%n, %x: NUT #2450 undone)',
    file: 'src/core/config/upsmon-conf.ts',
    from: "if (template[i] !== '%') continue;",
    to: "if (template[i] !== '%' || (template[i + 1] !== 's' && template[i + 1] !== '%')) continue;",
    targets: [T.config],
    // only this reader's property: the others in the file do not look at NOTIFYMSG
    filter: 'upsmon.conf: never throws',
  },
  {
    name: 'DriverState.setInfo publishes any name (quotes, spaces, 600 chars)',
    file: 'src/driver/dstate.ts',
    from: 'if (!isValidName(name)) return false;\n    const capped',
    to: "if (name === '') return false;\n    const capped",
    targets: [T.dummy, T.server],
  },
  // The framed pipe (upsmon's network child → dispatcher, issue 19): its charset and limits first.
  {
    name: 'notify-frame name charset admits the backslash (A-Z range widened to 0x5c)',
    file: 'src/protocol/notify-frame/names.ts',
    from: '(b >= 0x41 && b <= 0x5a) // A-Z',
    to: '(b >= 0x41 && b <= 0x5c) // A-Z',
    targets: [T.frame],
    filter: FRAME_SPEC,
  },
  {
    name: 'notify-frame name charset admits the space',
    file: 'src/protocol/notify-frame/names.ts',
    from: '|| b === 0x5b || b === 0x5d; // [ ]',
    to: '|| b === 0x5b || b === 0x5d || b === 0x20; // [ ]',
    targets: [T.frame],
    filter: FRAME_SPEC,
  },
  {
    name: 'notify-frame names of 65 bytes (off by one on the 64-byte limit)',
    file: 'src/protocol/notify-frame/names.ts',
    from: 'export const MAX_FRAME_NAME_BYTES = 64;',
    to: 'export const MAX_FRAME_NAME_BYTES = 65;',
    targets: [T.frame],
    filter: FRAME_SPEC,
  },
  {
    name: 'notify-frame host frames (SHUTDOWN, EXEC_SHUTDOWN…) may carry a 1-byte name',
    file: 'src/protocol/notify-frame/codec.ts',
    from: 'if (host && b !== 0) return',
    to: 'if (host && b > 1) return',
    targets: [T.frame],
    filter: FRAME_SPEC,
  },
  {
    name: 'encodeFrame checks the name length only, not its characters',
    file: 'src/protocol/notify-frame/codec.ts',
    from: 'const problem = frameNameProblem(name);',
    to: "const problem = name.length === 0 || name.length > MAX_FRAME_NAME_BYTES ? 'bad length' : undefined;",
    targets: [T.frame],
    filter: FRAME_SPEC,
  },
  // The dispatcher's shutdown guard (issue 19 item 7): each weakening lets a forged SHUTDOWN through.
  {
    name: 'shutdown guard: on battery counts as critical without LB (ONBATT → SHUTDOWN accepted)',
    file: 'src/protocol/notify-frame/sequence.ts',
    from: "return o.has('battery') && u.lowBattery; // 4.",
    to: "return o.has('battery'); // 4.",
    targets: [T.frame],
    filter: SHUTDOWN_RULE,
  },
  {
    name: 'shutdown guard: power values ignored (every MONITOR counts 1)',
    file: 'src/protocol/notify-frame/sequence.ts',
    from: 'healthy += m.powerValue;',
    to: 'healthy += 1;',
    targets: [T.frame],
    filter: SHUTDOWN_RULE,
  },
  // The notifier (issue 20 item 6): what a compromised dispatcher could make it run.
  {
    name: "the notifier's reader takes a UPS that is not a MONITOR",
    file: 'src/upsmon/notifier/notify-frames.ts',
    from: "if (f.name !== '' && !isConfiguredName(f.name, this.monitors)) return",
    to: "if (f.name === '\\0' && !isConfiguredName(f.name, this.monitors)) return",
    targets: [T.frame],
    filter: NOTIFIER_READER,
  },
  {
    name: "the notifier's reader takes EXEC_SHUTDOWN as a notification",
    file: 'src/upsmon/notifier/notify-frames.ts',
    from: "if (kind !== 'notify') return `frame ${f.type} is not a notification`;",
    to: "if (kind === undefined) return `frame ${f.type} is not a notification`;",
    targets: [T.frame],
    filter: NOTIFIER_READER,
  },
  {
    name: 'shutdown guard: ALARM with comms lost is critical whatever ALARMCRITICAL says',
    file: 'src/protocol/notify-frame/sequence.ts',
    from: "if (o.has('ALARM') && r.alarmCritical) return true;",
    to: "if (o.has('ALARM')) return true;",
    targets: [T.frame],
    filter: SHUTDOWN_RULE,
  },
  // The other codecs in src/protocol: their charset and limit checks.
  {
    name: 'killpower flag verified without its signature (a forged flag would cut UPS power)',
    file: 'src/killpower/flag.ts',
    from: 'if (!nacl().sign.detached.verify(flag.signed, flag.signature, ctx.publicKey)) {',
    to: 'if (flag.signature.length !== 64) {',
    targets: [T.killpower],
  },
  {
    name: 'killpower flag from another boot accepted (boot id not compared)',
    file: 'src/killpower/flag.ts',
    from: 'if (flag.bootId !== ctx.bootId) return',
    to: 'if (flag.bootId === \'\') return',
    targets: [T.killpower],
  },
  {
    name: 'initctl encoder takes any one-character runlevel (telinit\'s set not checked)',
    file: 'src/protocol/initctl/request.ts',
    from: "if (runlevel.length !== 1 || !RUNLEVELS.includes(runlevel)) throw",
    to: 'if (runlevel.length !== 1) throw',
    targets: [T.initctl],
  },
  {
    name: 'initctl encoder takes a sleeptime over 2^31-1 (the int32 limit)',
    file: 'src/protocol/initctl/request.ts',
    from: 'sleeptime < 0 || sleeptime > 0x7fffffff',
    to: 'sleeptime < 0',
    targets: [T.initctl],
  },
  {
    name: 'upssched request decoder keeps a 4097-byte line (off by one on the 4096-byte limit)',
    file: 'src/protocol/upssched/request.ts',
    from: '} else if (this.lineBytes + seg.length > MAX_REQUEST_LINE_BYTES) {',
    to: '} else if (this.lineBytes + seg.length > MAX_REQUEST_LINE_BYTES + 1) {',
    targets: [T.upssched],
  },
  {
    name: 'upssched request decoder keeps 9 words (off by one on the 8-word limit)',
    file: 'src/protocol/upssched/request.ts',
    from: 'new Tokenizer({ maxArgs: MAX_REQUEST_ARGS, maxArgLen: MAX_REQUEST_ARG_LEN })',
    to: 'new Tokenizer({ maxArgs: MAX_REQUEST_ARGS + 1, maxArgLen: MAX_REQUEST_ARG_LEN })',
    targets: [T.upssched],
  },
  {
    name: 'sock name charset admits `=` (NAME_RE widened: `a=b` is no bare word, §1.2)',
    file: 'src/protocol/sock/encode.ts',
    from: 'const NAME_RE = /^[\\x21\\x24-\\x3c\\x3e-\\x5b\\x5d-\\x7e]+$/;',
    to: 'const NAME_RE = /^[\\x21\\x24-\\x5b\\x5d-\\x7e]+$/;',
    targets: [T.sock],
    filter: 'isValidName accepts exactly',
  },
  {
    name: 'net client reply decoder keeps an 8193-byte line (off by one on MAX_REPLY_LINE)',
    file: 'src/protocol/net/client-codec.ts',
    from: 'if (nl - start > MAX_REPLY_LINE) throw tooLong();',
    to: 'if (nl - start > MAX_REPLY_LINE + 1) throw tooLong();',
    targets: [T.reply],
  },
  // LOCALMONITOR (issue 14): a driver line that changes the poll's answer must reach the monitor at once.
  {
    name: 'LOCALMONITOR reports a change only for a ups.status SETINFO (DUMPDONE, DATASTALE, DATAOK wait for POLLFREQ)',
    file: 'src/upsmon/monitor/local-state.ts',
    from: '    out.changed = this.updateKey();',
    to: "    out.changed = r.messages.some((m) => m.type === 'SETINFO' && m.name === 'ups.status') && this.updateKey();",
    targets: [T.localmon],
  },
  // The supervisor's meter on the jailed child's IPC bytes (issue 14): a message cut over reads counts whole.
  {
    name: 'IPC meter forgets the bytes of earlier reads (a message sent in small pieces is never too long)',
    file: 'src/local-driver/ipc-guard.ts',
    from: '    this.pending += bytes.length - start;',
    to: '    this.pending = bytes.length - start;',
    targets: [T.localmon],
  },
  {
    name: 'script engine publishes a captured value with control bytes (printable check dropped)',
    file: 'src/protocol/script/engine.ts',
    from: "if (v === undefined || v === '' || !printable(v)) throw",
    to: "if (v === undefined || v === '') throw",
    targets: [T.script],
  },
  {
    name: 'script engine keeps an unframed reply past MAX_REPLY_BYTES (a device grows the buffer)',
    file: 'src/protocol/script/engine.ts',
    from: 'if (this.rx.length > MAX_REPLY_BYTES) throw new StepFailed(`reply longer',
    to: 'if (false && this.rx.length > MAX_REPLY_BYTES) throw new StepFailed(`reply longer',
    targets: [T.script],
  },
  // The exporter's HTTP head parser (issue 18): its limits and its path check.
  {
    name: 'HTTP parser takes a 8193-byte head (off by one on the 8192-byte head limit)',
    file: 'src/protocol/http/request.ts',
    from: 'if (i + 1 > MAX_HEAD_BYTES) return this.finish(err(431, \'request head too large\'));\n          return',
    to: 'if (i + 1 > MAX_HEAD_BYTES + 1) return this.finish(err(431, \'request head too large\'));\n          return',
    targets: [T.http],
  },
  {
    name: 'HTTP parser lets a ".." path segment through (directory traversal)',
    file: 'src/protocol/http/request.ts',
    from: "seg === '..' || ",
    to: '',
    targets: [T.http],
  },
  // The rule language (issue 16): its limits, its three-valued logic, its FOR timing.
  {
    name: 'rules parser keeps a 1025-byte line (off by one on the 1024-byte line limit)',
    file: 'src/protocol/rules/parse.ts',
    from: 'if (end - start > MAX_LINE_BYTES) {',
    to: 'if (end - start > MAX_LINE_BYTES + 1) {',
    targets: [T.rules],
  },
  {
    name: 'rules evaluator: unknown and true is true (an unknown term ignored by `and`: stale data fires)',
    file: 'src/protocol/rules/evaluate.ts',
    from: 'if (v.v === null && unknown === undefined) unknown = v;',
    to: 'if (v.v === null && unknown === undefined && decisive) unknown = v;',
    targets: [T.rules],
  },
  {
    name: 'rules evaluator fires a FOR rule one second early',
    file: 'src/protocol/rules/evaluate.ts',
    from: 'if (now - since >= r.forSeconds * 1000) {',
    to: 'if (now - since >= r.forSeconds * 1000 - 1000) {',
    targets: [T.rules],
  },
  {
    name: 'upslog recordings: a 4096-character line kept (off by one on upslog\'s 4095-character line)',
    file: 'src/protocol/rules/upslog-trace.ts',
    from: 'if (end - from - cr > MAX_UPSLOG_LINE_CHARS) throw',
    to: 'if (end - from - cr > MAX_UPSLOG_LINE_CHARS + 1) throw',
    targets: [T.upslog],
  },
  {
    name: 'upslog recordings: NA taken as a value (upslog\'s "could not read" compared as data)',
    file: 'src/protocol/rules/upslog-trace.ts',
    from: "const NO_VALUE = new Set(['NA', 'INVALID']);",
    to: "const NO_VALUE = new Set(['INVALID']);",
    targets: [T.upslog],
  },
  {
    name: 'the rule gate (dispatcher, supervisor) admits a second RULE_FIRE for a firing rule (a child floods its notifications)',
    file: 'src/upsmon/shared/rule-gate.ts',
    from: 'if (this.firing.has(name)) return',
    to: 'if (false && this.firing.has(name)) return',
    targets: [T.rules],
  },
  {
    name: 'Basic credentials keep control bytes (the check after decoding dropped)',
    file: 'src/protocol/http/basic.ts',
    from: ' || /[\\0-\\x1f\\x7f]/.test(text)',
    to: '',
    targets: [T.http],
  },
  {
    name: 'Basic credentials field limit off by 4 (1028 bytes taken)',
    file: 'src/protocol/http/basic.ts',
    from: 'field.length > MAX_BASIC_FIELD_BYTES)',
    to: 'field.length > MAX_BASIC_FIELD_BYTES + 4)',
    targets: [T.http],
  },
];

function run(cwd, files, filter) {
  return new Promise((resolve) => {
    const started = Date.now();
    const args = ['run', '--bail', '1', ...(filter ? ['-t', filter] : []), ...files];
    const child = spawn(process.execPath, [join(cwd, 'node_modules/vitest/vitest.mjs'), ...args], {
      cwd,
      // the planted defects' failure reports (test/fuzz/harness.ts) go into the scratch copy and
      // are removed with it: they are expected, not a user's to replay from $TMPDIR
      env: { ...process.env, FUZZ_SECONDS: SECONDS, FUZZ_REPORT: '', CI: process.env.CI ?? '', HN_TEST_KEEP_TMPDIR: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code: code ?? 1, out, secs: (Date.now() - started) / 1000 }));
  });
}

/** The fuzz property that failed, from the harness's report ("fuzz <target>: <name>: failed after …"). */
function caughtBy(out) {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const m = /fuzz ([\w-]+): (.+?): failed after (\d+) runs/.exec(plain);
  return m ? `${m[1]}: ${m[2]} (after ${m[3]} runs)` : undefined;
}

const scratch = mkdtempSync(join(tmpdir(), 'hardnut-fuzz-selftest-'));
for (const p of ['src', 'test', 'conf']) cpSync(join(ROOT, p), join(scratch, p), { recursive: true });
for (const f of ['package.json', 'tsconfig.json', 'vitest.config.ts']) cpSync(join(ROOT, f), join(scratch, f));
symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
console.log(`fuzz selftest in ${scratch}, FUZZ_SECONDS=${SECONDS}`);

const started = Date.now();
const results = [];
let ok = true;
try {
  // Baseline: the same runs on the unmodified copy must pass (else a "catch" would mean nothing).
  const unfiltered = [...new Set(DEFECTS.filter((d) => !d.filter).flatMap((d) => d.targets))];
  const filtered = new Map(DEFECTS.filter((d) => d.filter).map((d) => [`${d.targets.join(' ')}\0${d.filter}`, { files: d.targets, filter: d.filter }]));
  const baselines = [{ files: unfiltered }, ...filtered.values()];
  for (const b of baselines) {
    const base = await run(scratch, b.files, b.filter);
    const passed = base.code === 0;
    console.log(`baseline (unmodified) ${b.files.map((f) => f.replace('test/fuzz/', '')).join(' ')}${b.filter ? ` -t "${b.filter}"` : ''}: ${passed ? 'passes' : 'FAILS'} in ${base.secs.toFixed(0)} s`);
    if (!passed) {
      ok = false;
      console.log(base.out.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /×|FAIL|failed after|Error/.test(l)).slice(0, 20).join('\n'));
    }
  }
  for (const d of DEFECTS) {
    const path = join(scratch, d.file);
    const original = readFileSync(path, 'utf8');
    const count = original.split(d.from).length - 1;
    if (count !== 1) {
      results.push({ d, caught: false, why: `cannot plant: the text to replace occurs ${count} times in ${d.file}`, secs: 0 });
      ok = false;
      continue;
    }
    writeFileSync(path, original.replace(d.from, () => d.to)); // a function: `to` may hold "$&"
    try {
      const r = await run(scratch, d.targets, d.filter);
      const by = caughtBy(r.out);
      const caught = r.code !== 0 && by !== undefined;
      if (!caught) {
        ok = false;
        console.log(`--- ${d.name}: output of the run ---\n${r.out.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /×|FAIL|Error|failed|expected/.test(l)).slice(0, 30).join('\n')}`);
      }
      results.push({ d, caught, why: by ?? (r.code === 0 ? 'every property passed' : 'the run failed, but not in a fuzz property'), secs: r.secs });
    } finally {
      writeFileSync(path, original);
    }
  }
} finally {
  if (process.env.KEEP !== '1') rmSync(scratch, { recursive: true, force: true });
}

console.log('\nplanted defect → result');
for (const r of results) {
  console.log(`${r.caught ? 'CAUGHT ' : 'MISSED '} ${r.d.name}\n         ${r.why}; ${r.secs.toFixed(0)} s`);
}
console.log(`\nfuzz selftest: ${results.filter((r) => r.caught).length}/${DEFECTS.length} planted defects caught, `
  + `${((Date.now() - started) / 1000).toFixed(0)} s: ${ok ? 'PASS' : 'FAIL'}`);
process.exit(ok ? 0 : 1);
