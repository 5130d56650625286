/**
 * Gradients from a run's diagnostics.jsonl (src/train/run-folder.ts, docs/training.md). A
 * record holds each sampled step's norms and T x T cosines, and the losses, but NOT the
 * gradients themselves (they have the model's size). Norms and cosines are the Gram matrix
 * K = diag(n) cos diag(n), and every balancer here except GradDrop depends on the gradients only
 * through K and the losses: any rows with that Gram matrix give the same weights, the same
 * conflict sets and the same update up to the same rotation. So the page rebuilds rows
 * G = V sqrt(Λ) from K's eigen-decomposition, in its smallest dimension. When K has rank above
 * 3 it keeps the best 3-D approximation and says how much of the Gram matrix's trace is dropped.
 */
import { linalg } from '../../../src/core.ts';

export class DiagnosticsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiagnosticsFileError';
  }
}

export interface DiagnosticsStep {
  step: number;
  epoch: number | null;
  norms: number[];
  cosine: number[][];
  losses: number[] | null;
}

export interface RebuiltGradients {
  d: 2 | 3;
  G: number[][];
  /** K's numerical rank. */
  rank: number;
  /** Fraction of trace(K) dropped by keeping 3 dimensions (0 when rank <= 3). */
  dropped: number;
}

const isNums = (v: unknown, n?: number): v is number[] =>
  Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The usable steps of a diagnostics.jsonl text; `name` is for messages. */
export function parseDiagnostics(text: string, name: string): DiagnosticsStep[] {
  const steps: DiagnosticsStep[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new DiagnosticsFileError(`${name} line ${i + 1} is not JSON; drop a run folder's diagnostics.jsonl (one JSON object per line)`);
    }
    const norms = r.norms_before, cosine = r.cosine;
    if (!isNums(norms) || !Array.isArray(cosine) || !cosine.every((row) => isNums(row, norms.length))) {
      throw new DiagnosticsFileError(`${name} line ${i + 1} has no "norms_before" and T x T "cosine"; is it a diagnostics.jsonl (docs/training.md)?`);
    }
    if (norms.length < 2 || norms.length > 6) throw new DiagnosticsFileError(`${name} line ${i + 1} has ${norms.length} tasks; the page takes 2 to 6`);
    steps.push({
      step: typeof r.step === 'number' ? r.step : i,
      epoch: typeof r.epoch === 'number' ? r.epoch : null,
      norms, cosine: cosine as number[][],
      losses: isNums(r.losses, norms.length) ? r.losses : null,
    });
  });
  if (steps.length === 0) throw new DiagnosticsFileError(`${name} has no records (diagnostics are sampled every diagnosticsEvery steps; was it 0?)`);
  return steps;
}

/** Rows with the step's Gram matrix, in 2 or 3 dimensions. */
export function rebuildGradients(s: DiagnosticsStep): RebuiltGradients {
  const T = s.norms.length;
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) K[i * T + j] = s.norms[i]! * s.norms[j]! * (i === j ? 1 : s.cosine[i]![j]!);
  const vals = new Float64Array(T), V = new Float64Array(T * T);
  linalg.symEig(K, T, vals, V);
  const order = Array.from({ length: T }, (_, k) => k).sort((a, b) => vals[b]! - vals[a]!);
  const top = Math.max(vals[order[0]!]!, 0);
  const kept = order.filter((k) => vals[k]! > 1e-12 * top);
  const rank = kept.length;
  const d: 2 | 3 = rank <= 2 ? 2 : 3;
  const cols = order.slice(0, d);
  const G = Array.from({ length: T }, (_, t) => cols.map((k) => V[t * T + k]! * Math.sqrt(Math.max(vals[k]!, 0))));
  let trace = 0, dropped = 0;
  order.forEach((k, i) => { const v = Math.max(vals[k]!, 0); trace += v; if (i >= d) dropped += v; });
  return { d, G, rank, dropped: trace > 0 ? dropped / trace : 0 };
}
