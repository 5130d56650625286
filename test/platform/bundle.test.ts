import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadKernelBytes } from '../../src/tensor/wasm/load.ts';
import { createWasmBackend } from '../../src/tensor/backends/wasm.ts';
import { registerBackend } from '../../src/tensor/backends/registry.ts';
import { tinyTrain, type TinyRun } from './tiny-train.ts';

/**
 * The core entry (src/core.ts) must bundle for a browser as it is: esbuild with the browser
 * platform refuses to resolve Node's built-in modules, nothing is marked external, and the
 * metafile is checked for Node paths as well. The rule is about Node, not about folders: the
 * core may take any file (the trainer's pure pieces included) whose imports, followed as far as
 * they reach at run time, never name a Node module. The bundle must then run where there is no
 * Node: a fresh vm context without process, require or any host object, training on the js
 * backend to the same bits as in Node.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(entry: string, format: 'esm' | 'iife', globalName = 'probe'): Promise<{ code: string; metafile: Metafile }> {
  const out = await build({
    entryPoints: [`${root}${entry}`], bundle: true, platform: 'browser', format, globalName: format === 'iife' ? globalName : undefined,
    write: false, metafile: true, logLevel: 'silent', external: [], target: 'es2022',
  });
  return { code: out.outputFiles[0]!.text, metafile: out.metafile };
}

/**
 * Every input or import that names a Node module, and every import the output still makes
 * (nothing may be left for a runtime to resolve). Imports of types only are dropped by
 * esbuild, which lists them as external inputs: those are not in the output and do not count.
 */
function nodePaths(meta: Metafile): string[] {
  const isNode = (p: string): boolean => p.startsWith('node:') || NODE.has(p);
  const found: string[] = [];
  for (const [path, input] of Object.entries(meta.inputs)) {
    if (isNode(path)) found.push(path);
    for (const imp of input.imports) if (isNode(imp.path)) found.push(`${path} -> ${imp.path}`);
  }
  for (const output of Object.values(meta.outputs)) for (const imp of output.imports) found.push(`output -> ${imp.path}`);
  return found;
}

const IMPORT = /(?:^|\n)[ \t]*(import|export)\b([^'";]*?)\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)[ \t]*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** A source file's imports: the module named, and whether only types come from it (erased). */
function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (m[3] !== undefined) out.push({ spec: m[3], typeOnly: /^\s*type\b/.test(m[2]!) });
    else out.push({ spec: (m[4] ?? m[5])!, typeOnly: false });
  }
  return out;
}

/**
 * Walks the source import graph from `entry` along the imports that remain at run time (an
 * `import type` is erased: it reaches nothing and loads nothing, which is how the Node host,
 * src/platform/node.ts, names Node's types while taking the modules from the process) and lists
 * every reached file that imports a Node module at run time. Returns the files reached
 * (relative to the root) and those findings.
 */
function nodeImportsReached(entry: string): { reached: string[]; found: string[] } {
  const seen = new Set<string>();
  const found: string[] = [];
  const todo = [resolve(root, entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (typeOnly) continue;
      if (spec.startsWith('node:') || NODE.has(spec)) found.push(`${relative(root, file)} -> ${spec}`);
      else if (spec.startsWith('.') && /\.(ts|mts|mjs|js)$/.test(spec)) todo.push(resolve(dirname(file), spec));
    }
  }
  return { reached: [...seen].map((f) => relative(root, f)).sort(), found };
}

/** Runs the bundled tiny-train.ts in a context that has only the ECMAScript globals. */
function runInBareContext(code: string, script: string): unknown {
  const context = vm.createContext({});
  expect(vm.runInContext('typeof process + typeof require + typeof Buffer + typeof globalThis.navigator', context)).toBe('undefinedundefinedundefinedundefined');
  vm.runInContext(code, context);
  return vm.runInContext(script, context);
}

const plain = (r: TinyRun): TinyRun => JSON.parse(JSON.stringify(r)) as TinyRun;

function expectSameBits(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  const differ = a.findIndex((x, i) => !Object.is(x, b[i]));
  expect(differ, `first difference at ${differ}: ${a[differ]} vs ${b[differ]}`).toBe(-1);
}

describe('the core entry bundles for a browser', () => {
  it('esbuild (platform browser, nothing external) resolves every import and none is a Node module', async () => {
    const { metafile } = await bundle('src/core.ts', 'esm');
    expect(nodePaths(metafile)).toEqual([]);
    // The core's own folders are in (the Node-only files are not: the next test).
    const inputs = Object.keys(metafile.inputs);
    for (const dir of ['src/tensor/', 'src/autograd/', 'src/nn/', 'src/mtl/', 'src/metrics/', 'src/data/']) {
      expect(inputs.some((p) => p.startsWith(dir)), dir).toBe(true);
    }
  });

  it("no file the core's import graph reaches imports a Node module, and the graph holds every file the bundle took", async () => {
    const { reached, found } = nodeImportsReached('src/core.ts');
    expect(found).toEqual([]);
    const { metafile } = await bundle('src/core.ts', 'esm');
    const bundled = Object.keys(metafile.inputs).filter((p) => p.startsWith('src/'));
    expect(bundled.filter((p) => !reached.includes(p))).toEqual([]);
    // The trainer's pure pieces are in; the trainer's file-writing side is not.
    for (const pure of ['src/train/evaluate-model.ts', 'src/train/run-records.ts']) expect(bundled, pure).toContain(pure);
    for (const nodeOnly of ['src/train/run-folder.ts', 'src/train/trainer.ts', 'src/data/csv.ts', 'src/platform/install-node.ts']) {
      expect(reached, nodeOnly).not.toContain(nodeOnly);
    }
  });

  it('the walk finds a Node import where there is one (the Node entry, through the trainer)', () => {
    const { found } = nodeImportsReached('src/index.ts');
    expect(found).toContain('src/train/run-folder.ts -> node:fs');
    expect(found).toContain('src/platform/install-node.ts -> node:module');
  });

  it('a Node import anywhere under the core entry fails the bundle', async () => {
    await expect(build({
      stdin: { contents: "import './src/core.ts'; import 'node:fs';", resolveDir: root, loader: 'ts' },
      bundle: true, platform: 'browser', write: false, logLevel: 'silent',
    })).rejects.toThrow(/node:fs/);
  });
});

describe('the bundled core runs without Node', () => {
  it('trains three steps on the js backend in a bare vm context, to the same bits as in Node', async () => {
    const { code } = await bundle('test/platform/tiny-train.ts', 'iife');
    const there = runInBareContext(code, 'JSON.stringify(probe.tinyTrain("js", 3))');
    const away = JSON.parse(there as string) as TinyRun;
    const here = plain(tinyTrain('js', 3));
    expect(away.backend).toBe('js');
    expect(away.losses.length).toBe(9);
    expect(away.losses.every(Number.isFinite)).toBe(true);
    expectSameBits(away.losses, here.losses);
    expectSameBits(away.values, here.values);
  });

  it('with no backend named, the web host picks js without a warning', async () => {
    const { code } = await bundle('src/core.ts', 'iife', 'core');
    const warnings: string[] = [];
    const context = vm.createContext({ console: { warn: (m: string) => warnings.push(m), log: () => {} } });
    vm.runInContext(code, context);
    expect(vm.runInContext('[core.host().name, core.getBackend().name].join()', context)).toBe('web,js');
    expect(warnings).toEqual([]);
  });

  it('runs the wasm kernels given to the web host (awaiting initBackend), to the same bits as Node with the same kernels', async () => {
    const { code } = await bundle('test/platform/wasm-entry.ts', 'iife');
    const context = vm.createContext({ kernels: loadKernelBytes('shared') });
    vm.runInContext(code, context);
    const away = JSON.parse(await (vm.runInContext('probe.run(kernels)', context) as Promise<string>)) as TinyRun;
    // native: false: the web host has no native matmul, so the same bits need Node's wasm one.
    registerBackend('wasm-plain', () => createWasmBackend({ fma: false, native: false }));
    const here = plain(tinyTrain('wasm-plain', 3));
    expect(away.backend).toBe('wasm');
    expectSameBits(away.losses, here.losses);
    expectSameBits(away.values, here.values);
  });
});
