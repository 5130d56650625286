import type { Command } from 'commander';
import { CURVE_DEFAULTS, CURVE_KNOBS, conflictCurve, type CurveKnob, type CurvePoint } from '../../train/conflict-curve.ts';
import { PRESETS, type PresetName } from '../../nn/models/presets.ts';
import { SIZES } from '../../experiments/sizes.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit data conflict [--knob rho] [--values 1,0.5,0,-0.2]`: turns one dial of the synthetic
 * world, trains EW briefly at each value and prints what the balancers would meet: the share
 * of negative task-pair cosines at the shared parameters and the spread of the task gradient
 * norms (largest mean norm over smallest), over all steps and over the second half
 * (src/train/conflict.ts). The model, batch and learning rate default to the quick
 * experiments', so that the curve is the conflict those runs meet. --json prints one object
 * {knob, steps, points} as the last line.
 */
const MEASURED = SIZES.quick;
export function registerData(program: Command): void {
  const data = program.command('data').description('inspect the synthetic world');
  data
    .command('conflict')
    .description('measure gradient conflict and norm spread at several values of a synthetic dial (brief EW training)')
    .option('--knob <name>', `the dial to turn: ${Object.keys(CURVE_KNOBS).join(' | ')} (rho = contextCorrelation)`, 'rho')
    .option('--values <list>', 'comma-separated values (default: the knob\'s curve in docs/data.md)')
    .option('--set <key=value>', 'another synthetic option, fixed (repeatable), e.g. --set context=0.9', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--steps <n>', 'EW training steps, each measured', '300')
    .option('--batch <n>', 'batch size (the quick experiments\' by default)', String(MEASURED.batchSize))
    .option('--lr <x>', 'Adam learning rate (the quick experiments\' by default)', String(MEASURED.lr))
    .option('--model <name>', `model preset: ${PRESETS.join(' | ')} (the experiments' by default)`, MEASURED.model)
    .option('--seed <n>', 'model init and batch order (the data keeps its own seed; --set seed=N changes it)', '5277')
    .option('--json', 'print one JSON object as the last line')
    .action((o: Record<string, string | boolean | string[] | undefined>) => {
      const knob = o.knob as string;
      if (!Object.prototype.hasOwnProperty.call(CURVE_KNOBS, knob)) throw new CliError(`--knob: unknown knob '${knob}' (knobs: ${Object.keys(CURVE_KNOBS).join(', ')})`);
      const def = CURVE_DEFAULTS[knob as CurveKnob];
      const values = o.values === undefined ? def.values : String(o.values).split(',').map(Number);
      if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new CliError(`--values: a comma-separated list of numbers, got '${String(o.values)}'`);
      const fixed: Record<string, number> = { ...(def.data as Record<string, number>) };
      for (const kv of o.set as string[]) {
        const [k, v] = kv.split('=');
        if (!k || v === undefined || !Number.isFinite(Number(v))) throw new CliError(`--set: expected key=number, got '${kv}'`);
        fixed[k] = Number(v);
      }
      const model = o.model as string;
      if (!PRESETS.includes(model as PresetName)) throw new CliError(`--model: one of ${PRESETS.join(', ')}, got '${model}'`);
      const int = (name: string): number => {
        const n = Number(o[name]);
        if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name}: a positive integer, got '${String(o[name])}'`);
        return n;
      };
      const steps = int('steps'), batchSize = int('batch'), seed = int('seed');
      const lr = Number(o.lr);
      const json = !!o.json;
      const say = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
      say(`dial ${knob} (${CURVE_KNOBS[knob as CurveKnob]}) over ${values.join(', ')}; fixed ${JSON.stringify(fixed)}; ${model}, EW, ${steps} steps of ${batchSize}, Adam lr ${lr}, seed ${seed}`);
      say('| value | negative cosines (all steps) | (second half) | norm ratio (all steps) | (second half) | positive rates |');
      say('| --- | --- | --- | --- | --- | --- |');
      const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
      const points = conflictCurve(knob as CurveKnob, values, fixed, { steps, batchSize, lr, seed, model: model as PresetName }, (p: CurvePoint) => {
        const m = p.measurement;
        say(`| ${p.value} | ${pct(m.negativeShare)} | ${pct(m.negativeShareLate)} | ${m.normRatio.toFixed(1)} | ${m.normRatioLate.toFixed(1)} | ${m.positiveRates.map((r) => r.toPrecision(2)).join(' / ')} |`);
      });
      if (json) {
        printJson({
          knob, option: CURVE_KNOBS[knob as CurveKnob], fixed, model, steps, batchSize, lr, seed,
          points: points.map((p) => ({
            value: p.value,
            negative_share: p.measurement.negativeShare,
            negative_share_late: p.measurement.negativeShareLate,
            norm_ratio: p.measurement.normRatio,
            norm_ratio_late: p.measurement.normRatioLate,
            mean_norms: p.measurement.meanNorms,
            positive_rates: p.measurement.positiveRates,
            pairs: p.measurement.pairs.map((q) => ({ pair: q.pair.map((t) => p.measurement.tasks[t]).join('-'), negative_share: q.negativeShare, mean_cosine: q.meanCosine })),
          })),
        });
      }
    });
}
