/**
 * The built-in synthetic world: short-video logs with heterogeneous, partly conflicting tasks.
 * No download needed; deterministic per seed. docs/data.md explains the generative story and
 * reports the measured gradient conflict (examples/conflict.ts).
 *
 * Rows are (user, item) impressions, user and item drawn from Zipf-like popularity laws.
 * Features: user_id, item_id, author_id, device, user_age, user_gender, item_category,
 * duration_bucket (categorical) and log_duration, item_popularity (dense, standardised).
 * Tasks (first `tasks` of): ev, lv, cv, like, follow, forward.
 *
 * Latent structure, per row (all dot products scaled to unit variance):
 *   a = <u_taste, v_taste>   taste match; user taste from age x gender, item taste from category
 *   s = <u_social, w_author> affinity with the item's author
 *   o = <u_binge, v_binge>   the "binge" axis: watching without engaging
 *   c_i catchiness, q_i substance of the item; b_u watch propensity, e_u engage propensity
 *   z = standardised log duration
 *
 *   watch fraction  f = 1.25 * sigmoid(a + 0.8 c + 0.3 q + b_u + 0.8 o - 0.6 z + 0.5 eps)
 *   watch time      w = f * duration
 *   ev, lv: w above its (1 - rate) quantile    (long videos win: duration multiplies w)
 *   cv:     f above its (1 - rate) quantile    (short videos win: -0.6 z)
 *   like    = a + 0.5 q + 0.6 e_u - gamma (0.8 c + 0.8 o) + noise eps
 *   follow  = 1.2 s + 0.4 q + 0.6 e_u - gamma (0.8 c + 0.8 o) + noise eps
 *   forward = 0.7 a + 0.5 s + 0.6 q + 0.5 gamma z - gamma (0.8 c + 0.8 o) + noise eps
 *   each engagement label: score above its (1 - rate) quantile.
 *
 * Shared structure: a and q raise every task. Opposing structure, scaled by the conflict
 * strength gamma: catchy items and the user-item binge factor raise the viewing tasks and
 * lower the engagement tasks; duration raises ev / lv / forward and lowers cv. With gamma = 0
 * only the duration opposition remains.
 */
import { Rng } from '../tensor/rng.ts';
import { makeDataset } from './dataset.ts';
import { CONTEXT_FACTORS, contextLoadings, rankNormal, sparseRate, SyntheticDialError } from './synthetic-dial.ts';
import type { Dataset, FieldInfo } from './types.ts';

export const SYNTHETIC_TASKS = ['ev', 'lv', 'cv', 'like', 'follow', 'forward'] as const;
export type SyntheticTask = (typeof SYNTHETIC_TASKS)[number];

export interface SyntheticOptions {
  /** Impressions. Default 50_000 (a full PLE run in a few minutes on 2 cores). */
  rows?: number;
  /** Default 2_000. */
  users?: number;
  /** Default 6_000. */
  items?: number;
  /** Default max(1, round(items / 10)). */
  authors?: number;
  /** How many of ev, lv, cv, like, follow, forward (in that order), or their names. Default 6. */
  tasks?: number | readonly SyntheticTask[];
  /** Positive rate per task; defaults in DEFAULT_POSITIVE_RATES. */
  positiveRates?: Partial<Record<SyntheticTask, number>>;
  /** Conflict strength gamma >= 0. Default 1. */
  conflict?: number;
  /** Std of the engagement tasks' label noise. Default 1. */
  noise?: number;
  /** Zipf exponent of user activity. Default 0.6. */
  userZipf?: number;
  /** Zipf exponent of item popularity. Default 0.9. */
  itemZipf?: number;
  /** Latent dimension of the factors. Default 8. */
  latentDim?: number;
  /** Include the dense features log_duration and item_popularity. Default true. */
  dense?: boolean;
  /**
   * Share w in [0, 1] of every task's score variance that comes from an unobserved
   * per-impression context (synthetic-dial.ts): score = sqrt(1 - w) z + sqrt(w) <v_t, xi>, z the
   * world's score as a normal score of its rank. Default 0: no context, today's data.
   */
  context?: number;
  /** Pairwise correlation rho of the tasks' context loadings v_t, in [-0.2, 1]. Default 0. */
  contextCorrelation?: number;
  /**
   * With a context: share a in [0, 1] of every task's world score replaced by the six tasks'
   * common score, so that their towers read the shared features alike. Default 0.
   */
  agreement?: number;
  /** Every positive rate r becomes 0.5 (r / 0.5)^sparsity: 0 balanced, 1 unchanged (default). */
  sparsity?: number;
  /** Default 5277 (the GradCraft code's seed). */
  seed?: number;
}

export const DEFAULT_POSITIVE_RATES: Readonly<Record<SyntheticTask, number>> = {
  ev: 0.5,
  lv: 0.25,
  cv: 0.3,
  like: 0.035,
  follow: 0.007,
  forward: 0.012,
};

export const SYNTHETIC_DEFAULTS = {
  rows: 50_000,
  users: 2_000,
  items: 6_000,
  conflict: 1,
  noise: 1,
  userZipf: 0.6,
  itemZipf: 0.9,
  latentDim: 8,
  dense: true,
  seed: 5277,
} as const;

const DEVICES = 4;
const AGES = 6;
const GENDERS = 2;
const CATEGORIES = 20;
/** Upper edges (seconds) of duration buckets 1..8; bucket 8 is everything above 120 s. */
export const DURATION_EDGES = [7, 12, 20, 30, 45, 70, 120] as const;

export function generateSynthetic(opts: SyntheticOptions = {}): Dataset {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  const R = o.rows, U = o.users, I = o.items;
  const A = opts.authors ?? Math.max(1, Math.round(I / 10));
  const k = o.latentDim;
  const gamma = o.conflict;
  for (const [name, v] of [['rows', R], ['users', U], ['items', I], ['authors', A], ['latentDim', k]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`generateSynthetic: ${name} must be a positive integer, got ${v}`);
  }
  if (!(gamma >= 0)) throw new Error(`generateSynthetic: conflict must be >= 0, got ${gamma}`);
  const taskNames: SyntheticTask[] =
    typeof o.tasks === 'number' || o.tasks === undefined ? SYNTHETIC_TASKS.slice(0, o.tasks ?? 6) : [...o.tasks];
  if (taskNames.length === 0) throw new Error('generateSynthetic: need at least one task');
  for (const t of taskNames) if (!SYNTHETIC_TASKS.includes(t)) throw new Error(`generateSynthetic: unknown task "${t}" (known: ${SYNTHETIC_TASKS.join(', ')})`);
  const rates = { ...DEFAULT_POSITIVE_RATES, ...(opts.positiveRates ?? {}) };
  if (opts.sparsity !== undefined) {
    if (!(opts.sparsity >= 0 && Number.isFinite(opts.sparsity))) throw new SyntheticDialError('sparsity', opts.sparsity, 'must be a finite number >= 0');
    for (const t of SYNTHETIC_TASKS) rates[t] = sparseRate(rates[t], opts.sparsity);
  }
  const ctxShare = opts.context ?? 0;
  if (!(ctxShare >= 0 && ctxShare <= 1)) throw new SyntheticDialError('context', ctxShare, 'must be in [0, 1]');
  const loadings = ctxShare > 0 ? contextLoadings(opts.contextCorrelation ?? 0) : null;
  if (!((opts.agreement ?? 0) >= 0 && (opts.agreement ?? 0) <= 1)) throw new SyntheticDialError('agreement', opts.agreement!, 'must be in [0, 1]');
  for (const t of taskNames) if (!(rates[t] > 0 && rates[t] < 1)) throw new Error(`generateSynthetic: positive rate of ${t} must be in (0, 1), got ${rates[t]}`);

  const root = new Rng(o.seed);
  const rw = root.fork('world');
  const scale = 1 / Math.sqrt(Math.sqrt(k)); // elementwise std giving unit-variance dot products
  const gauss = (r: Rng, n: number, std: number) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = r.normal(0, std);
    return a;
  };

  // Users: attributes, factors, propensities.
  const uDevice = new Int32Array(U), uAge = new Int32Array(U), uGender = new Int32Array(U);
  for (let u = 0; u < U; u++) {
    uDevice[u] = rw.int(0, DEVICES);
    uAge[u] = rw.int(0, AGES);
    uGender[u] = rw.int(0, GENDERS);
  }
  const demoCenter = gauss(rw, AGES * GENDERS * k, scale * 0.8);
  const uTaste = gauss(rw, U * k, scale * 0.6);
  for (let u = 0; u < U; u++) {
    const c = (uAge[u] * GENDERS + uGender[u]) * k;
    for (let j = 0; j < k; j++) uTaste[u * k + j] += demoCenter[c + j];
  }
  const uSocial = gauss(rw, U * k, scale);
  const uBinge = gauss(rw, U * k, scale);
  const uWatch = gauss(rw, U, 0.5);
  const uEngage = gauss(rw, U, 0.7);

  // Items: category, author, duration, factors.
  const catCdf = zipfCdf(CATEGORIES, 0.7);
  const authorCdf = zipfCdf(A, 1.0);
  const iCat = new Int32Array(I), iAuthor = new Int32Array(I);
  const catDuration = gauss(rw, CATEGORIES, 0.4);
  const iLogDur = new Float64Array(I);
  for (let i = 0; i < I; i++) {
    iCat[i] = sampleCdf(catCdf, rw);
    iAuthor[i] = sampleCdf(authorCdf, rw);
    iLogDur[i] = Math.min(Math.log(600), Math.max(Math.log(3), Math.log(30) + catDuration[iCat[i]] + rw.normal(0, 0.7)));
  }
  const catCenter = gauss(rw, CATEGORIES * k, scale * 0.8);
  const iTaste = gauss(rw, I * k, scale * 0.6);
  for (let i = 0; i < I; i++) for (let j = 0; j < k; j++) iTaste[i * k + j] += catCenter[iCat[i] * k + j];
  const aStyle = gauss(rw, A * k, scale);
  const iBinge = gauss(rw, I * k, scale);
  const iCatchy = gauss(rw, I, 1);
  const iQuality = gauss(rw, I, 1);
  let mLd = 0, sLd = 0;
  for (let i = 0; i < I; i++) mLd += iLogDur[i] / I;
  for (let i = 0; i < I; i++) sLd += (iLogDur[i] - mLd) ** 2 / I;
  sLd = Math.sqrt(sLd) || 1;

  // Impressions.
  const rr = root.fork('rows');
  const userCdf = zipfCdf(U, o.userZipf);
  const itemCdf = zipfCdf(I, o.itemZipf);
  const rowUser = new Int32Array(R), rowItem = new Int32Array(R);
  const itemCount = new Float64Array(I);
  for (let r = 0; r < R; r++) {
    rowUser[r] = sampleCdf(userCdf, rr);
    rowItem[r] = sampleCdf(itemCdf, rr);
    itemCount[rowItem[r]]++;
  }

  const allTasks = SYNTHETIC_TASKS.length;
  const scores = Array.from({ length: allTasks }, () => new Float64Array(R));
  const dot = (x: Float64Array, xi: number, y: Float64Array, yi: number) => {
    let s = 0;
    for (let j = 0; j < k; j++) s += x[xi * k + j] * y[yi * k + j];
    return s;
  };
  const re = root.fork('noise');
  for (let r = 0; r < R; r++) {
    const u = rowUser[r], i = rowItem[r];
    const a = dot(uTaste, u, iTaste, i);
    const s = dot(uSocial, u, aStyle, iAuthor[i]);
    const b = dot(uBinge, u, iBinge, i);
    const c = iCatchy[i], q = iQuality[i];
    const z = (iLogDur[i] - mLd) / sLd;
    const wl = a + 0.8 * c + 0.3 * q + uWatch[u] + 0.8 * b - 0.6 * z + 0.5 * re.normal();
    const frac = 1.25 / (1 + Math.exp(-wl));
    const watch = frac * Math.exp(iLogDur[i]);
    const against = gamma * (0.8 * c + 0.8 * b);
    scores[0][r] = watch;
    scores[1][r] = watch;
    scores[2][r] = frac;
    scores[3][r] = a + 0.5 * q + 0.6 * uEngage[u] - against + o.noise * re.normal();
    scores[4][r] = 1.2 * s + 0.4 * q + 0.6 * uEngage[u] - against + o.noise * re.normal();
    scores[5][r] = 0.7 * a + 0.5 * s + 0.6 * q + 0.5 * gamma * z - against + o.noise * re.normal();
  }

  // The context is drawn for all six tasks whatever the selection, so that a task's labels do
  // not depend on which other tasks were asked for.
  if (loadings) addContext(scores, taskNames.map((n) => SYNTHETIC_TASKS.indexOf(n)), loadings, ctxShare, opts.agreement ?? 0, root.fork('context'));

  const T = taskNames.length;
  const labels = new Float32Array(R * T);
  taskNames.forEach((name, t) => {
    const src = scores[SYNTHETIC_TASKS.indexOf(name)];
    const thr = quantile(src, 1 - rates[name]);
    for (let r = 0; r < R; r++) labels[r * T + t] = src[r] > thr ? 1 : 0;
  });

  // Features: ids shifted by one so that 0 stays the unknown id.
  const fields: FieldInfo[] = [
    { name: 'user_id', vocabSize: U + 1 },
    { name: 'item_id', vocabSize: I + 1 },
    { name: 'author_id', vocabSize: A + 1 },
    { name: 'device', vocabSize: DEVICES + 1 },
    { name: 'user_age', vocabSize: AGES + 1 },
    { name: 'user_gender', vocabSize: GENDERS + 1 },
    { name: 'item_category', vocabSize: CATEGORIES + 1 },
    { name: 'duration_bucket', vocabSize: DURATION_EDGES.length + 2 },
  ];
  const F = fields.length;
  const cat = new Int32Array(R * F);
  const users = new Int32Array(R);
  const D = o.dense ? 2 : 0;
  const dense = new Float32Array(R * D);
  let mPop = 0, sPop = 0;
  const logPop = new Float64Array(I);
  for (let i = 0; i < I; i++) logPop[i] = Math.log1p(itemCount[i]);
  for (let i = 0; i < I; i++) mPop += logPop[i] / I;
  for (let i = 0; i < I; i++) sPop += (logPop[i] - mPop) ** 2 / I;
  sPop = Math.sqrt(sPop) || 1;
  for (let r = 0; r < R; r++) {
    const u = rowUser[r], i = rowItem[r];
    const base = r * F;
    cat[base] = u + 1;
    cat[base + 1] = i + 1;
    cat[base + 2] = iAuthor[i] + 1;
    cat[base + 3] = uDevice[u] + 1;
    cat[base + 4] = uAge[u] + 1;
    cat[base + 5] = uGender[u] + 1;
    cat[base + 6] = iCat[i] + 1;
    cat[base + 7] = durationBucket(Math.exp(iLogDur[i]));
    users[r] = u + 1;
    if (D) {
      dense[r * D] = (iLogDur[i] - mLd) / sLd;
      dense[r * D + 1] = (logPop[i] - mPop) / sPop;
    }
  }
  const dials = loadings ? `,context=${ctxShare},rho=${opts.contextCorrelation ?? 0}` : '';
  return makeDataset({
    name: `synthetic(seed=${o.seed},rows=${R},conflict=${gamma}${dials}${opts.sparsity !== undefined ? `,sparsity=${opts.sparsity}` : ''})`,
    fields,
    cat,
    denseNames: D ? ['log_duration', 'item_popularity'] : [],
    dense,
    taskNames,
    labels,
    users,
  });
}

/**
 * Replaces each used task's score by sqrt(1 - w) z_t + sqrt(w) <v_t, xi_r>, z_t the normal
 * score of sqrt(1 - a) rankNormal(score_t) + sqrt(a) (the six tasks' common score).
 */
function addContext(scores: Float64Array[], used: number[], v: Float64Array, w: number, a: number, rng: Rng): void {
  const R = scores[0].length, K = CONTEXT_FACTORS;
  const xi = new Float64Array(R * K);
  for (let i = 0; i < xi.length; i++) xi[i] = rng.normal();
  const keep = Math.sqrt(1 - w), mix = Math.sqrt(w);
  const common = a > 0 ? rankNormal(scores.map(rankNormal).reduce((acc, z) => acc.map((x, r) => x + z[r]), new Float64Array(R))) : null;
  for (const t of used) {
    let z = rankNormal(scores[t]);
    if (common) z = rankNormal(z.map((x, r) => Math.sqrt(1 - a) * x + Math.sqrt(a) * common[r]));
    for (let r = 0; r < R; r++) {
      let c = 0;
      for (let j = 0; j < K; j++) c += v[t * K + j] * xi[r * K + j];
      scores[t][r] = keep * z[r] + mix * c;
    }
  }
}

/** Bucket id 1..8 of a duration in seconds (DURATION_EDGES are the upper edges). */
export function durationBucket(seconds: number): number {
  let b = 0;
  while (b < DURATION_EDGES.length && seconds > DURATION_EDGES[b]) b++;
  return b + 1;
}

/** Cumulative distribution of weights (rank + 1)^-s, rank 0 the most popular. */
function zipfCdf(n: number, s: number): Float64Array {
  const c = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) c[i] = acc += Math.pow(i + 1, -s);
  for (let i = 0; i < n; i++) c[i] /= acc;
  return c;
}

function sampleCdf(cdf: Float64Array, rng: Rng): number {
  const x = rng.next();
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Threshold t such that `x > t` holds for round((1 - q) n) of the values (barring ties). */
function quantile(a: Float64Array, q: number): number {
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * s.length) - 1))];
}
