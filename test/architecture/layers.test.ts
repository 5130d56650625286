import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, bottom first (docs/architecture.md). A folder may import its own files
 * and folders of a lower rank, never a peer of its rank or anything above: the balancers stay
 * free of the models, the trainer free of the experiments, the report free of the CLI. The
 * files at the root of src (core.ts, index.ts, doctor.ts) are entry points: only cli and other
 * entry points import them.
 */
const LAYERS = [
  ['platform'],
  ['tensor'],
  ['autograd'],
  ['nn', 'mtl', 'metrics', 'data'],
  ['step', 'profile'],
  ['train', 'bench'],
  ['sweep'],
  ['experiments'],
  ['report'],
  ['cli'],
] as const satisfies readonly (readonly string[])[];

type Layer = (typeof LAYERS)[number][number];
const RANK = new Map<string, number>(LAYERS.flatMap((names, rank) => names.map((n) => [n, rank] as const)));
/** Folders with no import beyond tensor: the pure balancers and linear algebra, metrics, data. */
const PURE: readonly Layer[] = ['mtl', 'metrics', 'data'];

const src = resolve(fileURLToPath(new URL('../../src', import.meta.url)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mts|mjs)$/.test(name) ? [p] : [];
  });
}

/** The src folder a path is in ('' for the root files), or null outside src. */
function folderOf(path: string): string | null {
  const rel = relative(src, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split('/');
  return parts.length === 1 ? '' : parts[0]!;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

describe('the layers of src import only downward', () => {
  const all = files(src);

  it('every folder of src has a layer', () => {
    const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
    expect(folders.filter((f) => !RANK.has(f))).toEqual([]);
  });

  it('no import goes up or sideways', () => {
    const bad: string[] = [];
    for (const file of all) {
      const from = folderOf(file)!;
      for (const spec of importsOf(file)) {
        const to = folderOf(resolve(dirname(file), spec));
        if (to === null || to === from) continue;
        const where = `${relative(src, file)} imports ${spec}`;
        if (from === '') continue;
        if (to === '') {
          if (from !== 'cli') bad.push(`${where}: an entry point (only cli imports those)`);
          continue;
        }
        const a = RANK.get(from)!, b = RANK.get(to)!;
        if (b >= a) bad.push(`${where}: ${to} is not below ${from}`);
        else if ((PURE as readonly string[]).includes(from) && !['platform', 'tensor'].includes(to)) {
          bad.push(`${where}: ${from} imports nothing above tensor`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('no library folder reads a test hook from the environment', () => {
    const hooks = all.filter((f) => /MTLKIT_SIMULATE_/.test(readFileSync(f, 'utf8'))).map((f) => relative(src, f));
    expect(hooks).toEqual([]);
  });
});
