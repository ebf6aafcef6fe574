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
};

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
];

function run(cwd, files, filter) {
  return new Promise((resolve) => {
    const started = Date.now();
    const args = ['run', '--bail', '1', ...(filter ? ['-t', filter] : []), ...files];
    const child = spawn(process.execPath, [join(cwd, 'node_modules/vitest/vitest.mjs'), ...args], {
      cwd,
      env: { ...process.env, FUZZ_SECONDS: SECONDS, FUZZ_REPORT: '', CI: process.env.CI ?? '' },
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
  const baselines = [{ files: unfiltered }, ...DEFECTS.filter((d) => d.filter).map((d) => ({ files: d.targets, filter: d.filter }))];
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
