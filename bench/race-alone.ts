/**
 * `npm run bench -- race-alone [--rounds 4] [--warmup 1] [--threads 1,2] [--modes ew,param,rep]
 *   [--conditions plain,flush,burst] [--gap 50] [--flush-mb 128] [--burst-ms 90] [--batch 2048]
 *   [--python python3] [--json]`
 *
 * Our side of the PyTorch race (compare-torch) in one process with no PyTorch model between
 * our steps (bench/torch/alone.ts): PLE-lite, the race's batches, thread counts and mode order,
 * each step after --gap ms of sleep and, before it, in turn: nothing (plain), a write over
 * --flush-mb MB (flush: caches cold), or --burst-ms of PyTorch matmuls on two threads in a child
 * process (burst; dropped with a message where torch does not import). Prints each mode's
 * median per thread count and condition, and the EW step's gain from one thread to two: the
 * race's steps as this machine runs them alone, to set beside a race's (docs/speed.md).
 * Each round runs one condition; a condition's steps come from every conditions.length-th round.
 */
import { getBackend } from '../src/tensor/backends/registry.ts';
import { has, opt } from './flags.ts';
import { CONDITIONS, runAlone, type Condition } from './torch/alone.ts';
import { MODES, PLE_LITE, type Mode } from './torch/mtl-side.ts';
import { defaultPython, probeTorch } from './torch/peer.ts';

const num = (k: string, d: string, min: number): number => {
  const v = Number(opt(k, d));
  if (!(v >= min)) {
    console.error(`race-alone: --${k} must be a number >= ${min}, got "${opt(k, d)}"`);
    process.exit(2);
  }
  return v;
};
const list = <T extends string>(k: string, d: string, allowed: readonly T[]): T[] => {
  const xs = opt(k, d).split(',').filter(Boolean);
  const bad = xs.filter((x) => !allowed.includes(x as T));
  if (bad.length || xs.length === 0) {
    console.error(`race-alone: --${k} takes a list of ${allowed.join(', ')}; got "${opt(k, d)}"`);
    process.exit(2);
  }
  return xs as T[];
};

const python = opt('python', defaultPython());
let conditions = list<Condition>('conditions', CONDITIONS.join(','), CONDITIONS);
if (conditions.includes('burst')) {
  const p = probeTorch(python);
  if (!p.ok) {
    console.log(`race-alone: no burst condition: ${p.message}`);
    conditions = conditions.filter((c) => c !== 'burst');
  }
}
if (conditions.length === 0) {
  console.log('race-alone: no condition left to run');
  process.exit(0);
}
const threads = opt('threads', '1,2').split(',').map(Number);
if (threads.some((n) => !(Number.isInteger(n) && n >= 1))) {
  console.error(`race-alone: --threads takes thread counts >= 1, got "${opt('threads', '1,2')}"`);
  process.exit(2);
}
const res = await runAlone({
  shape: PLE_LITE, batch: num('batch', '2048', 1), modes: list<Mode>('modes', MODES.join(','), MODES), threads, conditions,
  rounds: num('rounds', '4', 1), warmup: num('warmup', '1', 0), gapMs: num('gap', '50', 0), flushMb: num('flush-mb', '128', 1),
  burstMs: num('burst-ms', '90', 1), python,
});
if (has('json')) {
  console.log(JSON.stringify({ backend: getBackend().describe(), ...res }));
} else {
  console.log(`race-alone: PLE-lite, ${getBackend().describe()}; each step after ${opt('gap', '50')} ms of sleep`);
  for (const c of res.cells) {
    console.log(`  ${c.threads} thread(s), ${c.mode.padEnd(5)} ${c.condition.padEnd(5)}: ${c.medianMs.toFixed(1)} ms (median of ${c.steps.length}, ${Math.min(...c.steps).toFixed(1)}-${Math.max(...c.steps).toFixed(1)})`);
  }
  for (const [c, s] of Object.entries(res.scaling)) console.log(`  EW from ${Math.min(...threads)} to ${Math.max(...threads)} threads, ${c}: ${s!.toFixed(2)}x`);
}
process.exit(0);
