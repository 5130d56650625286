/**
 * The PyTorch race's harness (bench/compare-torch.ts): its same-work check on a tiny PLE-lite
 * when torch imports here; in every case, that the bench without torch skips with a message
 * naming the install command (so this file never passes without checking something).
 * `npm run bench -- compare-torch --python no-such-python` shows that message end to end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBatches, makeMtl, writeExchange, type MtlSide, type PleLiteShape } from '../../bench/torch/mtl-side.ts';
import type { TrainBatch } from '../../src/step/balanced-step.ts';
import { probeTorch, TorchPeer } from '../../bench/torch/peer.ts';
import { sameWork, TOL, TOL32 } from '../../bench/torch/same-work.ts';
import { modeOrder, predecessors } from '../../bench/torch/order.ts';

const torch = probeTorch();
const TINY: PleLiteShape = { tasks: 3, fields: 3, vocab: 50, embDim: 4, expertHidden: [16, 8], towerHidden: [4] };

describe('compare-torch', () => {
  it('without PyTorch the skip message (what the bench prints) names the install command', () => {
    const p = probeTorch('no-such-python-for-mtlkit');
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.message).toMatch(/skipped, PyTorch is not available/);
    expect(p.message).toMatch(/pip install --no-deps .*torch-\*\.whl/);
  });

  it('the modes run forwards, then backwards: our EW and rep steps follow PyTorch\'s param step equally often', () => {
    expect(modeOrder(0, 3)).toEqual([0, 1, 2]);
    expect(modeOrder(1, 3)).toEqual([2, 1, 0]);
    // [ours][theirs]: how often each of our modes ran right after each PyTorch mode, over 12
    // steps of ew, param, rep. (In one fixed order our rep followed PyTorch's param every time.)
    const seen = predecessors(12, 3);
    expect(seen[0]![1]).toBe(6);
    expect(seen[2]![1]).toBe(6);
    // Otherwise each follows its own mode's PyTorch step (the first step's first mode: none).
    expect([seen[0]![0], seen[0]![2]]).toEqual([5, 0]);
    expect([seen[2]![2], seen[2]![0]]).toEqual([6, 0]);
    expect(seen.flat().reduce((a, b) => a + b, 0)).toBe(12 * 3 - 1);
    // Two modes (--modes ew,rep): each follows the other's PyTorch step and its own alike.
    expect(predecessors(12, 2)).toEqual([[5, 6], [6, 6]]);
  });

  /** A tiny PLE-lite on both sides (batches of B, `n` of them), handed to `fn`; cleaned up after. */
  async function withPeer(B: number, n: number, fn: (s: MtlSide, peer: TorchPeer, dir: string, batches: TrainBatch[]) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-torch-test-'));
    const s = makeMtl(TINY, B), batches = makeBatches(TINY, B, n);
    writeExchange(dir, TINY, s.model, batches);
    const { peer } = await TorchPeer.start(torch.python);
    try {
      await peer.send({ cmd: 'load', dir, threads: 1 });
      await fn(s, peer, dir, batches);
    } finally {
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(!torch.ok)(`same-work check on a tiny PLE-lite against PyTorch (skipped when torch does not import: ${torch.ok ? '' : torch.message})`, () =>
    withPeer(64, 2, async (s, peer, dir, batches) => {
      const r = await sameWork(s, peer, dir, batches);
      expect(r.pass, r.lines.join('\n')).toBe(true);
      for (const k of ['sumGrad', 'taskGrad', 'gradcraft', 'multibalance'] as const) expect(r.worst[k].rel).toBeLessThanOrEqual(TOL.gradRel);
      // The float32 comparison is reported beside the verdict.
      expect(r.float32.worst.loss.rel).toBeLessThanOrEqual(TOL32.lossRel);
      expect(r.lines.join('\n')).toMatch(/float64 \(the verdict.*\n[\s\S]*float32, as timed/);
      // The sides then step: both run every mode without error and report a time.
      for (const mode of ['ew', 'param', 'rep']) expect((await peer.send({ cmd: 'step', mode, batch: 1 })).ms).toBeGreaterThan(0);
    }));

  it.skipIf(!torch.ok)('the float64 verdict fails where the two sides do different work (one weight of one tower changed on mtlkit\'s side only)', () =>
    withPeer(32, 1, async (s, peer, dir, batches) => {
      const p = s.model.store.layout().find((q) => q.name === 'ple.tower1.logit.weight')!;
      s.model.store.values[p.offset] += 0.05;
      const r = await sameWork(s, peer, dir, batches);
      expect(r.pass).toBe(false);
      expect(r.worst.sumGrad.rel).toBeGreaterThan(1e-3);
    }));
});
