import type { DType } from '../../tensor/backend.ts';
import type { InitSpec } from '../init.ts';
import { MMoE, PLE, type PLEConfig } from './ple.ts';
import { SharedBottom } from './shared-bottom.ts';
import type { MultiTaskModel } from './model.ts';

export type PresetName = 'ple-paper' | 'ple-lite' | 'mmoe' | 'shared-bottom';
export const PRESETS: readonly PresetName[] = ['ple-paper', 'ple-lite', 'mmoe', 'shared-bottom'];

/**
 * How a preset initialises its layers (embeddings are N(0, 0.01) in all three):
 * - 'code': exactly as the GradCraft code runs (DeepCTR-Torch on PyTorch; docs/nn.md "Init"):
 *   expert / bottom / tower hidden weights N(0, 0.01) (DNN re-initialises weights only), their
 *   biases PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)); gates Linear(-> E, no bias)
 *   and each tower's final Linear(16 -> 1, no bias) keep PyTorch's default weight init
 *   U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the scalar output bias starts at 0.
 * - 'normal': N(0, 0.01) for every weight matrix, every bias 0 (a literal reading of "init
 *   N(0, 0.01)"). Stalls: some towers never leave the constant prediction (docs/nn.md).
 * - 'glorot': Glorot-uniform weights, biases 0 (ple-lite's).
 */
export type ModelInit = 'code' | 'normal' | 'glorot';
export const MODEL_INITS: readonly ModelInit[] = ['code', 'normal', 'glorot'];

interface InitParts {
  weightInit: InitSpec;
  biasInit: InitSpec;
  gateInit: InitSpec;
  logitInit: InitSpec;
}

function initParts(init: ModelInit): InitParts {
  switch (init) {
    case 'code':
      return { weightInit: 'normal', biasInit: 'torch_default', gateInit: 'torch_default', logitInit: 'torch_default' };
    case 'normal':
      return { weightInit: 'normal', biasInit: 'zeros', gateInit: 'normal', logitInit: 'normal' };
    case 'glorot':
      return { weightInit: 'glorot_uniform', biasInit: 'zeros', gateInit: 'glorot_uniform', logitInit: 'glorot_uniform' };
    default:
      throw new Error(`createModel: unknown init '${String(init)}' (have ${MODEL_INITS.join(', ')})`);
  }
}

export interface PresetOptions {
  /** Per-field vocabulary sizes; or give `fields` and `vocab` for equal fields. */
  vocabSizes?: readonly number[];
  fields?: number;
  vocab?: number;
  tasks?: number;
  denseWidth?: number;
  seed?: number;
  dtype?: DType;
  tableLayout?: 'per-field' | 'shared';
  /** Override the dropout probability (e.g. 0 for gradcheck). */
  dropout?: number;
  /** Layer init scheme (default: 'glorot' for ple-lite, 'code' for the others). */
  init?: ModelInit;
}

/**
 * ple-paper: the GradCraft paper's backbone as its code runs it (docs/papers-vs-code.md "PLE as
 *   run"): 1 level, 1 shared + 1 specific expert per task, experts MLP in -> 256 -> 128 -> 64
 *   (ReLU + dropout 0.2 after every layer), FM second-order scalar in front of each tower's
 *   input, gates Linear(embeddings -> 2, no bias) + softmax, towers 65 -> 32 -> 16 -> logit,
 *   embedding 16, six tasks, init 'code' (see ModelInit: N(0, 0.01) embeddings and hidden
 *   weights, PyTorch defaults for hidden biases, gates and the final Linear).
 * ple-lite: the speed issue's reference model: the same shape without FM or dropout, gates
 *   without bias, towers 64 -> 32 -> 16 -> 1; embeddings N(0, 0.01), init 'glorot'.
 * mmoe / shared-bottom: the same sizes in those architectures (4 experts; bottom 256-128-64),
 *   init 'code' (the code's MMoE / SharedBottom build their layers the same way).
 */
export function createModel(name: PresetName, opts: PresetOptions = {}): MultiTaskModel {
  const fields = opts.fields ?? 20, vocab = opts.vocab ?? 10_000;
  const vocabSizes = opts.vocabSizes ?? Array.from({ length: fields }, () => vocab);
  const common = {
    tasks: opts.tasks ?? 6, vocabSizes, embDim: 16, denseWidth: opts.denseWidth ?? 0,
    seed: opts.seed ?? 5277, dtype: opts.dtype ?? 'float32', tableLayout: opts.tableLayout ?? 'per-field',
  } as const;
  const init = initParts(opts.init ?? (name === 'ple-lite' ? 'glorot' : 'code'));
  const paper: PLEConfig = {
    ...common, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [256, 128, 64], towerHidden: [32, 16],
    fm: true, dropout: opts.dropout ?? 0.2, gateBias: false, ...init, embInit: 'normal', name: 'ple',
  };
  switch (name) {
    case 'ple-paper':
      return new PLE(paper);
    case 'ple-lite':
      return new PLE({ ...paper, fm: false, dropout: opts.dropout ?? 0 });
    case 'mmoe':
      return new MMoE({ ...common, experts: 4, expertHidden: [256, 128, 64], towerHidden: [32, 16], fm: true, dropout: opts.dropout ?? 0.2, gateBias: false, ...init, embInit: 'normal' });
    case 'shared-bottom': {
      const { gateInit: _gate, ...sb } = init;
      return new SharedBottom({ ...common, bottomHidden: [256, 128, 64], towerHidden: [32, 16], fm: true, dropout: opts.dropout ?? 0.2, ...sb, embInit: 'normal' });
    }
    default:
      throw new Error(`createModel: unknown preset '${String(name)}' (have ${PRESETS.join(', ')})`);
  }
}
