// The house rules of DESIGN.md ("Layout"), checked on the source itself: no folder-level import
// cycle, nothing imports cli/ (the entry point only), core/ and protocol/ do no I/O.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
