import type { Command } from 'commander';
import { benchBalancedStep, benchStep, workersIdleClock, type BalancedBenchResult, type StepBenchResult } from '../../bench/index.ts';
import { balancerIds, createBalancer } from '../../mtl/balancers/index.ts';
import type { Balancer, GradientMode } from '../../mtl/balancer.ts';
import { loadPlugins } from '../../train/plugins.ts';
import { PRESETS, type PresetName } from '../../nn/models/presets.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';
import { formatReport, installProfiler, profile } from '../../profile/index.ts';

/**
 * `mtlkit bench step`: the time of one training step of a model preset. Without --mode and with
 * method ew: the plain step (one backward of the summed loss + Adam, src/bench/step.ts).
 * With --method <id> and/or --mode param|rep: the real balanced step of the trainer
 * (BalancedStep: forward, per-task backward(s), combine, write-back, L2, Adam;
 * src/bench/balanced-step.ts). --json prints {samples_per_s, ms_per_step (median after warm-up),
 * peak_rss_mb, method, mode, ...} (issue 9's contract for scripts).
 */
export function registerBenchStep(bench: Command): void {
  bench
    .command('step')
    .description('time one training step of a model preset on random batches: forward + backward(s) + balancer + Adam (--method, --mode)')
    .option('--model <name>', `model preset: ${PRESETS.join(' | ')}`, 'ple-paper')
    .option('--batch <n>', 'batch size', '2048')
    .option('--fields <n>', 'categorical fields', '20')
    .option('--vocab <n>', 'vocabulary per field (row 0 is the unknown row)', '10000')
    .option('--tasks <n>', 'number of tasks', '6')
    .option('--method <id>', 'balancer id (any registered one); with --mode or a method other than ew, times the real balanced step (BalancedStep)', 'ew')
    .option('--mode <mode>', 'param | rep: the gradient mode of the balanced step (default param when --method is not ew; unset with ew = the plain summed-loss step)')
    .option('--opt <key=value>', 'a balancer option (repeatable), e.g. --opt tau=0.1', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--plugin <module>', 'a module to import first, e.g. one that calls registerBalancer (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--steps <n>', 'timed steps (median reported)', '10')
    .option('--warmup <n>', 'untimed warm-up steps (V8 keeps compiling a fresh process\'s step for its first 150 or so; more settles it)', '2')
    .option('--l2 <x>', 'L2 coefficient (gradient added after balancing)', '0')
    .option('--dense-tables', 'update every embedding row each step (lazy rows off)')
    .option('--profile', 'also print where a step goes: ms by phase (forward, backward, balancer, optimizer) and by op family (src/profile)')
    .option('--shapes', 'with --profile: one matmul family per shape (m x k x n; a Linear\'s kernels and their pairs by rows x in x out)')
    .option('--top <n>', 'with --profile: families listed per phase and overall', '12')
    .option('--idle', 'with --profile: time every phase and op by how long the kernel threads sat idle during it (its wall time less their time in jobs, per worker) instead of the wall clock; a job counts where it ends, so work run beside one shows idle that the op ending it gives back')
    .option('--json', 'print one JSON object')
    .action(async (o: Record<string, string | boolean | undefined | string[]>) => {
      await loadPlugins((o.plugin as string[] | undefined) ?? []).catch((e: Error) => {
        throw new CliError(`bench step: ${e.message}`);
      });
      const method = String(o.method);
      if (o.mode !== undefined && o.mode !== 'param' && o.mode !== 'rep') throw new CliError(`bench step: --mode must be param or rep, got ${String(o.mode)}`);
      if (!(balancerIds as string[]).includes(method)) throw new CliError(`bench step: unknown --method ${method} (have ${balancerIds.join(', ')})`);
      const balanced = o.mode !== undefined || method !== 'ew';
      const model = String(o.model) as PresetName;
      if (!PRESETS.includes(model)) throw new CliError(`bench step: unknown --model ${model} (have ${PRESETS.join(', ')})`);
      const int = (k: string): number => {
        const v = Number(o[k]);
        if (!Number.isInteger(v) || v < 0) throw new CliError(`bench step: --${k} must be a non-negative integer, got ${String(o[k])}`);
        return v;
      };
      const methodOptions: Record<string, unknown> = {};
      for (const kv of (o.opt as string[] | undefined) ?? []) {
        const i = kv.indexOf('=');
        if (i <= 0) throw new CliError(`bench step: --opt expects key=value, got '${kv}'`);
        const v = kv.slice(i + 1).trim();
        let parsed: unknown = v;
        try { parsed = JSON.parse(v); } catch { /* a plain string */ }
        methodOptions[kv.slice(0, i).trim()] = parsed;
      }
      let balancer: Balancer | undefined;
      try {
        balancer = balanced ? createBalancer(method, methodOptions) : undefined;
      } catch (e) {
        throw new CliError(`bench step: ${(e as Error).message}`);
      }
      if (o.shapes && !o.profile) throw new CliError('bench step: --shapes needs --profile');
      if (o.idle && !o.profile) throw new CliError('bench step: --idle needs --profile');
      const idle = o.idle ? workersIdleClock() : null;
      if (o.idle && idle === null) throw new CliError('bench step: --idle needs kernel threads (the wasm backend on two or more threads, e.g. MTLKIT_THREADS=2); this backend has none');
      const undoProfile = o.profile ? installProfiler({ ...(balancer ? { balancer } : {}), matmulShapes: o.shapes === true }) : null;
      if (undoProfile) {
        profile.setClock(idle ?? undefined);
        profile.enable({ skipSteps: int('warmup') });
      }
      const common = {
        model, batch: int('batch'), fields: int('fields'), vocab: int('vocab'), tasks: int('tasks'), steps: Math.max(1, int('steps')), warmup: int('warmup'),
        l2: Number(o.l2), lazy: !o.denseTables,
      };
      let r: StepBenchResult | BalancedBenchResult;
      try {
        r = balancer ? benchBalancedStep({ ...common, method, balancer, mode: (o.mode ?? 'param') as GradientMode }) : benchStep(common);
      } catch (e) {
        if (balancer && /BalancedStep: /.test((e as Error).message)) throw new CliError(`bench step: ${(e as Error).message}`);
        throw e;
      }
      const prof = undoProfile ? profile.report() : null;
      if (undoProfile) {
        profile.disable();
        profile.setClock();
        undoProfile();
      }
      const clock = idle ? 'worker idle' : 'wall';
      if (o.json) printJson(prof ? { ...r, profile: prof, profile_clock: clock } : r);
      else {
        const bal = 'balancer' in r.phases_ms ? ` / balancer ${r.phases_ms.balancer.toFixed(1)}` : '';
        process.stdout.write(
          `${r.model} batch ${r.batch}, ${r.fields} fields x ${r.vocab} ids, ${r.params} params, backend ${r.backend}; ${r.method} (${r.mode}${'path' in r ? `, ${r.path} path, d ${r.d}` : ''})\n` +
            `  ${r.ms_per_step.toFixed(1)} ms/step (median of ${r.steps}), ${Math.round(r.samples_per_s)} samples/s, ` +
            `forward ${r.phases_ms.forward.toFixed(1)} / backward ${r.phases_ms.backward.toFixed(1)}${bal} / optimizer ${r.phases_ms.optimizer.toFixed(1)} ms, ` +
            `peak RSS ${Math.round(r.peak_rss_mb)} MB\n`,
        );
        if (r.pool) {
          process.stdout.write(`  kernel threads: ${r.pool.dispatches_per_step.toFixed(0)} jobs/step, the main thread waited ${r.pool.wait_ms_per_step.toFixed(2)} ms/step for workers after its own share, ${r.pool.withdrawn_per_step.toFixed(1)} jobs/step taken back from workers not yet awake; ` +
            `${r.pool.workers === 1 ? 'the worker' : `each of ${r.pool.workers} workers`} in jobs ${r.pool.busy_ms_per_step.toFixed(1)} ms/step (mean)\n`);
        }
        if (prof) process.stdout.write(`${formatReport(prof, { top: int('top'), clock })}\n  (profiled run: the wrappers add one clock read per kernel call and per op; compare times within the profile)\n`);
      }
    });
}
