import type { Backend, LinearForwardCall, Storage } from '../backend.ts';
import { loadCandidates } from './accelerated.ts';
import { timeMs } from '../timing.ts';
import { host } from '../../platform/host.ts';

/**
 * `auto`: per op and shape class, the backend a one-time calibration measured fastest.
 * The plan is kept in the host's cache (in Node on disk: MTLKIT_CACHE_DIR, else
 * $XDG_CACHE_HOME/mtlkit, else ~/.cache/mtlkit), keyed by the host's fingerprint (CPU model,
 * core count, Node version, mtlkit version) and the candidates that loaded, so a new machine
 * or release calibrates again (once). A host without a cache calibrates once per process.
 * Storage comes from wasm when it loaded (its kernels then read operands in place; js and
 * gpu.js read those arrays like any other).
 * The candidates are js and the table in ./accelerated.ts.
 */
export type Op = 'matmul' | 'gram' | 'sumAxis';
const SHAPE_CLASSES = ['small', 'medium', 'large'] as const;
export type ShapeClass = typeof SHAPE_CLASSES[number];
export type Plan = Record<Op, Record<ShapeClass, string>>;

export interface Calibration {
  key: string;
  plan: Plan;
  /** Median ms per candidate for each op and class, as measured. */
  ms: Record<string, Record<string, number>>;
}

/** Shape class by the work a call does (multiply-adds or elements read). */
export function classify(op: Op, work: number): ShapeClass {
  if (op === 'matmul') return work < 2e5 ? 'small' : work < 2e7 ? 'medium' : 'large';
  return work < 1e4 ? 'small' : work < 1e6 ? 'medium' : 'large';
}

export function calibrationKey(candidates: string[]): string {
  const h = host();
  return h.digest([h.fingerprint(), candidates.join('+')].join('|'));
}

/** Where the calibration for `key` is kept (a file in Node), for messages. */
export function calibrationFile(key: string): string {
  const name = `auto-plan-${key}.json`;
  return host().cache?.where(name) ?? `(${host().name} host: not kept) ${name}`;
}

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) | 0; a[i] = ((s >>> 8) / 16777216) - 0.5; }
  return a;
}

/** Representative shapes per class (the PLE model's for `large`, scaled down to keep it quick). */
const SHAPES: Record<Op, Record<ShapeClass, number[]>> = {
  matmul: { small: [16, 32, 32], medium: [128, 128, 128], large: [512, 320, 256] },
  gram: { small: [6, 1000], medium: [6, 100_000], large: [6, 1_000_000] },
  sumAxis: { small: [1, 64, 64], medium: [1, 512, 256], large: [1, 2048, 512] },
};

/** Measures every candidate on every op and class; returns the plan and the timings. */
export function calibrate(candidates: Array<[string, Backend]>): Calibration {
  const plan = {} as Plan;
  const ms: Record<string, Record<string, number>> = {};
  for (const op of Object.keys(SHAPES) as Op[]) {
    plan[op] = {} as Record<ShapeClass, string>;
    for (const cls of SHAPE_CLASSES) {
      const s = SHAPES[op][cls];
      const row: Record<string, number> = {};
      for (const [name, be] of candidates) {
        const alloc = (n: number): Storage => { const x = be.alloc('float32', n); x.set(randomArray(n)); return x; };
        let run: () => void;
        if (op === 'matmul') {
          const [m, k, n] = s;
          const a = alloc(m * k), b = alloc(k * n), c = alloc(m * n);
          run = () => be.matmul(a, b, c, m, k, n, false, false, false);
        } else if (op === 'gram') {
          const [t, d] = s;
          const g = alloc(t * d), out = new Float64Array(t * t);
          run = () => be.gram(g, out, t, d);
        } else {
          const [outer, len, inner] = s;
          const x = alloc(outer * len * inner), out = alloc(outer * inner);
          run = () => be.sumAxis(x, out, outer, len, inner);
        }
        try {
          const first = timeMs(run, 1, 1);
          row[name] = timeMs(run, first > 50 ? 3 : first > 5 ? 5 : 11, 0);
        } catch {
          row[name] = Infinity;
        }
      }
      ms[`${op}/${cls}`] = row;
      plan[op][cls] = Object.entries(row).sort((x, y) => x[1] - y[1])[0][0];
    }
  }
  return { key: calibrationKey(candidates.map(([n]) => n)), plan, ms };
}

/** The cached calibration for these candidates, or a fresh one (then cached). */
export function loadOrCalibrate(candidates: Array<[string, Backend]>, opts: { fresh?: boolean } = {}): Calibration & { cached: boolean; file: string } {
  const key = calibrationKey(candidates.map(([n]) => n));
  const file = calibrationFile(key);
  const cache = host().cache;
  const name = `auto-plan-${key}.json`;
  if (!opts.fresh) {
    try {
      const text = cache?.read(name);
      const c = text === undefined ? null : JSON.parse(text) as Calibration;
      if (c && c.key === key && c.plan) return { ...c, cached: true, file };
    } catch {
      // Unreadable: calibrate.
    }
  }
  const c = calibrate(candidates);
  cache?.write(name, JSON.stringify(c, null, 2));
  return { ...c, cached: false, file };
}

export interface AutoBackend extends Backend {
  readonly name: 'auto';
  readonly plan: Plan;
  readonly calibration: Calibration & { cached: boolean; file: string };
  /**
   * The backend under auto: its storage, and every kernel the plan does not route (wasm when it
   * loaded, else js). Run records name its threads and FMA flavour, the kernels that actually ran.
   */
  readonly under: Backend;
  /** The under backend's relaxed-SIMD FMA flavour, where it has one (run records compare it). */
  readonly fma: boolean | null;
  /** Which backend runs `op` for a call of this much work. */
  pick(op: Op, work: number): string;
}

/** A stack's multiply-adds (its layers' rows x in x out), the size auto routes it by. */
function stackWork(layers: readonly LinearForwardCall[]): number {
  let w = 0;
  for (const c of layers) w += c.rows * c.k * c.n;
  return w;
}

export function createAutoBackend(): AutoBackend {
  const { loaded, failed } = loadCandidates();
  for (const [name, reason] of Object.entries(failed)) {
    console.warn(`mtlkit: auto: backend ${name} unavailable (${reason}); choosing among ${loaded.map(([n]) => n).join(', ')}`);
  }
  const byName = new Map(loaded);
  const calibration = loadOrCalibrate(loaded);
  const plan = calibration.plan;
  const under = byName.get('wasm') ?? byName.get('js')!;
  const be = (op: Op, work: number): Backend => byName.get(plan[op][classify(op, work)]) ?? under;
  const underFma = (under as { fma?: unknown }).fma;
  return {
    ...under,
    name: 'auto',
    plan,
    calibration,
    under,
    fma: typeof underFma === 'boolean' ? underFma : null,
    get threads() { return under.threads; },
    get maxThreads() { return under.maxThreads; },
    setThreads: (n) => under.setThreads(n),
    pick: (op, work) => plan[op][classify(op, work)],
    alloc: (dtype, n) => under.alloc(dtype, n),
    resident: (x) => under.resident(x),
    fastFiniteCheck: under.fastFiniteCheck,
    // The weighted row sum is a matmul of T x d multiply-adds: the backend the plan picks for
    // that work decides.
    rowSumByMatmul: (work) => be('matmul', work).rowSumByMatmul(work),
    describe: () => `auto: per-op plan over ${loaded.map(([n]) => n).join(', ')} (matmul large -> ${plan.matmul.large}, gram large -> ${plan.gram.large}); storage from ${under.name}`,
    matmul: (a, b, c, m, k, n, ta, tb, acc) => be('matmul', m * k * n).matmul(a, b, c, m, k, n, ta, tb, acc),
    matmulChecked: (a, b, c, m, k, n, ta, tb, acc) => be('matmul', m * k * n).matmulChecked(a, b, c, m, k, n, ta, tb, acc),
    linearBackward: (x, w, g, dw, dx, rows, k, n, acc) => be('matmul', rows * k * n).linearBackward(x, w, g, dw, dx, rows, k, n, acc),
    linearReluBackward: (x, w, y, g, gz, dw, dx, db, rows, k, n, acc) => be('matmul', rows * k * n).linearReluBackward(x, w, y, g, gz, dw, dx, db, rows, k, n, acc),
    linearForward: (x, w, b, y, rows, k, n, relu) => be('matmul', rows * k * n).linearForward(x, w, b, y, rows, k, n, relu),
    linearForwardPair: (p, q, meanwhile) => be('matmul', p.rows * p.k * p.n + q.rows * q.k * q.n).linearForwardPair(p, q, meanwhile),
    linearStackForward: (p, q, meanwhile) => be('matmul', stackWork(p) + (q === null ? 0 : stackWork(q))).linearStackForward(p, q, meanwhile),
    linearReluBackwardPair: (p, q) => be('matmul', p.rows * p.k * p.n + q.rows * q.k * q.n).linearReluBackwardPair(p, q),
    gram: (g, out, t, d) => be('gram', t * t * d).gram(g, out, t, d),
    sumAxis: (x, out, outer, len, inner) => be('sumAxis', outer * len * inner).sumAxis(x, out, outer, len, inner),
  };
}

let sharedAuto: AutoBackend | null = null;
export function autoBackend(): AutoBackend {
  if (sharedAuto === null) sharedAuto = createAutoBackend();
  return sharedAuto;
}
