// Seed corpora for the fuzz targets (README.md "Seed corpora"): transcripts recorded from
// Debian's NUT 2.8.0 by scripts/fuzz-record-corpus.mjs (test/fuzz/corpus/), hardnut's own sample
// configs (conf/), the test fixtures, and — read at run time, never copied into the tree, since
// they are NUT's text — Debian's installed sample configs in /etc/nut when they are readable.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Seed { name: string; data: Uint8Array }

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO = join(HERE, '../..');
export const CORPUS = join(HERE, 'corpus');

function read(path: string, name: string): Seed | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return { name, data: new Uint8Array(readFileSync(path)) };
  } catch {
    return undefined; // unreadable (permissions) or gone: a seed is optional
  }
}

/** Every file in a directory (sorted; no recursion); [] if the directory is missing. */
export function seedsIn(dir: string, filter: (file: string) => boolean = () => true): Seed[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().filter(filter)
    .map((f) => read(join(dir, f), join(dir, f).slice(REPO.length + 1)))
    .filter((s): s is Seed => s !== undefined);
}

/** Recorded transcripts: corpus/<sub>/*.<ext>. */
export function transcripts(sub: 'net' | 'sock', ext: 'req' | 'rep'): Seed[] {
  return seedsIn(join(CORPUS, sub), (f) => f.endsWith(`.${ext}`));
}

export type ConfKind = 'ups.conf' | 'upsd.conf' | 'upsd.users' | 'upsmon.conf' | 'upssched.conf' | 'nut.conf';

/** Sample files of one config kind: conf/, corpus/conf/, and /etc/nut when readable. */
export function configSeeds(kind: ConfKind): Seed[] {
  const seeds: Seed[] = [];
  for (const dir of [join(REPO, 'conf'), join(REPO, 'conf/demo'), join(CORPUS, 'conf')]) {
    seeds.push(...seedsIn(dir, (f) => f === kind || f.startsWith(`${kind}.`)));
  }
  const system = read(join('/etc/nut', kind), `/etc/nut/${kind}`);
  if (system) seeds.push(system);
  if (seeds.length === 0) throw new Error(`no seed for ${kind}`);
  return seeds;
}

/** dummy-ups data files: the fixtures, the demo's outage, corpus/dummy-ups. */
export function dataFileSeeds(): Seed[] {
  const seeds = [
    ...seedsIn(join(REPO, 'test/fixtures'), (f) => f.endsWith('.dev') || f.endsWith('.seq')),
    ...seedsIn(join(REPO, 'conf/demo'), (f) => f.endsWith('.seq') || f.endsWith('.dev')),
    ...seedsIn(join(CORPUS, 'dummy-ups')),
  ];
  if (seeds.length === 0) throw new Error('no dummy-ups seed');
  return seeds;
}
