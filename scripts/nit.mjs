#!/usr/bin/env node
// Runs NUT's own integration test script, tests/NIT/nit.sh, unmodified against hardnut's tools
// (issue 20, "what it must show"). NUT's code is never part of this repository: bring a NUT source
// tree (or just its nit.sh) and point at it:
//   NUT_SOURCE=/path/to/nut npm run interop:nit        # a NUT checkout or `git archive` of one
//   NUT_NIT_SH=/path/to/nit.sh npm run interop:nit     # the script alone (smaller sandbox, no upsmon)
// Optional: NIT_CASE=<case> runs only that nit.sh case; NIT_UPSMON=0 skips the upsmon pass.
//
// Why not a vitest test: CI has no network and no NUT source, so the test would have to skip there,
// and the project rule is that a test whose peer is missing must run in CI. This is a separate,
// documented command instead (README, "NUT's integration test script").
//
// How nit.sh finds the programs (read from nit.sh itself): it prepends $BUILDDIR, $SRCDIR and
// $TOP_BUILDDIR/{clients,drivers,server,tools} (then the same under $TOP_SRCDIR) to PATH, taking
// the directories from the abs_builddir/abs_top_builddir/abs_srcdir/abs_top_srcdir variables
// NUT's tests/NIT/Makefile exports. So this runner builds a throw-away "build tree" whose
// server/, clients/ and drivers/ hold one-line wrappers under NUT's names that exec
// `node dist/hardnut.js <tool>`, and passes the same variables NUT's Makefile does. A built NUT
// tree in NUT_SOURCE cannot shadow hardnut: the build tree comes first on nit.sh's PATH.
//
// Passes: (1) nit.sh's default groups (upsd with bad and good configs, the sandbox of dummy-ups
// drivers started by `upsdrvctl -F`, upsc and upslog against it, and whatever client bindings
// the tree offers); (2) NIT_CASE=testgroup_sandbox_upsmon_master, the sandbox with upsmon as
// primary, which nit.sh does not count: the runner fails it when nit.sh logs that upsmon died.
// Exit 0 only when every pass reports OVERALL with FAILED=0 and PASSED>0 and nit.sh exits 0.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HARDNUT_JS = join(ROOT, 'dist', 'hardnut.js');

/** NUT's build-tree layout nit.sh puts on PATH ($TOP_BUILDDIR/<dir>/<program>). */
const TOOL_DIRS = /** @type {const} */ ({
  server: ['upsd'],
  clients: ['upsc', 'upsmon', 'upslog', 'upssched', 'upsrw', 'upscmd'],
  drivers: ['upsdrvctl', 'dummy-ups'],
});
/** A whole nit.sh pass takes 2–4 minutes on a loaded 2-core machine; this is its ceiling. */
const PASS_TIMEOUT_MS = 20 * 60 * 1000;
/** Grace between SIGTERM and SIGKILL for the pass's process group after a timeout or ^C. */
const KILL_GRACE_MS = 10 * 1000;
/** nit.sh's final line: `[INFO] OVERALL: PASSED=n FAILED=n SKIPPED=n` (nit.sh, end of script;
 *  NUT 2.8.1's has no SKIPPED). */
const OVERALL_RE = /OVERALL: PASSED=(\d+) FAILED=(\d+)(?: SKIPPED=(\d+))?/g;
/** upsmon_start_loop's error when upsmon exited within its 2 s grace (nit.sh, upsmon_start_loop). */
const UPSMON_DIED_RE = /UPSMON PID \d+ is not alive after a short while/;
/** The case nit.sh offers for upsmon as a primary of its sandbox (not in its default groups). */
const UPSMON_CASE = 'testgroup_sandbox_upsmon_master';
/** upsd's log line for upsmon's LOGIN (NUT's wording, hardnut's too). Reported, not required:
 *  nit.sh stops upsmon 2 s after starting it, which a loaded machine may not reach. */
const UPSMON_LOGIN_RE = /User dummy-admin-m@\S+ logged into UPS \[dummy\]/;

class NitError extends Error {}

/** Set by ^C/SIGTERM: the pass under way is stopped and no further pass starts. */
let interrupted = false;

/** Where nit.sh is, and the NUT source tree around it when there is one. */
function locate(env) {
  if (env.NUT_SOURCE) {
    const top = resolve(env.NUT_SOURCE);
    const nitSh = join(top, 'tests', 'NIT', 'nit.sh');
    if (!existsSync(nitSh)) throw new NitError(`NUT_SOURCE=${top}: no tests/NIT/nit.sh there`);
    return { nitSh, top };
  }
  if (env.NUT_NIT_SH) {
    const nitSh = resolve(env.NUT_NIT_SH);
    if (!existsSync(nitSh) || !statSync(nitSh).isFile()) throw new NitError(`NUT_NIT_SH=${nitSh}: not a file`);
    // nit.sh derives TOP_SRCDIR the same way when it sits in a tree's tests/NIT
    const top = /\/tests\/NIT$/.test(dirname(nitSh)) ? resolve(dirname(nitSh), '..', '..') : undefined;
    return { nitSh, top };
  }
  throw new NitError('set NUT_SOURCE=/path/to/nut (a NUT source tree) or NUT_NIT_SH=/path/to/nit.sh');
}

/** A POSIX shell single-quoted word (the wrappers' only variable parts are absolute paths). */
function shQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** The throw-away build tree: NUT's program names, each exec'ing hardnut's tool of that name. */
function makeBuildTree(base) {
  const top = join(base, 'build');
  for (const [dir, tools] of Object.entries(TOOL_DIRS)) {
    mkdirSync(join(top, dir), { recursive: true, mode: 0o755 });
    for (const tool of tools) {
      // exec keeps the pid nit.sh records ($!) the pid of hardnut's process, which it signals
      const text = `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(HARDNUT_JS)} ${tool} "$@"\n`;
      writeFileSync(join(top, dir, tool), text, { mode: 0o755 });
    }
  }
  const builddir = join(top, 'tests', 'NIT');
  mkdirSync(builddir, { recursive: true, mode: 0o755 });
  // mkdtemp makes 0700; as root nit.sh's daemons drop to an unprivileged user that must reach
  // the sandbox under tests/NIT/tmp (nit.sh opens its run dir and configs up for that itself)
  for (const d of [base, top, join(top, 'tests'), builddir]) chmodSync(d, 0o755);
  return { top, builddir };
}

/** Everything nit.sh reported: its OVERALL figures (the last line, if several) and its verdict. */
export function judge(output, exitCode, { requireUpsmon = false } = {}) {
  const all = [...output.matchAll(OVERALL_RE)];
  const last = all.at(-1);
  const problems = [];
  const overall = last ? { passed: Number(last[1]), failed: Number(last[2]), skipped: last[3] === undefined ? undefined : Number(last[3]) } : undefined;
  if (!overall) problems.push('nit.sh printed no OVERALL line');
  else {
    if (overall.failed > 0) problems.push(`${overall.failed} case(s) failed`);
    if (overall.passed === 0) problems.push('no case passed');
  }
  if (exitCode !== 0) problems.push(`nit.sh exited ${exitCode}`);
  if (requireUpsmon && UPSMON_DIED_RE.test(output)) problems.push('upsmon died after start-up');
  const upsmonLoggedIn = requireUpsmon ? UPSMON_LOGIN_RE.test(output) : undefined;
  return { overall, problems, upsmonLoggedIn };
}

function runPass(label, nitSh, layout, env, extraEnv) {
  return new Promise((resolvePass, rejectPass) => {
    const passEnv = {
      ...env,
      // what NUT's tests/NIT/Makefile.am passes to nit.sh (check-NIT target)
      abs_builddir: layout.builddir,
      abs_top_builddir: layout.top,
      ...(layout.srcTop ? { abs_srcdir: dirname(nitSh), abs_top_srcdir: layout.srcTop } : {}),
      // hardnut runs its daemons as nut, as NUT's default build does; nit.sh falls back to
      // `-u nobody` when that user is missing (nit.sh, BUILTIN_RUN_AS_USER)
      BUILTIN_RUN_AS_USER: env.BUILTIN_RUN_AS_USER ?? 'nut',
      BUILTIN_RUN_AS_GROUP: env.BUILTIN_RUN_AS_GROUP ?? 'nut',
      ...extraEnv,
    };
    process.stdout.write(`\n=== nit.sh pass: ${label} ===\n`);
    // /bin/sh and not the file itself: a nit.sh saved without its mode bit runs too (it re-execs
    // itself in bash when bash exists, nit.sh's first lines)
    const child = spawn('/bin/sh', [nitSh], { cwd: layout.builddir, env: passEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const take = (chunk, sink) => { output += chunk.toString('utf8'); sink.write(chunk); };
    child.stdout.on('data', (c) => take(c, process.stdout));
    child.stderr.on('data', (c) => take(c, process.stderr));
    const stopGroup = (why) => {
      process.stderr.write(`\nnit.mjs: ${why}: stopping nit.sh (process group ${child.pid})\n`);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } }, KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stopGroup(`timeout after ${PASS_TIMEOUT_MS / 1000} s`), PASS_TIMEOUT_MS);
    const onSignal = () => { interrupted = true; stopGroup('interrupted'); };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.on('error', rejectPass);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolvePass({ output, exitCode: code ?? (signal ? 128 : 1) });
    });
  });
}

async function main() {
  const env = process.env;
  const { nitSh, top: srcTop } = locate(env);
  if (!existsSync(HARDNUT_JS)) throw new NitError(`${HARDNUT_JS} is missing: run npm run build first`);
  const text = readFileSync(nitSh);
  const digest = createHash('sha256').update(text).digest('hex');
  // NUT 2.8.1's nit.sh has no upsmon case; newer ones define it as a shell function
  const hasUpsmonCase = text.toString('utf8').includes(`${UPSMON_CASE}() {`);
  process.stdout.write(`nit.sh: ${nitSh} (sha256 ${digest})\nhardnut: ${HARDNUT_JS}\n`);
  if (!hasUpsmonCase) process.stdout.write(`this nit.sh has no ${UPSMON_CASE}: no upsmon pass\n`);
  if (!srcTop) {
    // nit.sh then skips the two extra dummy-ups devices, and its upsmon case dies on the missing
    // tests/NIT/upssched.conf.in, so that pass is left out
    process.stdout.write('no NUT source tree around nit.sh: fewer drivers in the sandbox, no upsmon pass\n');
  }

  const passes = env.NIT_CASE
    ? [{ label: `NIT_CASE=${env.NIT_CASE}`, extra: { NIT_CASE: env.NIT_CASE }, requireUpsmon: env.NIT_CASE === UPSMON_CASE }]
    : [
      { label: 'default groups', extra: {}, requireUpsmon: false },
      ...(env.NIT_UPSMON === '0' || !hasUpsmonCase || !srcTop ? [] : [{ label: `NIT_CASE=${UPSMON_CASE}`, extra: { NIT_CASE: UPSMON_CASE }, requireUpsmon: true }]),
    ];
  // nit.sh's sandbox upsmon has SHUTDOWNCMD "echo … | tee …" (run only on a shutdown it never
  // reaches). Started as root, hardnut's upsmon refuses to start without a root shutdown path
  // (README, differences: the socket or the setuid helper), which a test sandbox does not have;
  // the command method runs SHUTDOWNCMD as the dispatcher's user. The environment variable is the
  // override that stays when upsmon.conf gains its own directives for the method.
  const upsmonEnv = { HARDNUT_SHUTDOWN_METHOD: env.HARDNUT_SHUTDOWN_METHOD ?? 'command' };

  const results = [];
  for (const pass of passes) {
    if (interrupted) break;
    const base = mkdtempSync(join(tmpdir(), 'hardnut-nit-'));
    try {
      const layout = { ...makeBuildTree(base), srcTop };
      const { output, exitCode } = await runPass(pass.label, nitSh, layout, env, { ...upsmonEnv, ...pass.extra });
      results.push({ label: pass.label, ...judge(output, exitCode, { requireUpsmon: pass.requireUpsmon }) });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }

  process.stdout.write('\n=== hardnut vs NUT nit.sh ===\n');
  let ok = true;
  for (const r of results) {
    const figures = r.overall ? `PASSED=${r.overall.passed} FAILED=${r.overall.failed}${r.overall.skipped === undefined ? '' : ` SKIPPED=${r.overall.skipped}`}` : 'no summary';
    const login = r.upsmonLoggedIn === undefined ? '' : `; upsd logged upsmon's LOGIN: ${r.upsmonLoggedIn ? 'yes' : 'no'}`;
    process.stdout.write(`${r.problems.length ? 'FAIL' : 'ok  '} ${r.label}: ${figures}${r.problems.length ? ` (${r.problems.join('; ')})` : ''}${login}\n`);
    if (r.problems.length) ok = false;
  }
  return ok && !interrupted ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`nit.mjs: ${e instanceof NitError ? e.message : (e?.stack ?? String(e))}\n`);
    process.exitCode = 2;
  });
}
