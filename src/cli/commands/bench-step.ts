import type { Command } from 'commander';
import { benchStep } from '../../nn/bench-step.ts';
import { PRESETS, type PresetName } from '../../nn/models/presets.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';
import { formatReport, installProfiler, profile } from '../../profile/index.ts';

/** `mtlkit bench step`: the time of one training step of a model preset. */
export function registerBenchStep(bench: Command): void {
  bench
    .command('step')
    .description('time one training step (forward + backward + Adam) of a model preset on random batches')
    .option('--model <name>', `model preset: ${PRESETS.join(' | ')}`, 'ple-paper')
    .option('--batch <n>', 'batch size', '2048')
    .option('--fields <n>', 'categorical fields', '20')
    .option('--vocab <n>', 'vocabulary per field (row 0 is the unknown row)', '10000')
    .option('--tasks <n>', 'number of tasks', '6')
    .option('--method <id>', 'balancing method; only "ew" (one backward of the summed loss) is supported so far', 'ew')
    .option('--mode <mode>', 'param | rep: per-task gradient modes, not supported yet (needs src/mtl); leave unset')
    .option('--steps <n>', 'timed steps (median reported)', '10')
    .option('--warmup <n>', 'untimed warm-up steps', '2')
    .option('--l2 <x>', 'L2 coefficient (gradient added after balancing)', '0')
    .option('--dense-tables', 'update every embedding row each step (lazy rows off)')
    .option('--profile', 'also print where a step goes: ms by phase (forward, backward, balancer, optimizer) and by op family (src/profile)')
    .option('--json', 'print one JSON object')
    .action((o: Record<string, string | boolean | undefined>) => {
      if (o.method !== 'ew') throw new CliError(`bench step: --method ${String(o.method)} is not supported yet; only ew (the balancers land in src/mtl)`);
      if (o.mode !== undefined) throw new CliError(`bench step: --mode ${String(o.mode)} is not supported yet; ew runs one backward of the summed loss`);
      const model = String(o.model) as PresetName;
      if (!PRESETS.includes(model)) throw new CliError(`bench step: unknown --model ${model} (have ${PRESETS.join(', ')})`);
      const int = (k: string): number => {
        const v = Number(o[k]);
        if (!Number.isInteger(v) || v < 0) throw new CliError(`bench step: --${k} must be a non-negative integer, got ${String(o[k])}`);
        return v;
      };
      const undoProfile = o.profile ? installProfiler() : null;
      if (undoProfile) profile.enable({ skipSteps: int('warmup') });
      const r = benchStep({
        model, batch: int('batch'), fields: int('fields'), vocab: int('vocab'), tasks: int('tasks'), steps: Math.max(1, int('steps')), warmup: int('warmup'),
        l2: Number(o.l2), lazy: !o.denseTables,
      });
      const prof = undoProfile ? profile.report() : null;
      if (undoProfile) {
        profile.disable();
        undoProfile();
      }
      if (o.json) printJson(prof ? { ...r, profile: prof } : r);
      else {
        process.stdout.write(
          `${r.model} batch ${r.batch}, ${r.fields} fields x ${r.vocab} ids, ${r.params} params, backend ${r.backend}\n` +
            `  ${r.ms_per_step.toFixed(1)} ms/step (median of ${r.steps}), ${Math.round(r.samples_per_s)} samples/s, ` +
            `forward ${r.phases_ms.forward.toFixed(1)} / backward ${r.phases_ms.backward.toFixed(1)} / optimizer ${r.phases_ms.optimizer.toFixed(1)} ms, ` +
            `peak RSS ${Math.round(r.peak_rss_mb)} MB\n`,
        );
        if (prof) process.stdout.write(`${formatReport(prof)}\n  (profiled run: the wrappers add one clock read per kernel call and per op; compare times within the profile)\n`);
      }
    });
}
