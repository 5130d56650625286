/**
 * bench/torch/alone.ts (`npm run bench -- race-alone`): the schedule's shape on a tiny PLE-lite,
 * each condition's steps from its own rounds, the EW scaling per condition, the refusals; the
 * PyTorch burst where torch imports here.
 */
import { describe, expect, it } from 'vitest';
import { runAlone, type AloneOptions } from '../../bench/torch/alone.ts';
import type { PleLiteShape } from '../../bench/torch/mtl-side.ts';
import { defaultPython, probeTorch } from '../../bench/torch/peer.ts';
import { getBackend } from '../../src/tensor/backends/registry.ts';

const TINY: PleLiteShape = { tasks: 3, fields: 3, vocab: 50, embDim: 4, expertHidden: [16, 8], towerHidden: [4] };
const base: AloneOptions = {
  shape: TINY, batch: 32, modes: ['ew', 'rep'], threads: [1], conditions: ['plain', 'flush'],
  rounds: 3, warmup: 1, gapMs: 0, flushMb: 1, burstMs: 5, python: defaultPython(),
};

describe('race-alone', () => {
  it('times every thread count, mode and condition, each condition on its own rounds', async () => {
    const threads = getBackend().maxThreads >= 2 ? [1, 2] : [1];
    const res = await runAlone({ ...base, threads });
    expect(res.cells).toHaveLength(threads.length * 2 * 2);
    for (const c of res.cells) {
      expect(c.steps, `${c.threads} ${c.mode} ${c.condition}`).toHaveLength(3);
      expect(c.medianMs).toBeGreaterThan(0);
    }
    if (threads.length === 2) {
      for (const c of ['plain', 'flush'] as const) {
        const at = (n: number) => res.cells.find((x) => x.threads === n && x.mode === 'ew' && x.condition === c)!.medianMs;
        expect(res.scaling[c]).toBeCloseTo(at(1) / at(2), 12);
      }
    } else {
      expect(res.scaling).toEqual({});
    }
  });

  it('refuses more threads than the backend has, and no condition', async () => {
    const n = getBackend().maxThreads + 1;
    await expect(runAlone({ ...base, threads: [n] })).rejects.toThrow(`${n} threads asked`);
    await expect(runAlone({ ...base, conditions: [] })).rejects.toThrow('no condition');
  });

  it.runIf(probeTorch().ok)('runs the PyTorch burst before its steps where torch imports', async () => {
    const res = await runAlone({ ...base, modes: ['ew'], conditions: ['burst'], rounds: 2, warmup: 0 });
    expect(res.cells.map((c) => [c.condition, c.steps.length])).toEqual([['burst', 2]]);
  });

  it('a burst whose Python cannot run torch fails by name', async () => {
    await expect(runAlone({ ...base, modes: ['ew'], conditions: ['burst'], rounds: 1, warmup: 0, python: 'no-such-python-for-mtlkit' }))
      .rejects.toThrow(/burst process ended/);
  });
});
