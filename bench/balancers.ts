/**
 * `npx tsx bench/balancers.ts [--T 2,4,6,12] [--d 1e4,1e5,1e6] [--methods a,b] [--json]`
 * [--wasm-gram] (or `npm run bench -- balancers ...`): time of one `combine` per balancer on float32 rows,
 * for every T x d, into a preallocated out (the training path). Each figure is the median of
 * repeated calls after a warm-up; the state of stateful balancers advances between calls as in
 * training. Also times the TS Gram kernel (the d-sized cost of most methods) against the
 * backend's `gram` where one loads. Compare figures of one run only: the machine may be shared.
 */
import { balancerIds, createBalancer, linalg } from '../src/mtl/index.ts';
import { Rng } from '../src/tensor/rng.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
};
const Ts = arg('T', '2,4,6,12').split(',').map(Number);
const ds = arg('d', '1e4,1e5,1e6').split(',').map(Number);
const methods = arg('methods', balancerIds.join(',')).split(',');
const json = process.argv.includes('--json');
const useWasm = process.argv.includes('--wasm-gram');
if (useWasm) {
  // Route the balancers' Gram through the wasm backend's kernel (linalg.useGramKernel).
  const { createWasmBackend } = await import('../src/tensor/backends/wasm.ts');
  const wasm = createWasmBackend();
  linalg.useGramKernel((g, out, t, d) => wasm.gram(g, out, t, d));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
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
for (const d of ds) {
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
try {
  const { createJsBackend } = await import('../src/tensor/backends/js.ts');
  const { createWasmBackend } = await import('../src/tensor/backends/wasm.ts');
  const T = 6, d = 1e6;
  const G = new Float32Array(T * d).map(() => rng.normal());
  const K = new Float64Array(T * T);
  const ts = timeCalls(() => linalg.gramTs(G, K, T, d));
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

if (json) {
  console.log(JSON.stringify({ rows, backendGram }));
} else {
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
  console.log('training-step ratios (GradCraft param mode and MultiBalance rep mode over EW, PLE preset) come with the trainer; not measured here.');
}
