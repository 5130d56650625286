/**
 * `npx tsx bench/step.ts [--model ple-paper] [--batch 2048] [--fields 20] [--steps 5]`
 * One forward + backward + Adam step of a preset at vocabulary 10k and 1M per field, and the
 * ratio (target <= 1.3x: lazy rows make the step cost scale with the rows a batch touches,
 * not the table size). Prints one line per size, then the ratio; `--json` for one object.
 */
import { benchStep } from '../src/bench/index.ts';
import type { PresetName } from '../src/nn/models/presets.ts';
import { has, opt } from './flags.ts';

const model = opt('model', 'ple-paper') as PresetName;
const batch = Number(opt('batch', '2048')), fields = Number(opt('fields', '20')), steps = Number(opt('steps', '5'));
const results = [10_000, 1_000_000].map((vocab) => benchStep({ model, batch, fields, vocab, steps, warmup: 2 }));
const ratio = results[1]!.ms_per_step / results[0]!.ms_per_step;
if (has('json')) {
  console.log(JSON.stringify({ model, batch, fields, small: results[0], large: results[1], ratio, target: 1.3 }));
} else {
  for (const r of results) {
    console.log(
      `${r.model} batch ${r.batch} fields ${r.fields} vocab ${r.vocab.toLocaleString('en')}: ${r.ms_per_step.toFixed(1)} ms/step ` +
        `(${Math.round(r.samples_per_s)} samples/s; fwd ${r.phases_ms.forward.toFixed(0)} bwd ${r.phases_ms.backward.toFixed(0)} opt ${r.phases_ms.optimizer.toFixed(1)} ms; ` +
        `${r.params.toLocaleString('en')} params; backend ${r.backend}; peak RSS ${Math.round(r.peak_rss_mb)} MB)`,
    );
  }
  console.log(`ratio 1M / 10k: ${ratio.toFixed(2)}x (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'OVER'}`);
}
