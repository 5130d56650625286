/**
 * `npx tsx bench/balancers.ts [--T 2,4,6,12] [--d 1e4,1e5,1e6] [--methods a,b] [--json]`
 * [--wasm-gram] (or `npm run bench -- balancers ...`): time of one `combine` per balancer on float32 rows,
 * for every T x d, into a preallocated out (the training path). Each figure is the median of
 * repeated calls after a warm-up; the state of stateful balancers advances between calls as in
 * training. Also times the TS Gram kernel (the d-sized cost of most methods) against the
 * backend's `gram` where one loads. Compare figures of one run only: the machine may be shared.
 *
 * Then the training step (issue 6): on the PLE preset, the real balanced step (BalancedStep +
 * L2 + Adam, src/bench/balanced-step.ts) of GradCraft in param mode and of MultiBalance in rep mode,
 * each divided by the EW step measured in the same run. The three are interleaved round by
 * round (the order rotates), so load on a shared machine hits them alike; the ratio printed is
 * the median over rounds of (method step / EW step of that round). Targets: rep <= 1.05x EW,
 * param <= 1.8x EW at T = 6. Flags: --model ple-paper --batch 2048 --fields 20 --vocab 10000
 * --tasks 6 --rounds 7 --warmup 2; --skip-combine / --skip-step run one part only.
 */
import { balancerIds, createBalancer, linalg } from '../src/mtl/index.ts';
import { BalancedBench, type BalancedBenchResult } from '../src/bench/index.ts';
import type { PresetName } from '../src/nn/models/presets.ts';
import { getBackend, setBackend } from '../src/tensor/backends/registry.ts';
import { Rng } from '../src/tensor/rng.ts';
import { median } from '../src/tensor/timing.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
const Ts = arg('T', '2,4,6,12').split(',').map(Number);
const ds = arg('d', '1e4,1e5,1e6').split(',').map(Number);
const methods = arg('methods', balancerIds.join(',')).split(',');
const json = process.argv.includes('--json');
const skipCombine = process.argv.includes('--skip-combine');
const skipStep = process.argv.includes('--skip-step');
const useWasm = process.argv.includes('--wasm-gram');
if (useWasm) {
  // Route the balancers' Gram through the wasm backend's kernel (linalg.useGramKernel).
  const { createWasmBackend } = await import('../src/tensor/backends/wasm.ts');
  const wasm = createWasmBackend();
  linalg.useGramKernel((g, out, t, d) => wasm.gram(g, out, t, d));
}


function timeCalls(fn: (i: number) => void, budgetMs = 150, maxReps = 25): number {
  fn(-1); // warm-up (and first-use allocations)
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < maxReps && (i < 3 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

const rows: { method: string; T: number; d: number; ms: number }[] = [];
const rng = new Rng(1);
for (const d of skipCombine ? [] : ds) {
  for (const T of Ts) {
    const G = new Float32Array(T * d);
    for (let t = 0; t < T; t++) {
      const s = Math.exp(rng.normal());
      for (let k = 0; k < d; k++) G[t * d + k] = s * rng.normal();
    }
    const out = new Float32Array(d);
    const losses = Array.from({ length: T }, () => 0.1 + rng.next());
    const K = new Float64Array(T * T);
    rows.push({ method: '(gram only)', T, d, ms: timeCalls(() => linalg.gram(G, K, T, d)) });
    for (const id of methods) {
      const b = createBalancer(id);
      const ctxRng = new Rng(7);
      rows.push({ method: id, T, d, ms: timeCalls((i) => b.combine(G, T, { step: i + 1, losses, rng: ctxRng }, out)) });
    }
    if (!json) process.stderr.write(`done T=${T} d=${d}\n`);
  }
}

let backendGram: string[] = [];
if (!skipCombine) try {
  const { createJsBackend } = await import('../src/tensor/backends/js.ts');
  const { createWasmBackend } = await import('../src/tensor/backends/wasm.ts');
  const T = 6, d = 1e6;
  const G = new Float32Array(T * d).map(() => rng.normal());
  const K = new Float64Array(T * T);
  const ts = timeCalls(() => linalg.gramJs(G, K, T, d));
  const js = createJsBackend();
  const tj = timeCalls(() => js.gram(G, K, T, d));
  backendGram = [`gram T=6 d=1e6: mtl/linalg ${ts.toFixed(1)} ms, js backend ${tj.toFixed(1)} ms`];
  try {
    const wasm = createWasmBackend();
    const tw = timeCalls(() => wasm.gram(G, K, T, d));
    backendGram[0] += `, wasm backend ${tw.toFixed(1)} ms`;
  } catch (e) {
    backendGram[0] += ` (wasm backend unavailable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
} catch {
  backendGram = ['(backend gram kernels not loadable; skipped)'];
}

// ---- the training step: GradCraft (param) and MultiBalance (rep) over EW, interleaved ----
interface StepRatios {
  command: string;
  backend: string;
  shape: { model: string; batch: number; fields: number; vocab: number; tasks: number; rounds: number };
  ew: BalancedBenchResult;
  gradcraft_param: BalancedBenchResult;
  multibalance_rep: BalancedBenchResult;
  ratio_param: number;
  ratio_rep: number;
  per_round: { ew: number; gradcraft_param: number; multibalance_rep: number }[];
  targets: { param: number; rep: number };
}

function stepRatios(): StepRatios {
  setBackend(arg('backend', process.env.MTLKIT_BACKEND ?? 'wasm'));
  const shape = {
    model: arg('model', 'ple-paper') as PresetName, batch: Number(arg('batch', '2048')), fields: Number(arg('fields', '20')),
    vocab: Number(arg('vocab', '10000')), tasks: Number(arg('tasks', '6')),
  };
  const rounds = Math.max(1, Number(arg('rounds', '7'))), warmup = Number(arg('warmup', '2'));
  const benches = {
    ew: new BalancedBench({ ...shape, method: 'ew', mode: 'param' }),
    gradcraft_param: new BalancedBench({ ...shape, method: 'gradcraft', mode: 'param' }),
    multibalance_rep: new BalancedBench({ ...shape, method: 'multibalance', mode: 'rep' }),
  };
  const keys = Object.keys(benches) as (keyof typeof benches)[];
  for (const k of keys) for (let i = 0; i < warmup; i++) benches[k].step(false);
  const per_round: StepRatios['per_round'] = [];
  for (let r = 0; r < rounds; r++) {
    const ms = {} as StepRatios['per_round'][number];
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length]!;
      ms[k] = benches[k].step(true);
    }
    per_round.push(ms);
    if (!json) process.stderr.write(`round ${r + 1}/${rounds}: ew ${ms.ew.toFixed(0)} ms, gradcraft param ${ms.gradcraft_param.toFixed(0)} ms, multibalance rep ${ms.multibalance_rep.toFixed(0)} ms\n`);
  }
  const med = (xs: number[]): number => median(xs);
  return {
    command: `npx tsx bench/balancers.ts ${process.argv.slice(2).join(' ')}`.trim(),
    backend: getBackend().name,
    shape: { ...shape, rounds },
    ew: benches.ew.result(),
    gradcraft_param: benches.gradcraft_param.result(),
    multibalance_rep: benches.multibalance_rep.result(),
    ratio_param: med(per_round.map((x) => x.gradcraft_param / x.ew)),
    ratio_rep: med(per_round.map((x) => x.multibalance_rep / x.ew)),
    per_round,
    targets: { param: 1.8, rep: 1.05 },
  };
}

const steps = skipStep ? null : stepRatios();

if (json) {
  console.log(JSON.stringify({ rows, backendGram, steps }));
} else {
  if (!skipCombine) {
    const cols = Ts.flatMap((T) => ds.map((d) => ({ T, d })));
    const head = ['method'.padEnd(16), ...cols.map(({ T, d }) => `T=${T},d=${d.toExponential(0)}`.padStart(14))].join('');
    console.log(`combine time per call, ms (float32 rows, median; Gram by ${useWasm ? 'the wasm backend' : 'the TS loop'})`);
    console.log(head);
    for (const m of ['(gram only)', ...methods]) {
      const line = [m.padEnd(16)];
      for (const { T, d } of cols) {
        const r = rows.find((x) => x.method === m && x.T === T && x.d === d)!;
        line.push((r.ms < 10 ? r.ms.toFixed(2) : r.ms.toFixed(1)).padStart(14));
      }
      console.log(line.join(''));
    }
    for (const l of backendGram) console.log(l);
  }
  if (steps) {
    const s = steps.shape;
    const line = (name: string, r: BalancedBenchResult): string =>
      `  ${name.padEnd(22)} ${r.ms_per_step.toFixed(0).padStart(6)} ms/step  ${Math.round(r.samples_per_s).toString().padStart(6)} samples/s  ` +
      `(fwd ${r.phases_ms.forward.toFixed(0)}, bwd ${r.phases_ms.backward.toFixed(0)}, balancer ${r.phases_ms.balancer.toFixed(1)}, opt ${r.phases_ms.optimizer.toFixed(0)} ms; d ${r.d})`;
    console.log(`training step, ${s.model} batch ${s.batch}, ${s.fields} fields x ${s.vocab} ids, T = ${s.tasks}, backend ${steps.backend}; medians of ${s.rounds} interleaved rounds`);
    console.log(line('EW (one backward)', steps.ew));
    console.log(line('GradCraft, param mode', steps.gradcraft_param));
    console.log(line('MultiBalance, rep mode', steps.multibalance_rep));
    const verdict = (x: number, t: number): string => `${x.toFixed(2)}x EW (target <= ${t}x: ${x <= t ? 'met' : 'NOT met'})`;
    console.log(`  GradCraft param / EW:    ${verdict(steps.ratio_param, steps.targets.param)}`);
    console.log(`  MultiBalance rep / EW:   ${verdict(steps.ratio_rep, steps.targets.rep)}`);
    console.log(`  peak RSS ${Math.round(steps.multibalance_rep.peak_rss_mb)} MB (three models in one process)`);
  }
}
