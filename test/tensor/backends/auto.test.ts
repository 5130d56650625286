import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCandidates } from '../../../src/tensor/backends/accelerated.ts';
import { classify, createAutoBackend, loadOrCalibrate, type AutoBackend } from '../../../src/tensor/backends/auto.ts';
import { benchMatmul } from '../../../src/cli/commands/bench-matmul.ts';
import { doctor } from '../../../src/cli/commands/doctor.ts';
import { createJsBackend } from '../../../src/tensor/backends/js.ts';
import { parityProperties } from './harness.ts';

// Calibration writes its plan under MTLKIT_CACHE_DIR: a fresh temporary folder here.
let dir = '';
let auto: AutoBackend;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mtlkit-auto-'));
  process.env.MTLKIT_CACHE_DIR = dir;
  auto = createAutoBackend();
});
afterAll(() => {
  delete process.env.MTLKIT_CACHE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('auto backend', () => {
  it('calibrates once, caches the plan on disk, and reads it back', () => {
    expect(auto.calibration.cached).toBe(false);
    expect(existsSync(auto.calibration.file)).toBe(true);
    const { loaded } = loadCandidates();
    const again = loadOrCalibrate(loaded);
    expect(again.cached).toBe(true);
    expect(again.plan).toEqual(auto.plan);
    const names = loaded.map(([n]) => n);
    for (const op of ['matmul', 'gram', 'sumAxis'] as const) {
      for (const cls of ['small', 'medium', 'large'] as const) expect(names).toContain(auto.plan[op][cls]);
    }
  });

  it('is named auto; its capabilities are the backend under it, the row sum the one its plan picks', () => {
    expect(auto.name).toBe('auto');
    const { loaded } = loadCandidates();
    expect(auto.under.name).toBe(loaded.some(([n]) => n === 'wasm') ? 'wasm' : 'js');
    expect(auto.fastFiniteCheck).toBe(auto.under.fastFiniteCheck);
    expect(auto.threads).toBe(auto.under.threads);
    const x = auto.alloc('float32', 5000);
    expect(auto.resident(x)).toBe(auto.under.resident(x));
    const byName = new Map(loaded);
    for (const work of [1e3, 1e6, 1e8]) {
      expect(auto.rowSumByMatmul(work)).toBe(byName.get(auto.pick('matmul', work))!.rowSumByMatmul(work));
    }
  });

  it('classifies PLE-sized calls as large', () => {
    expect(classify('matmul', 2048 * 320 * 256)).toBe('large');
    expect(classify('gram', 6 * 6 * 3e6)).toBe('large');
    expect(classify('matmul', 4 * 4 * 4)).toBe('small');
  });

  describe('parity with the js twin', () => {
    parityProperties(() => auto, it, 8);
  });
});

describe('bench matmul and doctor (library side of the CLI)', () => {
  it('benchMatmul reports backend, threads, median ms, GFLOP/s and the i-k-j baseline', () => {
    const r = benchMatmul(createJsBackend(), 33, 17, 9, 'b');
    expect(r.backend).toBe('js');
    expect(r.threads).toBe(1);
    for (const key of ['ms', 'gflops', 'baseline_ms', 'baseline_gflops'] as const) {
      expect(r[key]).toBeGreaterThan(0);
    }
  });

  it('doctor lists every backend with a description or a reason, and the auto plan', () => {
    const r = doctor();
    expect(r.backends.js.loaded).toBe(true);
    expect(Object.keys(r.backends).sort()).toEqual(['gpu', 'js', 'wasm']);
    for (const b of Object.values(r.backends)) expect(b.describe ?? b.reason).toBeTruthy();
    expect(r.auto?.cached).toBe(true);
    // Which GPU API the gpu backend got (none in Node) and its matmul parity with js.
    if (!r.gpu.loaded) expect.fail(`gpu did not load: ${r.gpu.reason}`);
    expect(r.gpu.device).toMatch(/^the CPU \(gpu\.js \w+ kernels; no GPU API in Node\)$/);
    expect(r.gpu.parity.ok, JSON.stringify(r.gpu.parity)).toBe(true);
  });
});
