/**
 * `npm run bench -- compare-tfjs [--steps 10] [--warmup 2] [--batch 2048] [--quick]
 *   [--forms stock,fast] [--modes ew,param,rep,forward] [--no-rss] [--json]`
 *
 * mtlkit against TensorFlow.js (4.22, wasm backend) on issue 9's PLE-lite, in one process:
 * 1. the same model in both (bench/tfjs/ple-lite.ts, weights copied from mtlkit's store), the
 *    same batches; first a check that both compute the same per-task losses, the same
 *    summed-loss gradient of every parameter and the same per-task gradients of the shared
 *    parameters, within a stated float32 tolerance (so the race is over the same work);
 * 2. timing, median of --steps steps after --warmup, of (a) EW: one backward of the summed
 *    loss + Adam; (b) param mode: six per-task gradients of the shared parameters, combine
 *    (EW's sum) + Adam; (c) rep mode: six per-task gradients at the shared representation, one
 *    backward through the bottom + Adam; (d) forward only. tfjs runs in two forms (stock and
 *    fast, see bench/tfjs/ple-lite.ts). Steps of the sides are INTERLEAVED (one mtlkit step,
 *    one tfjs stock step, one tfjs fast step, ...) so that load from other processes on a
 *    shared machine hits every side alike;
 * 3. peak resident memory of each side, measured in a child process per side (one process
 *    cannot separate them: --no-rss skips this).
 * --quick: 3 steps after 1 warm-up. mtlkit uses MTLKIT_BACKEND (default here: wasm).
 * --profile [--shapes] [--top N]: no race; mtlkit's side of each mode under the step profiler
 * (src/profile): ms per phase and per op family (matmul by shape with --shapes).
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { backward } from '../src/autograd/backward.ts';
import { noGrad } from '../src/autograd/mode.ts';
import { BalancedStep, type TrainBatch } from '../src/step/balanced-step.ts';
import { ParamRows } from '../src/step/param-rows.ts';
import { RepRows } from '../src/step/rep-rows.ts';
import { createBalancer } from '../src/mtl/balancers/index.ts';
import { MultiTaskBCE, weightedSum } from '../src/nn/losses.ts';
import { createModel } from '../src/nn/models/presets.ts';
import type { MultiTaskModel } from '../src/nn/models/model.ts';
import { Adam } from '../src/nn/optim/adam.ts';
import { getBackend, setBackend } from '../src/tensor/backends/registry.ts';
import { Rng } from '../src/tensor/rng.ts';
import { PLE_LITE, TfPleLite, type TfForm } from './tfjs/ple-lite.ts';
import { kinkFreeRows, subBatch } from './tfjs/kink-free.ts';
import { installProfiler, profile, wrapMethod } from '../src/profile/index.ts';
import { profileSteps } from './profile-steps.ts';
import { median } from '../src/tensor/timing.ts';
import { has, opt } from './flags.ts';

// ---------------------------------------------------------------------------------- options
const here = dirname(fileURLToPath(import.meta.url));
const quick = has('quick');
const B = Number(opt('batch', '2048'));
const STEPS = Number(opt('steps', quick ? '3' : '10'));
const WARMUP = Number(opt('warmup', quick ? '1' : '2'));
const FORMS = opt('forms', 'stock,fast').split(',').filter(Boolean) as TfForm[];
type Mode = 'ew' | 'param' | 'rep' | 'forward';
const MODES = opt('modes', 'ew,param,rep,forward').split(',').filter(Boolean) as Mode[];
const CHILD = opt('child', '');
const SEED = 5277;
const T = PLE_LITE.tasks, F = PLE_LITE.fields, V = PLE_LITE.vocab;
/**
 * Tolerances of the same-work check (float32 on both sides, different summation orders), on the
 * rows of batch 0 whose ReLU pre-activations all lie at least KINK_DELTA (relative to their
 * absolute terms) from the kink (bench/tfjs/kink-free.ts).
 */
const TOL = { lossRel: 1e-5, gradRel: 1e-4 };
const KINK_DELTA = 1e-4;

if (!process.env.MTLKIT_BACKEND) setBackend('wasm');

// ---------------------------------------------------------------------------------- setup
async function initTf(): Promise<void> {
  // A file path (not a URL): the wasm backend reads the .wasm from disk in Node.
  setWasmPaths(join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('compare-tfjs: the tfjs wasm backend failed to start');
  await tf.ready();
}

function makeBatches(n: number): TrainBatch[] {
  const rng = new Rng(1);
  return Array.from({ length: n }, () => {
    const cat = new Int32Array(B * F);
    for (let i = 0; i < cat.length; i++) cat[i] = rng.int(1, V);
    const labels = Float32Array.from({ length: B * T }, () => (rng.bernoulli(0.3) ? 1 : 0));
    return { size: B, cat, labels };
  });
}

interface MtlSide {
  model: MultiTaskModel;
  opt: Adam;
  bce: MultiTaskBCE;
  param: BalancedStep;
  rep: BalancedStep;
  rng: Rng;
  step: number;
  /** The gradients are zero and the touched rows forgotten: the optimizer's last step zeroed them (mtlStep). */
  gradsZeroed: boolean;
}

function makeMtl(): MtlSide {
  const model = createModel('ple-lite', { fields: F, vocab: V, tasks: T, seed: SEED });
  const opt = new Adam(model.store, { lr: 1e-3 });
  // Steady state, as `mtlkit bench step` does: page in the gradient buffer (the optimizer's
  // table state is compact and grows with the rows touched).
  model.store.grads.fill(0);
  const ew = (): ReturnType<typeof createBalancer> => createBalancer('ew', { reduction: 'sum' });
  return {
    model, opt, bce: new MultiTaskBCE(T), rng: new Rng(7), step: 0, gradsZeroed: false,
    param: new BalancedStep(model, ew(), { mode: 'param', perTaskAlways: true, maxBatch: B }),
    rep: new BalancedStep(model, ew(), { mode: 'rep', perTaskAlways: true, maxBatch: B }),
  };
}

function mtlStep(s: MtlSide, mode: Mode, b: TrainBatch): void {
  if (mode === 'forward') {
    const z = noGrad(() => s.model.forward(b, { train: false }));
    if (!Number.isFinite(z[0]!.data[0]!)) throw new Error('mtlkit forward: not finite');
    return;
  }
  // The optimizer zeroes the gradients as it reads them, as the trainer's does.
  const gradsZeroed = s.gradsZeroed;
  s.gradsZeroed = false;
  if (mode === 'ew') {
    if (!gradsZeroed) s.model.store.zeroGrad();
    backward(weightedSum(s.bce.losses(s.model.forward(b, { train: true }), b.labels, B)));
  } else {
    (mode === 'param' ? s.param : s.rep).run(b, { step: s.step, rng: s.rng, gradsZeroed });
  }
  s.opt.step({ zeroGrad: true });
  s.gradsZeroed = true;
  s.step++;
}

interface TfSide {
  model: TfPleLite;
  opt: tf.Optimizer;
  ids: tf.Tensor1D[];
  ys: tf.Tensor1D[][];
  /** Rep mode: the representation as variables, so variableGrads gives its per-task gradient. */
  eVar: tf.Variable;
  sVar: tf.Variable;
}

function makeTf(model: MultiTaskModel, batches: TrainBatch[], form: TfForm): TfSide {
  const store = model.store;
  const m = new TfPleLite(PLE_LITE, (name) => {
    const p = store.get(name);
    return { data: Float32Array.from(store.values.subarray(p.offset, p.offset + p.size)), shape: [...p.shape] };
  }, form);
  return {
    model: m,
    // epsilon 1e-8 as mtlkit's (TF's default is 1e-7); TF places it outside the bias correction.
    opt: tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    ids: batches.map((b) => m.rowIds(b.cat, B)),
    ys: batches.map((b) => m.labelTensors(b.labels, B)),
    eVar: tf.variable(tf.zeros([B, F * PLE_LITE.embDim]), true, `${form}:rep.e`),
    sVar: tf.variable(tf.zeros([B, PLE_LITE.expertHidden.at(-1)!]), true, `${form}:rep.s`),
  };
}

function tfStep(s: TfSide, mode: Mode, i: number): void {
  const m = s.model, ids = s.ids[i]!, ys = s.ys[i]!;
  tf.tidy(() => {
    if (mode === 'forward') {
      const { e, s: sh } = m.bottom(ids, B);
      const z = ys.map((_, t) => m.head(t, e, sh));
      if (!Number.isFinite(z[0]!.dataSync()[0]!)) throw new Error('tfjs forward: not finite');
      return;
    }
    if (mode === 'ew') {
      const { grads } = tf.variableGrads(() => tf.addN(m.losses(ids, ys, B)) as tf.Scalar, m.allVars());
      s.opt.applyGradients(inOrder(m, grads));
      return;
    }
    const acc: Record<string, tf.Tensor> = {};
    const addTo = (name: string, g: tf.Tensor): void => {
      acc[name] = acc[name] ? tf.add(acc[name]!, g) : g;
    };
    if (mode === 'param') {
      // Per-task form: task t's loss needs the bottom, its own expert, gate and tower.
      for (let t = 0; t < T; t++) {
        const { grads } = tf.variableGrads(() => {
          const { e, s: sh } = m.bottom(ids, B);
          return TfPleLite.bce(m.head(t, e, sh), ys[t]!);
        }, [...m.sharedVars, ...m.taskVars[t]!]);
        for (const [k, g] of Object.entries(grads)) addTo(k, g);
      }
    } else {
      // Rep mode: bottom once (no tape), per-task gradients at [e, s], sum, then the bottom's
      // backward with that upstream (tfjs keeps no tape across calls: the bottom runs again).
      const { e, s: sh } = m.bottom(ids, B);
      s.eVar.assign(e);
      s.sVar.assign(sh);
      let de: tf.Tensor | null = null, ds: tf.Tensor | null = null;
      for (let t = 0; t < T; t++) {
        const { grads } = tf.variableGrads(() => TfPleLite.bce(m.head(t, s.eVar as unknown as tf.Tensor2D, s.sVar as unknown as tf.Tensor2D), ys[t]!), [s.eVar, s.sVar, ...m.taskVars[t]!]);
        const ge = grads[s.eVar.name]!, gs = grads[s.sVar.name]!;
        de = de ? tf.add(de, ge) : ge;
        ds = ds ? tf.add(ds, gs) : gs;
        for (const [k, g] of Object.entries(grads)) if (k !== s.eVar.name && k !== s.sVar.name) addTo(k, g);
      }
      const { grads } = tf.variableGrads(() => {
        const b = m.bottom(ids, B);
        return tf.add(tf.sum(tf.mul(b.e, de!)), tf.sum(tf.mul(b.s, ds!))) as tf.Scalar;
      }, m.sharedVars);
      for (const [k, g] of Object.entries(grads)) addTo(k, g);
    }
    s.opt.applyGradients(inOrder(m, acc));
  });
}

/**
 * tfjs's Adam keys its moment buffers by the POSITION of a variable in the gradient map, so
 * every step must list the variables in one order (the model's), whatever built the map.
 */
function inOrder(m: TfPleLite, grads: Record<string, tf.Tensor>): { name: string; tensor: tf.Tensor }[] {
  return m.allVars().map((v) => {
    const g = grads[v.name];
    if (!g) throw new Error(`compare-tfjs: no gradient for ${v.name}`);
    return { name: v.name, tensor: g };
  });
}

// ---------------------------------------------------------------------------------- check
interface Diff {
  what: string;
  maxAbs: number;
  /** max |a - b| / max |b| over the tensor (normwise relative). */
  rel: number;
}

function diff(what: string, a: ArrayLike<number>, b: ArrayLike<number>): Diff {
  let maxAbs = 0, ref = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return { what, maxAbs, rel: ref > 0 ? maxAbs / ref : maxAbs };
}

/** mtlkit's gradient of a tfjs variable (the joined table is the 20 contiguous field tables). */
function mtlGrad(model: MultiTaskModel, name: string, grads: Float32Array): Float32Array {
  const st = model.store;
  if (name === 'ple.emb') {
    const p0 = st.get('ple.emb.field0');
    return grads.subarray(p0.offset, p0.offset + F * V * PLE_LITE.embDim);
  }
  const p = st.get(name);
  return grads.subarray(p.offset, p.offset + p.size);
}

/** The rows of batch 0 the check runs on: every ReLU away from its kink (see TOL). */
interface CheckRows {
  batch: TrainBatch;
  ids: tf.Tensor1D;
  ys: tf.Tensor1D[];
  note: string;
}

function checkRows(mtl: MtlSide, b: TrainBatch, tfModel: TfPleLite): CheckRows {
  const m64 = createModel('ple-lite', { fields: F, vocab: V, tasks: T, seed: SEED, dtype: 'float64' });
  m64.store.values.set(mtl.model.store.values);
  const k = kinkFreeRows(m64, b, KINK_DELTA);
  if (k.rows.length === 0) throw new Error(`compare-tfjs: no row of batch 0 has every ReLU pre-activation ${KINK_DELTA} from its kink`);
  const batch = subBatch(b, k.rows);
  return {
    batch,
    ids: tfModel.rowIds(batch.cat, batch.size),
    ys: tfModel.labelTensors(batch.labels, batch.size),
    note: `on the ${k.rows.length} of ${b.size} rows of batch 0 whose ${k.units} ReLU pre-activations each lie >= ${KINK_DELTA} x sum|terms| from 0 in float64 ` +
      `(the smallest margin in the batch: ${k.minMargin.toExponential(1)}; float32 rounding moves one by about 1e-6 of that sum, so no ReLU branch can differ)`,
  };
}

function check(mtl: MtlSide, tfs: TfSide, rows: CheckRows, perTask: boolean): { pass: boolean; lines: string[]; worst: Record<string, Diff> } {
  const st = mtl.model.store, lines: string[] = [];
  const b = rows.batch, n = b.size;
  // Its gradients are not the zeros a next mtlStep would otherwise take them for.
  mtl.gradsZeroed = false;
  // Losses and the summed-loss gradient.
  st.zeroGrad();
  const lossT = mtl.bce.losses(mtl.model.forward(b, { train: true }), b.labels, n);
  const lm = lossT.map((l) => l.item());
  backward(weightedSum(lossT));
  const gm = Float32Array.from(st.grads);
  const m = tfs.model;
  const lt = tf.tidy(() => m.losses(rows.ids, rows.ys, n).map((l) => l.dataSync()[0]!));
  const lossD = diff('per-task losses', lt, lm);
  const worst: Record<string, Diff> = { loss: lossD };
  let gradW: Diff = { what: '', maxAbs: 0, rel: 0 };
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.addN(m.losses(rows.ids, rows.ys, n)) as tf.Scalar, m.allVars());
    for (const [name, g] of Object.entries(grads)) {
      const d = diff(m.mtlName(name), g.dataSync(), mtlGrad(mtl.model, m.mtlName(name), gm));
      if (d.rel > gradW.rel) gradW = d;
    }
  });
  worst.sumGrad = gradW;
  // Per-task gradients of the shared parameters (param mode's rows).
  if (perTask) {
    let w: Diff = { what: '', maxAbs: 0, rel: 0 };
    for (let t = 0; t < T; t++) {
      st.zeroGrad();
      backward(mtl.bce.losses(mtl.model.forward(b, { train: true }), b.labels, n)[t]!);
      const g = Float32Array.from(st.grads);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const { e, s } = m.bottom(rows.ids, n);
          return TfPleLite.bce(m.head(t, e, s), rows.ys[t]!);
        }, m.sharedVars);
        for (const [name, gt] of Object.entries(grads)) {
          const d = diff(`task ${t}: ${m.mtlName(name)}`, gt.dataSync(), mtlGrad(mtl.model, m.mtlName(name), g));
          if (d.rel > w.rel) w = d;
        }
      });
    }
    worst.taskGrad = w;
  }
  st.zeroGrad();
  const pass = lossD.rel <= TOL.lossRel && Object.entries(worst).every(([k, d]) => k === 'loss' || d.rel <= TOL.gradRel);
  const f = (d: Diff): string => `max abs ${d.maxAbs.toExponential(2)}, rel ${d.rel.toExponential(2)}${d.what ? ` (worst: ${d.what})` : ''}`;
  lines.push(`  ${rows.note}`);
  lines.push(`  losses mtlkit [${lm.map((x) => x.toFixed(6)).join(', ')}]`);
  lines.push(`  losses:            ${f(lossD)}  tol rel ${TOL.lossRel}`);
  lines.push(`  summed-loss grads: ${f(worst.sumGrad!)}  tol rel ${TOL.gradRel} (per tensor: max|diff| / max|mtlkit|)`);
  if (worst.taskGrad) lines.push(`  per-task shared:   ${f(worst.taskGrad)}  tol rel ${TOL.gradRel}`);
  return { pass, lines, worst };
}

// ---------------------------------------------------------------------------------- timing

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

type SideName = 'mtlkit' | `tfjs-${TfForm}`;
interface Timing {
  side: SideName;
  mode: Mode;
  ms: number;
  min: number;
  samples_per_s: number;
}

/**
 * Every (mode, side) pair takes one step in turn: step i of ew for mtlkit, tfjs stock, tfjs
 * fast, then step i of param for each, and so on. A burst of load from other processes then
 * lands on every mode and side alike, so both the ratios against tfjs and mtlkit's own
 * rep / EW and param / EW compare steps taken in the same seconds.
 */
async function timeAll(mtl: MtlSide | null, tfs: Map<TfForm, TfSide>, batches: TrainBatch[]): Promise<Timing[]> {
  const out: Timing[] = [];
  const runs: [SideName, Mode, (i: number) => void][] = [];
  for (const mode of MODES) {
    if (mtl) runs.push(['mtlkit', mode, (i) => mtlStep(mtl, mode, batches[i % batches.length]!)]);
    for (const [form, s] of tfs) runs.push([`tfjs-${form}`, mode, (i) => tfStep(s, mode, i % batches.length)]);
  }
  const ms = runs.map((): number[] => []);
  for (let i = 0; i < WARMUP + STEPS; i++) {
    for (let r = 0; r < runs.length; r++) {
      const a = performance.now();
      runs[r]![2](i);
      const e = performance.now() - a;
      if (i >= WARMUP) ms[r]!.push(e);
      await tick(); // lets the wasm heap's finalizers recycle blocks, as a trainer's await does
    }
  }
  runs.forEach(([name, mode], r) => {
    const xs = ms[r]!, med = median(xs);
    out.push({ side: name, mode, ms: med, min: Math.min(...xs), samples_per_s: (B * 1000) / med });
    if (!has('json')) process.stderr.write(`  ${mode.padEnd(7)} ${name.padEnd(10)} ${med.toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)})\n`);
  });
  return out;
}

// ---------------------------------------------------------------------------------- RSS
async function childMain(side: string): Promise<void> {
  const batches = makeBatches(2);
  let mtl: MtlSide | null = null;
  const tfs = new Map<TfForm, TfSide>();
  if (side === 'mtlkit') mtl = makeMtl();
  else {
    await initTf();
    const form = side.replace('tfjs-', '') as TfForm;
    tfs.set(form, makeTf(makeMtl().model, batches, form));
  }
  await timeAll(mtl, tfs, batches);
  process.stdout.write(JSON.stringify({ side, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

function childRss(side: SideName): number {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', side, '--batch', String(B), '--steps', '2', '--warmup', '1', '--modes', MODES.join(','), '--json'], {
    encoding: 'utf8', env: process.env, maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return (JSON.parse(line) as { peak_rss_mb: number }).peak_rss_mb;
  } catch {
    process.stderr.write(`compare-tfjs: RSS child '${side}' failed: ${r.stderr.slice(-400)}\n`);
    return NaN;
  }
}

// ---------------------------------------------------------------------------------- profile
/** --profile: mtlkit only, each mode with the step profiler (src/profile); no tfjs. */
async function profileMain(): Promise<void> {
  const batches = makeBatches(4);
  const mtl = makeMtl();
  const undo = installProfiler({ balancer: mtl.param.balancer, markSteps: false, matmulShapes: has('shapes') });
  // The step's write-back lives on its row sources (whole-model rows write through ParamRows).
  const undoWbs = [ParamRows.prototype, RepRows.prototype].map((proto) => wrapMethod(profile, proto, 'writeBack', 'balancedStep.writeBack', 'balancer'));
  const undoWb = (): void => undoWbs.forEach((u) => u());
  console.log(`compare-tfjs --profile: mtlkit PLE-lite, batch ${B}; ${getBackend().describe()}; ${STEPS} steps after ${WARMUP} warm-up (mean per step)`);
  for (const mode of MODES) {
    const bal = mode === 'rep' ? mtl.rep.balancer : mtl.param.balancer;
    const undoB = bal !== mtl.param.balancer ? wrapMethod(profile, bal, 'lossWeights', 'balancer.lossWeights', 'balancer') : () => {};
    await profileSteps(mode, WARMUP, STEPS, Number(opt('top', '14')), (i) => mtlStep(mtl, mode, batches[i % batches.length]!));
    undoB();
  }
  undoWb();
  undo();
}

// ---------------------------------------------------------------------------------- main
async function main(): Promise<void> {
  if (CHILD) return childMain(CHILD);
  if (has('profile')) return profileMain();
  const json = has('json');
  const log = (s: string): void => void (json ? process.stderr.write(s + '\n') : process.stdout.write(s + '\n'));
  await initTf();
  const batches = makeBatches(4);
  const mtl = makeMtl();
  const tfs = new Map<TfForm, TfSide>();
  for (const form of FORMS) tfs.set(form, makeTf(mtl.model, batches, form));
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  log(`compare-tfjs: PLE-lite, batch ${B}, ${T} tasks, ${F} fields x ${V} ids, ${mtl.model.store.size.toLocaleString('en')} params; ${machine}`);
  log(`  mtlkit: ${getBackend().describe()}`);
  log(`  tfjs ${tf.version_core}: backend ${tf.getBackend()}, ${getThreadsCount()} thread(s); forms ${FORMS.join(', ')}`);
  log(`  ${STEPS} timed steps after ${WARMUP} warm-up, median; modes and sides interleaved step by step`);

  // 1. Same work: weights were copied before any step; check on batch 0's kink-free rows.
  const checks: Record<string, ReturnType<typeof check>> = {};
  const rowsOfCheck = checkRows(mtl, batches[0]!, tfs.get(FORMS[0]!)!.model);
  for (const [form, s] of tfs) {
    const c = check(mtl, s, rowsOfCheck, form === FORMS[FORMS.length - 1]);
    checks[form] = c;
    log(`same-work check vs tfjs-${form}: ${c.pass ? 'PASS' : 'FAIL'}`);
    for (const l of c.lines) log(l);
  }
  if (Object.values(checks).some((c) => !c.pass) && !has('force')) {
    log('compare-tfjs: the two sides do not compute the same thing; not timing (pass --force to time anyway)');
    process.exitCode = 1;
    return;
  }

  // 2. Timing.
  const timings = await timeAll(mtl, tfs, batches);
  const get = (side: SideName, mode: Mode): Timing | undefined => timings.find((t) => t.side === side && t.mode === mode);
  // 3. RSS.
  const rss: Record<string, number> = {};
  if (!has('no-rss')) for (const side of ['mtlkit', ...FORMS.map((f) => `tfjs-${f}`)] as SideName[]) rss[side] = childRss(side);
  const mainRss = process.resourceUsage().maxRSS / 1024;

  const rows = MODES.map((mode) => {
    const m = get('mtlkit', mode)!;
    const tf0 = FORMS.map((f) => get(`tfjs-${f}`, mode)!).sort((a, b) => a.ms - b.ms)[0];
    return { mode, mtlkit: m, tfjs: Object.fromEntries(FORMS.map((f) => [f, get(`tfjs-${f}`, mode)!])), fasterTfjs: tf0?.side ?? null, ratio: tf0 ? tf0.ms / m.ms : NaN };
  });
  const ew = get('mtlkit', 'ew'), rep = get('mtlkit', 'rep');
  const summary = {
    model: 'ple-lite', batch: B, steps: STEPS, warmup: WARMUP, machine, mtlkit_backend: getBackend().describe(),
    tfjs: { version: tf.version_core, backend: tf.getBackend(), threads: getThreadsCount(), forms: FORMS },
    check: Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, { pass: c.pass, worst: c.worst }])), tolerance: TOL,
    rows, rep_over_ew: rep && ew ? rep.ms / ew.ms : null,
    param_over_ew: Object.fromEntries((['mtlkit', ...FORMS.map((f) => `tfjs-${f}`)] as SideName[]).map((s) => [s, (get(s, 'param')?.ms ?? NaN) / (get(s, 'ew')?.ms ?? NaN)])),
    peak_rss_mb: { children: rss, this_process: mainRss },
  };
  if (json) {
    console.log(JSON.stringify(summary));
    return;
  }
  const targets: Record<Mode, string> = { ew: '>= 2x', param: '>= 3x', rep: 'within 5% of EW', forward: '-' };
  log('');
  log(`| mode | mtlkit ms | mtlkit samples/s | ${FORMS.map((f) => `tfjs ${f} ms | tfjs ${f} samples/s`).join(' | ')} | mtlkit / faster tfjs | target |`);
  log(`|---|---:|---:|${FORMS.map(() => '---:|---:|').join('')}---:|---|`);
  for (const r of rows) {
    const tfCols = FORMS.map((f) => `${r.tfjs[f]!.ms.toFixed(1)} | ${Math.round(r.tfjs[f]!.samples_per_s)}`).join(' | ');
    log(`| ${r.mode} | ${r.mtlkit.ms.toFixed(1)} | ${Math.round(r.mtlkit.samples_per_s)} | ${tfCols} | ${r.ratio.toFixed(2)}x (vs ${r.fasterTfjs}) | ${targets[r.mode]} |`);
  }
  log('');
  if (summary.rep_over_ew !== null) log(`mtlkit rep / EW step time: ${summary.rep_over_ew.toFixed(3)} (target <= 1.05)`);
  // Only when both modes ran (--modes can leave one out): a ratio of a missing step is NaN.
  if (Object.values(summary.param_over_ew).every(Number.isFinite)) log(`param / EW step time: ${Object.entries(summary.param_over_ew).map(([k, v]) => `${k} ${v.toFixed(2)}x`).join(', ')}`);
  if (Object.keys(rss).length) log(`peak RSS (child process per side, ${Math.min(STEPS, 2)} steps of each mode): ${Object.entries(rss).map(([k, v]) => `${k} ${Math.round(v)} MB`).join(', ')}`);
  log(`peak RSS of this process (both sides together): ${Math.round(mainRss)} MB`);
}

await main();
