// The house rules of DESIGN.md ("Layout"), checked on the source itself: no folder-level import
// cycle, nothing imports cli/ (the entry point only), core/ and protocol/ do no I/O, and upsmon's
// processes load none of each other's code.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Node's modules that move bytes in or out of the process; core/ and protocol/ import none. */
const IO_MODULES = ['fs', 'fs/promises', 'net', 'tls', 'dgram', 'http', 'https', 'child_process', 'cluster', 'worker_threads', 'readline', 'dns'];

interface Import { from: string; target: string }

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // static `import … from '…'`, `export … from '…'` and dynamic `import('…')`
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map((m) => m[1] ?? '');
}

const files = sourceFiles(SRC);
const imports: Import[] = files.flatMap((f) => importsOf(f).map((target) => ({ from: f, target })));
const folderOf = (p: string): string => relative(SRC, p).split('/')[0] ?? '';

function folderGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const { from, target } of imports) {
    if (!target.startsWith('.')) continue;
    const abs = resolve(dirname(from), target);
    if (!abs.startsWith(SRC)) continue;
    const a = folderOf(from);
    const b = folderOf(abs);
    if (a === b) continue;
    const out = g.get(a) ?? new Map<string, string>();
    if (!out.has(b)) out.set(b, relative(SRC, from));
    g.set(a, out);
  }
  return g;
}

/** One cycle as a path of folders (with the file behind each edge), or undefined. */
function findCycle(g: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const [m, via] of g.get(n) ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m].map((x, i, all) => (i === all.length - 1 ? x : `${x} (${g.get(x)?.get(all[i + 1] ?? '') ?? via})`));
      if (state.get(m) === undefined) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of g.keys()) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return undefined;
}

describe('source layout (DESIGN.md)', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.length).toBeGreaterThan(200);
  });

  it('has no folder-level import cycle', () => {
    expect(findCycle(folderGraph())).toBeUndefined();
  });

  it('the cycle finder finds a planted cycle', () => {
    const g = folderGraph();
    const planted = new Map(g);
    planted.set('core', new Map([...(g.get('core') ?? []), ['upsd', 'core/planted.ts']]));
    expect(findCycle(planted)).toBeDefined();
  });

  it('nothing imports src/cli/ (the entry point only)', () => {
    const offenders = imports.filter(({ from, target }) => target.startsWith('.') && folderOf(resolve(dirname(from), target)) === 'cli' && folderOf(from) !== 'cli');
    expect(offenders.map((o) => relative(SRC, o.from))).toEqual([]);
  });

  it('core/ and protocol/ import no I/O module', () => {
    const io = new Set(IO_MODULES.flatMap((m) => [m, `node:${m}`]));
    const offenders = imports.filter(({ from, target }) => ['core', 'protocol'].includes(folderOf(from)) && io.has(target));
    expect(offenders.map((o) => `${relative(SRC, o.from)} imports ${o.target}`)).toEqual([]);
  });
});

// upsmon is split by process (issue 12 item 4): every process starts in src/upsmon/main.ts, which
// import()s the code of the child it was started as, or start.ts (options, control commands, the
// supervisor). What a process loads is main.ts's closure plus its own entry's, over every import
// (static, dynamic, type-only) except main.ts's switch and start.ts's import() of -p's process.
const UPSMON = join(SRC, 'upsmon');
const MAIN = join(UPSMON, 'main.ts');
const START = join(UPSMON, 'start.ts');
/** main.ts's import() of each process's own code: the switch `--role net|dispatch…` takes. */
const ROLE_ENTRIES = {
  supervisor: START,
  net: join(UPSMON, 'monitor/net-child.ts'),
  dispatch: join(UPSMON, 'dispatcher/dispatch-process.ts'),
  notify: join(UPSMON, 'notifier/notify-process.ts'),
  action: join(UPSMON, 'action/rule-action-process.ts'),
} as const;
/** start.ts's import() of `upsmon -p`'s one process. */
const SINGLE = join(UPSMON, 'single-process.ts');

/** A relative import as the .ts file it names (TypeScript's `.js` spelling), or undefined. */
function resolveTs(from: string, target: string): string | undefined {
  if (!target.startsWith('.')) return undefined;
  const abs = resolve(dirname(from), target).replace(/\.js$/, '.ts');
  return existsSync(abs) ? abs : undefined;
}

/** file → the source files it imports, and the ones it only import()s */
function fileGraph(): Map<string, { all: Set<string>; dynamic: Set<string> }> {
  const g = new Map<string, { all: Set<string>; dynamic: Set<string> }>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const dynamic = new Set([...text.matchAll(/\bimport\s*\(\s*'([^']+)'/g)].flatMap((m) => resolveTs(f, m[1] ?? '') ?? []));
    const all = new Set(importsOf(f).flatMap((t) => resolveTs(f, t) ?? []));
    g.set(f, { all, dynamic });
  }
  return g;
}

/** Every file `entries` load, each with the import chain that brings it in; main.ts's switch and -p are not followed. */
function closure(g: ReturnType<typeof fileGraph>, entries: string[]): Map<string, string[]> {
  const switchTargets = new Set<string>(Object.values(ROLE_ENTRIES));
  const seen = new Map<string, string[]>(entries.map((e) => [e, [e]]));
  const queue = [...entries];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    for (const t of g.get(f)?.all ?? []) {
      if ((f === MAIN && switchTargets.has(t)) || (f === START && t === SINGLE)) continue;
      if (seen.has(t)) continue;
      seen.set(t, [...(seen.get(f) ?? []), t]);
      queue.push(t);
    }
  }
  return seen;
}

/** The import chains by which `loaded` reaches a file under one of `folders` (src/upsmon/<folder>/). */
function crossings(loaded: Map<string, string[]>, folders: string[]): string[] {
  const dirs = folders.map((d) => join(UPSMON, d) + '/');
  return [...loaded].filter(([f]) => dirs.some((d) => f.startsWith(d))).map(([, chain]) => chain.map((c) => relative(SRC, c)).join(' → '));
}

const upsmonLoads = (g: ReturnType<typeof fileGraph>): Record<'supervisor' | 'net' | 'dispatch' | 'notify' | 'action', Map<string, string[]>> => ({
  supervisor: closure(g, [MAIN, START]),
  net: closure(g, [MAIN, ROLE_ENTRIES.net]),
  dispatch: closure(g, [MAIN, ROLE_ENTRIES.dispatch]),
  notify: closure(g, [MAIN, ROLE_ENTRIES.notify]),
  action: closure(g, [MAIN, ROLE_ENTRIES.action]),
});

describe('upsmon split by process (DESIGN.md, issue 12)', () => {
  const g = fileGraph();

  it("main.ts switches to each process's code with import(), start.ts to -p's, and nothing else in upsmon/ does", () => {
    expect([...(g.get(MAIN)?.dynamic ?? [])].sort()).toEqual(Object.values(ROLE_ENTRIES).sort());
    expect([...(g.get(START)?.dynamic ?? [])]).toEqual([SINGLE]);
    const others = [...g].filter(([f, e]) => f.startsWith(UPSMON + '/') && f !== MAIN && f !== START && e.dynamic.size > 0);
    expect(others.map(([f]) => relative(SRC, f))).toEqual([]);
  });

  it("no child loads the supervisor's code (start.ts, supervisor/) nor the killpower tool's", () => {
    const loads = upsmonLoads(g);
    expect(loads.supervisor.has(join(UPSMON, 'supervisor/supervisor.ts'))).toBe(true);
    for (const [name, child] of Object.entries({ net: loads.net, dispatch: loads.dispatch, notify: loads.notify, action: loads.action })) {
      expect(crossings(child, ['supervisor']), name).toEqual([]);
      expect(child.has(START), name).toBe(false);
      // the dispatcher arms the late shutdown (killpower/arm.ts); `hardnut killpower` is not a child's
      expect(child.has(join(SRC, 'killpower/main.ts')), name).toBe(false);
    }
  });

  it('each process loads its own half (the closures are real)', () => {
    const loads = upsmonLoads(g);
    expect(loads.net.has(join(UPSMON, 'monitor/monitor.ts'))).toBe(true);
    expect(loads.net.has(join(UPSMON, 'monitor/ups-state.ts'))).toBe(true);
    expect(loads.dispatch.has(join(UPSMON, 'dispatcher/dispatcher.ts'))).toBe(true);
    expect(loads.notify.has(join(UPSMON, 'notifier/notifier.ts'))).toBe(true);
    // NOTIFYCMD runs in the notifier only (issue 20 item 6): the dispatcher has no code to spawn it
    expect(loads.dispatch.has(join(UPSMON, 'notifier/notifier.ts'))).toBe(false);
    expect(loads.supervisor.has(join(UPSMON, 'supervisor/supervisor.ts'))).toBe(true);
  });

  it('the dispatcher loads nothing of the network child (monitor/), nor the reverse', () => {
    const loads = upsmonLoads(g);
    expect(crossings(loads.dispatch, ['monitor'])).toEqual([]);
    expect(crossings(loads.net, ['dispatcher'])).toEqual([]);
  });

  it('the notifier loads nothing of the network child nor of the dispatcher, and neither loads it', () => {
    const loads = upsmonLoads(g);
    expect(crossings(loads.notify, ['monitor', 'dispatcher'])).toEqual([]);
    expect(crossings(loads.net, ['notifier'])).toEqual([]);
    expect(crossings(loads.dispatch, ['notifier'])).toEqual([]);
  });

  it("the supervisor loads neither child's code (monitor/, dispatcher/) nor -p's single process", () => {
    const loads = upsmonLoads(g);
    expect(crossings(loads.supervisor, ['monitor', 'dispatcher', 'notifier', 'action'])).toEqual([]);
    expect(loads.supervisor.has(SINGLE)).toBe(false);
  });

  it('the rule-action child (issue 16) loads no other process\'s code, and none loads it', () => {
    const loads = upsmonLoads(g);
    expect(loads.action.has(ROLE_ENTRIES.action)).toBe(true);
    expect(crossings(loads.action, ['monitor', 'dispatcher', 'notifier'])).toEqual([]);
    for (const other of [loads.net, loads.dispatch, loads.notify]) expect(crossings(other, ['action'])).toEqual([]);
  });

  it('a planted cross import is found, with its chain', () => {
    // shared/child-io.ts importing the monitor would bring it into the dispatcher
    const planted = new Map(g);
    const childIo = join(UPSMON, 'shared/child-io.ts');
    const io = g.get(childIo);
    expect(io).toBeDefined();
    planted.set(childIo, { all: new Set([...(io?.all ?? []), join(UPSMON, 'monitor/monitor.ts')]), dynamic: io?.dynamic ?? new Set() });
    expect(crossings(upsmonLoads(planted).dispatch, ['monitor'])).toContain('upsmon/dispatcher/dispatch-process.ts → upsmon/shared/child-io.ts → upsmon/monitor/monitor.ts');
  });
});

/** Comments and string literals out of the way: only code that runs counts (a doc comment may name setuid). */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** file:line of every match of `re` in code (not comments or strings) under src/. */
function callSites(re: RegExp, inFiles: string[] = files): string[] {
  return inFiles.flatMap((f) => codeOnly(readFileSync(f, 'utf8')).split('\n').flatMap((line, i) => (re.test(line) ? [`${relative(SRC, f)}:${String(i + 1)}`] : [])));
}
const fileOf = (site: string): string => site.split(':')[0] ?? '';

describe('one place drops privileges and loads seccomp (issue 12)', () => {
  // permanent id changes: process.setuid/setgid/setgroups/initgroups, or a libc binding of set*id
  const ID_CHANGE = /\b(?:setuid|setgid|setgroups|initgroups|setresuid|setresgid|setreuid|setregid)\b/;
  // a filter load: applySeccomp (the one loader) or libseccomp's seccomp_load bound by koffi
  const SECCOMP_LOAD = /\bapplySeccomp\s*\(|\bseccomp_load\b|\.load\s*\(\s*ctx\s*\)/;

  it('only src/sandbox/confine.ts changes user, group or supplementary ids', () => {
    expect([...new Set(callSites(ID_CHANGE).map(fileOf))]).toEqual(['sandbox/confine.ts']);
  });

  it('only confine.ts calls applySeccomp, and only seccomp.ts loads a filter', () => {
    const calls = callSites(/\bapplySeccomp\s*\(/).map(fileOf);
    expect(new Set(calls.filter((f) => f !== 'sandbox/seccomp.ts'))).toEqual(new Set(['sandbox/confine.ts']));
    // inside seccomp.ts applySeccomp is only defined, never called (no second way into a filter)
    expect(callSites(/(?<!function )\bapplySeccomp\s*\(/, files.filter((f) => relative(SRC, f) === 'sandbox/seccomp.ts'))).toEqual([]);
    expect([...new Set(callSites(SECCOMP_LOAD).filter((s) => !/\bapplySeccomp\s*\(/.test(s)).map(fileOf))].sort()).toEqual(['sandbox/confine.ts', 'sandbox/seccomp.ts']);
  });

  it("seteuid/setegid appear only where upsd binds a Unix socket as its owner and returns to root at once", () => {
    // a reversible effective-id switch, not a drop: the bind happens as the run-as user so a link
    // another user plants in a writable LISTEN directory is not followed by root (issue 19 item 2)
    expect([...new Set(callSites(/\bset(?:euid|egid)\b/).map(fileOf))]).toEqual(['upsd/listeners.ts']);
  });

  it('a planted setuid elsewhere is found', () => {
    const planted = codeOnly("// setuid in a comment\nconst s = 'setuid(0)';\nprocess.setuid?.(0);\n");
    expect(planted.split('\n').map((l) => ID_CHANGE.test(l))).toEqual([false, false, true, false]);
  });
});
