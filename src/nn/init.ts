import type { Storage } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';

/**
 * Named initialisers. Each fills a parameter's value view in place from a seeded Rng.
 * Fan-in / fan-out follow the layout mtlkit stores weights in: a matrix of shape [in, out]
 * (so y = x W with no transpose); an embedding table [rows, width] has fan-in `rows`,
 * fan-out `width` (only matters if someone asks for a fan-based init on a table).
 */
export type InitSpec =
  | 'zeros'
  | 'ones'
  | 'normal'
  | 'xavier_uniform'
  | 'glorot_uniform'
  | 'xavier_normal'
  | 'he_uniform'
  | 'kaiming_uniform'
  | 'he_normal'
  | 'kaiming_normal'
  | 'torch_default'
  | { kind: 'normal'; mean?: number; std?: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number };

/** The GradCraft code's default: N(0, 0.01) for embeddings and expert weights. */
export const DEFAULT_NORMAL_STD = 0.01;

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { fanIn, fanOut: shape[shape.length - 1]! };
}

export function initialise(spec: InitSpec, out: Storage, shape: readonly number[], rng: Rng): void {
  const n = out.length;
  const { fanIn, fanOut } = fans(shape);
  const uniform = (a: number): void => {
    for (let i = 0; i < n; i++) out[i] = rng.uniform(-a, a);
  };
  const normal = (mean: number, std: number): void => {
    for (let i = 0; i < n; i++) out[i] = rng.normal(mean, std);
  };
  if (typeof spec === 'object') {
    switch (spec.kind) {
      case 'normal':
        return normal(spec.mean ?? 0, spec.std ?? DEFAULT_NORMAL_STD);
      case 'uniform':
        for (let i = 0; i < n; i++) out[i] = rng.uniform(spec.low, spec.high);
        return;
      case 'constant':
        out.fill(spec.value);
        return;
    }
  }
  switch (spec) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'normal':
      return normal(0, DEFAULT_NORMAL_STD);
    case 'xavier_uniform':
    case 'glorot_uniform':
      // Glorot and Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
      return uniform(Math.sqrt(6 / (fanIn + fanOut)));
    case 'xavier_normal':
      return normal(0, Math.sqrt(2 / (fanIn + fanOut)));
    case 'he_uniform':
    case 'kaiming_uniform':
      // He et al. (2015) for ReLU: U(-a, a), a = sqrt(6 / fan_in).
      return uniform(Math.sqrt(6 / fanIn));
    case 'he_normal':
    case 'kaiming_normal':
      return normal(0, Math.sqrt(2 / fanIn));
    case 'torch_default':
      // PyTorch's nn.Linear default (kaiming_uniform_ with a = sqrt(5)): U(-a, a), a = 1 / sqrt(fan_in).
      // For a Linear's bias PyTorch uses the same bound with the weight's fan_in: see `linearBiasInit`.
      return uniform(1 / Math.sqrt(fanIn));
    default: {
      const never: never = spec;
      throw new Error(`initialise: unknown initialiser ${JSON.stringify(never)}`);
    }
  }
}

/**
 * A Linear's bias init spec, resolved against the layer's fan-in: 'torch_default' becomes
 * PyTorch's default bias init U(-1/sqrt(in), 1/sqrt(in)) (the bias's own shape [out] would give
 * the wrong fan-in); other specs pass through. Default: zeros.
 */
export function linearBiasInit(spec: InitSpec | undefined, inFeatures: number): InitSpec {
  if (spec === undefined) return 'zeros';
  if (spec === 'torch_default') {
    const a = 1 / Math.sqrt(inFeatures);
    return { kind: 'uniform', low: -a, high: a };
  }
  return spec;
}
