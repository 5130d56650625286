/**
 * The PyTorch race's harness (bench/compare-torch.ts): its same-work check on a tiny PLE-lite
 * when torch imports here; in every case, that the bench without torch skips with a message
 * naming the install command (so this file never passes without checking something).
 * `npm run bench -- compare-torch --python no-such-python` shows that message end to end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBatches, makeMtl, writeExchange, type MtlSide, type PleLiteShape } from '../../bench/torch/mtl-side.ts';
import type { TrainBatch } from '../../src/step/balanced-step.ts';
import { probeTorch, TorchPeer } from '../../bench/torch/peer.ts';
import { sameWork, TOL, TOL32 } from '../../bench/torch/same-work.ts';
import { modeOrder, predecessors } from '../../bench/torch/order.ts';
import { formatJudged, judge, scalingByPlacement, TARGETS, type PlacedRound, type RaceRound } from '../../bench/torch/targets.ts';
import { InterferenceProbe } from '../../bench/torch/interference.ts';
import { threadSched } from '../../bench/jit/threads.ts';
import { busyAfter, cpuAfter, pause } from '../../bench/torch/quiet.ts';

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

  it('refuses a settling step count that is not a whole number (before anything runs)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'compare-torch', '--settle', '2.5'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/compare-torch: --settle must be a whole number of steps >= 0, got "2\.5"/);
  });

  it('refuses an op-family count that is not a whole number (before anything runs)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'compare-torch', '--by-op', '-3'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/compare-torch: --by-op takes a whole number of op families, got "-3"/);
  });

  it('the scaling by placement: rounds whose two-thread probes all found a shared cache against the others, EW steps pooled', () => {
    const near = { own: 76, other: 74, flushed: 30 }, far = { own: 76, other: 28, flushed: 21 };
    const ew = (ms: number[]) => [{ mode: 'ew' as const, steps: { mtlkit: ms, torch: ms } }];
    const rounds: PlacedRound[] = [
      { round: 1, threads: 1, rows: ew([120, 124]), placement: null },
      { round: 1, threads: 2, rows: ew([60, 62]), placement: [near, near] },
      { round: 2, threads: 1, rows: ew([122]), placement: null },
      { round: 2, threads: 2, rows: ew([75]), placement: [near, far] },
      { round: 3, threads: 1, rows: ew([126]), placement: null },
      { round: 3, threads: 2, rows: ew([78, 80]), placement: [far, far] },
      // Not probed: in neither group.
      { round: 4, threads: 1, rows: ew([1]), placement: null },
      { round: 4, threads: 2, rows: ew([1]), placement: null },
    ];
    const g = scalingByPlacement(rounds);
    expect(g.shared).toEqual({ rounds: 1, gain: 122 / 61 });
    // Rounds 2 and 3: one-thread steps 122, 126 (median 124) over 75, 78, 80 (median 78).
    expect(g.apart).toEqual({ rounds: 2, gain: 124 / 78 });
    expect(scalingByPlacement(rounds.slice(0, 2)).apart).toBeNull();
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

  it('the targets over every round: step pairs pooled, met / missed / undecided by where the interval lies', () => {
    const load = [1, 1.5, 0.9, 1.3, 1.1, 2, 1, 0.95, 1.2, 1.4];
    const at = (k: number) => load.map((l) => k * l);
    const rounds: RaceRound[] = [];
    for (let r = 0; r < 2; r++) {
      // One thread: PyTorch 1.2x our EW in every step pair, whatever the load.
      rounds.push({ threads: 1, rows: [{ mode: 'ew', steps: { mtlkit: at(150 + r), torch: at(1.2 * (150 + r)) } }] });
      // Two threads: EW 0.9x (PyTorch faster), param 2.2x and 2.8x in turn, no rep.
      rounds.push({ threads: 2, rows: [
        { mode: 'ew', steps: { mtlkit: at(80), torch: at(72) } },
        { mode: 'param', steps: { mtlkit: at(120), torch: at(120).map((x, i) => x * (i % 2 ? 2.8 : 2.2)) } },
      ] });
    }
    const j = judge(rounds);
    expect(j.map((x) => x.id)).toEqual(TARGETS.map((t) => t.id));
    const by = Object.fromEntries(j.map((x) => [x.id, x]));
    expect(by['ew-1t']!.verdict).toBe('met');
    expect(by['ew-1t']!.paired).toBe(true);
    expect(by['ew-1t']!.interval!.n).toEqual([20, 20]);
    expect(by['ew-1t']!.interval!.ratio).toBeCloseTo(1.2, 12);
    expect(by['ew-2t']!.verdict).toBe('missed');
    expect(by['param-2t']!.verdict).toBe('undecided');
    expect(by['param-2t']!.interval!.lo!).toBeLessThan(2.5);
    expect(by['param-2t']!.interval!.hi!).toBeGreaterThan(2.5);
    expect(by['rep-2t']!.verdict).toBe('not measured');
    expect(by['rep-ew-2t']!.verdict).toBe('not measured');
    // The scaling's sides ran in different rounds: resampled apart, 150.5 / 80 at the medians.
    expect(by['scaling']!.paired).toBe(false);
    const s = by['scaling']!.interval!;
    expect(s.ratio).toBeCloseTo(medianOf([...at(150), ...at(151)]) / medianOf([...at(80), ...at(80)]), 12);
    expect(by['scaling']!.verdict).toBe(s.lo! >= 1.8 ? 'met' : s.hi! < 1.8 ? 'missed' : 'undecided');
    expect(formatJudged(by['ew-1t']!)).toMatch(/EW step >= 1\.1x PyTorch on one thread: 1\.20x \(95% CI 1\.20-1\.20, 20 paired steps\): met/);
    expect(formatJudged(by['rep-2t']!)).toMatch(/not measured/);
    // The same rounds, the same verdicts and intervals (seeded).
    expect(judge(rounds)).toEqual(j);
  });

  it('what a side leaves running after its step: the CPU in all, and the end of the last slice that used more than the floor', () => {
    expect(busyAfter([4.2, 3.9, 0.3, 1.1, 0.2, 0, 0], 5)).toEqual({ cpuMs: 9.7, untilMs: 20 });
    expect(busyAfter([0.1, 0.4, 0], 5)).toEqual({ cpuMs: 0.5, untilMs: 0 });
    expect(busyAfter([0.1, 0.4, 0], 5, 0.3).untilMs).toBe(10);
    // This process asleep: a slice per 5 ms, each a CPU time (nothing here keeps a core busy).
    const slices = cpuAfter(20, 5);
    expect(slices).toHaveLength(4);
    for (const c of slices) expect(c).toBeGreaterThanOrEqual(0);
    pause(0);
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
      // What PyTorch's threads use after a step: one figure per slice, none negative.
      const cpu = (await peer.send({ cmd: 'after', mode: 'ew', batch: 0, ms: 20, slice: 5 })).cpu_ms as number[];
      expect(cpu.length).toBeGreaterThanOrEqual(4);
      for (const c of cpu) expect(c).toBeGreaterThanOrEqual(0);
      // The race's reading of what else ran reads PyTorch's own process: around its step, its CPU.
      if (process.platform === 'linux') {
        const probe = new InterferenceProbe(peer.pid!, new Set([process.pid]));
        probe.begin();
        await peer.send({ cmd: 'step', mode: 'ew', batch: 0 });
        expect(probe.end()!.theirCpu).toBeGreaterThan(0);
        // And not ours: around our own work, PyTorch idle, it reads far less than that work took.
        const mine = (): number => threadSched()!.get(process.pid)!.cpu / 1e6;
        probe.begin();
        const start = mine();
        let x = 0, round = 0;
        do for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
        while (++round < 5000 && mine() - start < 20);
        const used = mine() - start, r = probe.end()!;
        expect(x).toBeGreaterThan(0);
        expect(r.theirCpu).toBeLessThan(used / 2);
      }
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

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
