import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/index.ts';
import { registerBackend } from '../../src/tensor/backends/registry.ts';
import { createWasmBackend } from '../../src/tensor/backends/wasm.ts';
import type { CaseResult, HostSetup, WireStep } from './page/entry.ts';
import { PAGE_HTML } from './page/index.ts';
import { pleStep, type StepResult } from './page/ple-step.ts';
import { serve, type Served } from './server.ts';

/**
 * mtlkit in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the
 * Node suite's backend parity properties and one ple-lite step, for js, wasm on one thread (a
 * page that is not cross-origin isolated: no SharedArrayBuffer), wasm on two threads (a
 * dedicated Worker of an isolated page), gpu.js WebGL2 (ANGLE on SwiftShader here) and gpu.js
 * WebGPU through the synchronous bridge (where the browser offers an adapter), plus doctor().
 * js and wasm must give Node's bits; the GPU kernels are held to the float32 bound below.
 */
const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

let served: Served;
let context: BrowserContext;
let profile = '';
const pages: Record<'plain' | 'iso', Page | null> = { plain: null, iso: null };

async function bundles(): Promise<Record<string, string>> {
  const out = await build({
    entryPoints: { page: `${here}page/entry.ts`, 'engine-worker': `${here}page/engine-worker.ts` },
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, outdir: '/out', logLevel: 'silent',
    // The harness's expectations, without vitest (which does not run in a page).
    plugins: [{ name: 'expect', setup: (b) => b.onResolve({ filter: /^vitest$/ }, () => ({ path: `${here}page/expect.ts` })) }],
  });
  const files: Record<string, string> = { '/': PAGE_HTML };
  for (const f of out.outputFiles) files[`/${f.path.split('/').pop()}`] = f.text;
  return files;
}

function setupFor(kind: 'plain' | 'iso', env: Record<string, string> = {}): HostSetup {
  return {
    env, kernelsUrl: `${served.base}/${kind}/kernels/`, gpuJsUrl: `${served.base}/${kind}/gpu.js`, gpuJsGlobal: true,
    workerUrls: { 'wasm-kernels': `${served.base}/${kind}/src/tensor/wasm/worker.mjs`, 'gpu-bridge': `${served.base}/${kind}/src/tensor/gpu/worker.mjs` },
  };
}

async function open(kind: 'plain' | 'iso'): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${kind} page] ${e.message}`));
  await page.goto(`${served.base}/${kind}/`);
  await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
  return page;
}

/** Calls an entry.ts function on the page itself (`where` 'page') or in its engine Worker. */
async function call<T>(page: Page, where: 'page' | 'engine', fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(async ([w, f, a]) => {
    const g = globalThis as unknown as { page: Record<string, (...x: unknown[]) => unknown>; engine: (f: string, ...x: unknown[]) => Promise<unknown> };
    return w === 'page' ? g.page[f]!(...a) : g.engine(f, ...a);
  }, [where, fn, args] as const) as Promise<T>;
}

function expectParity(label: string, results: CaseResult[]): void {
  expect(results.length).toBeGreaterThanOrEqual(10);
  const failed = results.filter((r) => !r.ok).map((r) => `${label} ${r.name}: ${r.error}`);
  expect(failed).toEqual([]);
}

function decode(w: WireStep): StepResult {
  const bin = Buffer.from(w.grads, 'base64');
  return { ...w, grads: Array.from(new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4)) };
}

function expectSameBits(label: string, a: number[], b: number[]): void {
  expect(a.length, label).toBe(b.length);
  const i = a.findIndex((x, j) => !Object.is(x, b[j]));
  expect(i, `${label}: first difference at [${i}]: ${a[i]} vs Node ${b[i]}`).toBe(-1);
}

/**
 * The GPU kernels' step against Node's js step. Every dot product in the step (forward
 * matmuls, the backward's transposed ones, batch reductions) has at most `k` terms; float32
 * in another summation order moves each by at most 2 k 2^-24 of the sum of its terms'
 * magnitudes (Higham 3.1). Those errors pass through a handful of layers (ple-lite's depth:
 * experts, gates, towers, each forward and backward) to a loss or gradient entry, scaled by
 * the entry's own magnitude and the layers' gains, which are O(1) at initialisation. So we
 * hold every entry to DEPTH * 2 k 2^-24 times the largest entry of its kind (losses
 * against the largest loss, gradients against the largest gradient): normwise rather than
 * elementwise, since a gradient entry can be a small difference of larger terms.
 */
const DEPTH = 8;
function expectWithinGpuBound(label: string, got: StepResult, want: StepResult): void {
  const seen: string[] = [];
  const bound = (xs: number[]) => DEPTH * 2 * want.k * 2 ** -24 * xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  for (const [name, g, w] of [['losses', got.losses, want.losses], ['grads', got.grads, want.grads]] as const) {
    expect(g.length, `${label} ${name}`).toBe(w.length);
    const tol = bound(w);
    let worst = 0, at = -1;
    for (let i = 0; i < w.length; i++) {
      const e = Math.abs(g[i]! - w[i]!);
      if (!(e <= worst)) { worst = e; at = i; }
    }
    seen.push(`${name} ${worst.toExponential(2)} <= ${tol.toExponential(2)}`);
    expect(worst, `${label} ${name}: worst |gpu - js| at [${at}] = ${worst} (gpu ${g[at]}, Node js ${w[at]}), bound ${tol}`).toBeLessThanOrEqual(tol);
  }
  console.log(`${label} vs Node js, worst |difference| against the bound (k = ${want.k}): ${seen.join(', ')}`);
}

const available = existsSync(CHROMIUM);

describe.skipIf(!available)(`mtlkit in headless Chromium${available ? '' : ` (skipped: ${CHROMIUM} is absent; .ci/run installs Debian's chromium)`}`, () => {
  beforeAll(async () => {
    served = await serve(root, await bundles());
    profile = mkdtempSync(join(tmpdir(), 'mtlkit-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await served?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('js: the parity properties, and a ple-lite step with Node\'s bits', async () => {
    const page = pages.plain = await open('plain');
    expect(await call(page, 'page', 'setup', setupFor('plain'))).toEqual({ isolated: false, worker: false });
    expect(await call(page, 'page', 'init', 'js')).toMatch(/^js/);
    expectParity('js', await call(page, 'page', 'parity', 6));
    const away = decode(await call<WireStep>(page, 'page', 'step', 'js'));
    const home = pleStep('js');
    expectSameBits('js losses', away.losses, home.losses);
    expectSameBits('js grads', away.grads, home.grads);
  }, 60_000);

  it('wasm on one thread (no cross-origin isolation, so no SharedArrayBuffer): parity, and Node\'s bits', async () => {
    const page = pages.plain!;
    expect(await call(page, 'page', 'init', 'wasm')).toMatch(/1\/1 thread\(s\) \(no SharedArrayBuffer\)/);
    expectParity('wasm 1 thread', await call(page, 'page', 'parity', 6));
    const away = decode(await call<WireStep>(page, 'page', 'step', 'wasm'));
    // native: false: a page has no native matmul, so the same bits need Node's wasm one.
    registerBackend('wasm-single', () => createWasmBackend({ sharedMemory: false, threads: 1, native: false }));
    const home = pleStep('wasm-single');
    expectSameBits('wasm losses', away.losses, home.losses);
    expectSameBits('wasm grads', away.grads, home.grads);
  }, 60_000);

  it('gpu.js WebGL2 on the page: parity within the float32 bound, a ple-lite step within the stated tolerance, doctor()', async () => {
    const page = pages.plain!;
    const describe = await call<string>(page, 'page', 'init', 'gpu');
    expect(describe).toMatch(/gpu\.js webgl2/);
    expectParity('gpu.js webgl2', await call(page, 'page', 'parity', 3));
    const away = decode(await call<WireStep>(page, 'page', 'step', 'gpu'));
    expectWithinGpuBound('gpu.js webgl2 step', away, pleStep('js'));
    const report = await page.evaluate(async () => {
      const core = (globalThis as unknown as { page: { doctor(): Promise<{ gpu: unknown; webgpu: unknown }> } }).page;
      return core.doctor();
    }) as { gpu: { loaded: boolean; device: string; parity: { ok: boolean } }; webgpu: { available: boolean; adapter?: string; reason?: string; parity?: { ok: boolean } } };
    expect(report.gpu.loaded).toBe(true);
    expect(report.gpu.device).toMatch(/^WebGL2, /);
    expect(report.gpu.parity.ok).toBe(true);
    if (report.webgpu.available) expect(report.webgpu.parity!.ok, JSON.stringify(report.webgpu)).toBe(true);
    else console.log(`WebGPU: skipped: ${report.webgpu.reason}`);
    console.log(`doctor() in Chromium: gpu ${report.gpu.device}; ${report.webgpu.available ? report.webgpu.adapter : 'no WebGPU'}`);
  }, 60_000);

  it('wasm on two threads in a dedicated Worker of a cross-origin isolated page: parity, and Node\'s bits', async () => {
    const page = pages.iso = await open('iso');
    await page.evaluate(() => (globalThis as unknown as { startEngine(): Promise<unknown> }).startEngine());
    expect(await call(page, 'engine', 'setup', setupFor('iso', { MTLKIT_THREADS: '2' }))).toEqual({ isolated: true, worker: true });
    expect(await call(page, 'engine', 'init', 'wasm')).toMatch(/2\/2 thread\(s\)/);
    expectParity('wasm 2 threads', await call(page, 'engine', 'parity', 6));
    const away = decode(await call<WireStep>(page, 'engine', 'step', 'wasm'));
    // native: false, as above.
    registerBackend('wasm-2', () => createWasmBackend({ threads: 2, native: false }));
    const home = pleStep('wasm-2');
    expectSameBits('wasm 2 threads losses', away.losses, home.losses);
    expectSameBits('wasm 2 threads grads', away.grads, home.grads);
  }, 60_000);

  it('gpu.js WebGPU behind the synchronous bridge (engine Worker blocks, gpu.js awaits in a nested Worker)', async (ctx) => {
    const page = pages.iso!;
    await call(page, 'engine', 'setup', setupFor('iso', { MTLKIT_GPU_MODE: 'webgpu' }));
    let describe: string;
    try {
      describe = await call<string>(page, 'engine', 'init', 'gpu');
    } catch (e) {
      console.log(`WebGPU: skipped: ${e instanceof Error ? e.message : String(e)}`);
      ctx.skip();
      return;
    }
    expect(describe).toMatch(/gpu\.js webgpu kernels in a worker/);
    expectParity('gpu.js webgpu', await call(page, 'engine', 'parity', 2));
    const away = decode(await call<WireStep>(page, 'engine', 'step', 'gpu'));
    expectWithinGpuBound('gpu.js webgpu step', away, pleStep('js'));
  }, 90_000);
});
