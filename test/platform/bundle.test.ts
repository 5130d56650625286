import { builtinModules } from 'node:module';
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
 * metafile is checked for Node paths as well. The bundle must then run where there is no Node:
 * a fresh vm context without process, require or any host object, training on the js backend
 * to the same bits as in Node.
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
    // The core's own folders are in, the Node-only ones are not.
    const inputs = Object.keys(metafile.inputs);
    for (const dir of ['src/tensor/', 'src/autograd/', 'src/nn/', 'src/mtl/', 'src/metrics/', 'src/data/']) {
      expect(inputs.some((p) => p.startsWith(dir)), dir).toBe(true);
    }
    for (const nodeOnly of ['src/train/', 'src/cli/', 'src/sweep/', 'src/data/csv.ts', 'src/platform/install-node.ts']) {
      expect(inputs.filter((p) => p.startsWith(nodeOnly)), nodeOnly).toEqual([]);
    }
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
    registerBackend('wasm-plain', () => createWasmBackend({ fma: false }));
    const here = plain(tinyTrain('wasm-plain', 3));
    expect(away.backend).toBe('wasm');
    expectSameBits(away.losses, here.losses);
    expectSameBits(away.values, here.values);
  });
});
