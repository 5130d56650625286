import type { DType } from '../../tensor/backend.ts';
import { MMoE, PLE, type PLEConfig } from './ple.ts';
import { SharedBottom } from './shared-bottom.ts';
import type { MultiTaskModel } from './model.ts';

export type PresetName = 'ple-paper' | 'ple-lite' | 'mmoe' | 'shared-bottom';
export const PRESETS: readonly PresetName[] = ['ple-paper', 'ple-lite', 'mmoe', 'shared-bottom'];

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
}

/**
 * ple-paper: the GradCraft paper's backbone as its code runs it (papers-vs-code.md "PLE as
 *   run"): 1 level, 1 shared + 1 specific expert per task, experts MLP in -> 256 -> 128 -> 64
 *   (ReLU + dropout 0.2 after every layer), FM second-order scalar in front of each tower's
 *   input, gates Linear(embeddings -> 2, no bias) + softmax, towers 65 -> 32 -> 16 -> logit,
 *   embedding 16, six tasks, init N(0, 0.01) (embeddings and every weight matrix; biases 0).
 * ple-lite: the speed issue's reference model: the same shape without FM or dropout, gates
 *   without bias, towers 64 -> 32 -> 16 -> 1; embeddings N(0, 0.01), weights Glorot-uniform.
 * mmoe / shared-bottom: the same sizes in those architectures (4 experts; bottom 256-128-64).
 */
export function createModel(name: PresetName, opts: PresetOptions = {}): MultiTaskModel {
  const fields = opts.fields ?? 20, vocab = opts.vocab ?? 10_000;
  const vocabSizes = opts.vocabSizes ?? Array.from({ length: fields }, () => vocab);
  const common = {
    tasks: opts.tasks ?? 6, vocabSizes, embDim: 16, denseWidth: opts.denseWidth ?? 0,
    seed: opts.seed ?? 5277, dtype: opts.dtype ?? 'float32', tableLayout: opts.tableLayout ?? 'per-field',
  } as const;
  const paper: PLEConfig = {
    ...common, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [256, 128, 64], towerHidden: [32, 16],
    fm: true, dropout: opts.dropout ?? 0.2, gateBias: false, weightInit: 'normal', embInit: 'normal', name: 'ple',
  };
  switch (name) {
    case 'ple-paper':
      return new PLE(paper);
    case 'ple-lite':
      return new PLE({ ...paper, fm: false, dropout: opts.dropout ?? 0, weightInit: 'glorot_uniform' });
    case 'mmoe':
      return new MMoE({ ...common, experts: 4, expertHidden: [256, 128, 64], towerHidden: [32, 16], fm: true, dropout: opts.dropout ?? 0.2, gateBias: false, weightInit: 'normal', embInit: 'normal' });
    case 'shared-bottom':
      return new SharedBottom({ ...common, bottomHidden: [256, 128, 64], towerHidden: [32, 16], fm: true, dropout: opts.dropout ?? 0.2, weightInit: 'normal', embInit: 'normal' });
    default:
      throw new Error(`createModel: unknown preset '${String(name)}' (have ${PRESETS.join(', ')})`);
  }
}
