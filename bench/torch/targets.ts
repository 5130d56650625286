/**
 * Issue 15's targets judged over every round of a race (bench/compare-torch.ts) at once. A
 * round's ratio moves with the machine's load (on the two-core VMs measured, one round of
 * three could fall on either side of a line), so each target pools the steps of all rounds and
 * reports the ratio of medians with a seeded 95% bootstrap interval (src/metrics/stats.ts):
 * met where the whole interval clears the line, missed where none of it does, undecided where
 * it straddles (more rounds narrow it).
 *
 * Pairs: a race step runs our side and PyTorch's back to back, and each mode of a step right
 * after the others (order.ts), so mtlkit's time and PyTorch's of one step, and our rep and EW
 * times of one step, share the moment's load: those are resampled as pairs. The one-thread and
 * two-thread steps run in different rounds' blocks, so the thread scaling resamples each side
 * on its own.
 */
import { bootstrapRatioOfMedians, type RatioInterval } from '../../src/metrics/stats.ts';
import { median } from '../../src/tensor/timing.ts';
import { sharedCache, type CrossCore } from '../native/placement.ts';
import type { Mode } from './mtl-side.ts';

/** One round at one thread count: each mode's per-step times (ms), the timed steps in order. */
export interface RaceRound {
  threads: number;
  rows: ReadonlyArray<{ mode: Mode; steps: { mtlkit: readonly number[]; torch: readonly number[] } }>;
}

/** One side's steps of one mode at one thread count. */
interface Steps {
  side: 'mtlkit' | 'torch';
  mode: Mode;
  threads: number;
}

/** What a target compares: a ratio of median step times, `num` over `den`. */
interface Measure {
  num: Steps;
  den: Steps;
}

export interface Target extends Measure {
  id: string;
  /** As the issue words it. */
  text: string;
  /** The ratio must be at least `min` (a speed-up) or at most `max` (a slow-down bound). */
  min?: number;
  max?: number;
}

const mtl = (mode: Mode, threads: number): Steps => ({ side: 'mtlkit', mode, threads });
const torch = (mode: Mode, threads: number): Steps => ({ side: 'torch', mode, threads });

/** Issue 15's targets that a race measures (peak memory has its own line). */
export const TARGETS: readonly Target[] = [
  { id: 'ew-1t', text: 'EW step >= 1.1x PyTorch on one thread', num: torch('ew', 1), den: mtl('ew', 1), min: 1.1 },
  { id: 'ew-2t', text: 'EW step >= 1.0x PyTorch on two threads', num: torch('ew', 2), den: mtl('ew', 2), min: 1.0 },
  { id: 'param-2t', text: 'param mode GradCraft >= 2.5x PyTorch on two threads', num: torch('param', 2), den: mtl('param', 2), min: 2.5 },
  { id: 'rep-2t', text: 'rep mode MultiBalance >= 1.3x PyTorch on two threads', num: torch('rep', 2), den: mtl('rep', 2), min: 1.3 },
  { id: 'rep-ew-2t', text: 'our rep step within 5% of our EW step (time, two threads)', num: mtl('rep', 2), den: mtl('ew', 2), max: 1.05 },
  { id: 'scaling', text: 'our EW step >= 1.8x from one thread to two (time, one over two)', num: mtl('ew', 1), den: mtl('ew', 2), min: 1.8 },
];

export type Verdict = 'met' | 'missed' | 'undecided' | 'not measured';

export interface Judged {
  id: string;
  text: string;
  /** null where a side has no steps (a thread count or mode not run). */
  interval: RatioInterval | null;
  paired: boolean;
  verdict: Verdict;
}

/** Every round's steps of one side, mode and thread count, rounds in order. */
function pooled(rounds: readonly RaceRound[], s: Steps): number[] {
  const out: number[] = [];
  for (const r of rounds) {
    if (r.threads !== s.threads) continue;
    const row = r.rows.find((x) => x.mode === s.mode);
    if (row) out.push(...row.steps[s.side]);
  }
  return out;
}

/** The ratio of one measure over the rounds, paired where both sides ran in the same steps. */
export function measure(rounds: readonly RaceRound[], m: Measure, seed?: number): { interval: RatioInterval | null; paired: boolean } {
  const num = pooled(rounds, m.num), den = pooled(rounds, m.den);
  const paired = m.num.threads === m.den.threads;
  if (num.length === 0 || den.length === 0) return { interval: null, paired };
  return { interval: bootstrapRatioOfMedians(num, den, { paired, seed }), paired };
}

export function judge(rounds: readonly RaceRound[], targets: readonly Target[] = TARGETS, seed?: number): Judged[] {
  return targets.map((t) => {
    const { interval, paired } = measure(rounds, t, seed);
    let verdict: Verdict = 'not measured';
    if (interval !== null && interval.lo !== null && interval.hi !== null) {
      const { lo, hi } = interval;
      verdict = t.min !== undefined
        ? (lo >= t.min ? 'met' : hi < t.min ? 'missed' : 'undecided')
        : (hi <= t.max! ? 'met' : lo > t.max! ? 'missed' : 'undecided');
    }
    return { id: t.id, text: t.text, interval, paired, verdict };
  });
}

/** One line per target: its ratio, interval, steps and verdict. */
export function formatJudged(j: Judged): string {
  const iv = j.interval;
  if (iv === null) return `  ${j.text}: not measured (that thread count or mode did not run)`;
  const ci = iv.lo === null ? 'no interval (fewer than two steps a side)' : `95% CI ${iv.lo.toFixed(2)}-${iv.hi!.toFixed(2)}`;
  const n = j.paired ? `${iv.n[0]} paired steps` : `${iv.n[0]} and ${iv.n[1]} steps`;
  return `  ${j.text}: ${iv.ratio.toFixed(2)}x (${ci}, ${n}): ${j.verdict}`;
}

/** A round with where the host had the vCPUs around it (bench/native/placement.ts; null: not probed). */
export interface PlacedRound extends RaceRound {
  round: number;
  placement: readonly CrossCore[] | null;
}

/**
 * Our EW step's gain from one thread to two (median over median of the steps pooled) in the
 * rounds whose two-thread probes all found the vCPUs sharing a cache (`shared`) and in the
 * rounds where one did not (`apart`); null where no round falls there. Informational: the
 * scaling target is judged over every round.
 */
export function scalingByPlacement(rounds: readonly PlacedRound[]): Record<'shared' | 'apart', { rounds: number; gain: number } | null> {
  const where = (shared: boolean): { rounds: number; gain: number } | null => {
    const at = new Set(rounds.filter((x) => x.threads === 2 && x.placement !== null && sharedCache(x.placement) === shared).map((x) => x.round));
    const ew = (n: number): number[] => rounds.filter((x) => x.threads === n && at.has(x.round)).flatMap((x) => x.rows.find((y) => y.mode === 'ew')?.steps.mtlkit ?? []);
    const one = ew(1), two = ew(2);
    return one.length > 0 && two.length > 0 ? { rounds: at.size, gain: median(one) / median(two) } : null;
  };
  return { shared: where(true), apart: where(false) };
}
