import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { loadCandidates } from '../../tensor/backends/accelerated.ts';
import { loadOrCalibrate } from '../../tensor/backends/auto.ts';
import { registeredBackends } from '../../tensor/backends/registry.ts';
import { sharedMemorySupported, simdSupported } from '../../platform/wasm-features.ts';
import { gpuLine, matmulLine, platformReport, type PlatformReport } from '../../doctor.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit doctor [--json] [--recalibrate]`: which backends load here (and why not), whether
 * WebAssembly SIMD and shared memory / threads are available, which GPU API and device the
 * gpu backend got and whether its matmul agrees with the js twin (../../doctor.ts, shared with
 * a browser's `doctor()`), and the plan `auto` follows (calibrating once if no cached plan
 * exists for this machine and version).
 */
export interface DoctorReport {
  node: string;
  cores: number;
  simd: boolean;
  sharedMemory: boolean;
  threadsEnv: string | null;
  backendEnv: string | null;
  registered: string[];
  backends: Record<string, { loaded: boolean; describe?: string; reason?: string }>;
  gpu: PlatformReport['gpu'];
  matmul: PlatformReport['matmul'];
  auto: { plan: unknown; ms: unknown; cached: boolean; file: string } | null;
}

export function doctor(opts: { recalibrate?: boolean } = {}): DoctorReport {
  const { backends, gpu, matmul } = platformReport();
  const { loaded } = loadCandidates();
  const cal = loadOrCalibrate(loaded, { fresh: opts.recalibrate });
  const report: DoctorReport = {
    node: process.version,
    cores: availableParallelism(),
    simd: simdSupported(),
    sharedMemory: sharedMemorySupported(),
    threadsEnv: process.env.MTLKIT_THREADS ?? null,
    backendEnv: process.env.MTLKIT_BACKEND ?? null,
    registered: registeredBackends(),
    backends,
    gpu,
    matmul,
    auto: { plan: cal.plan, ms: cal.ms, cached: cal.cached, file: cal.file },
  };
  // The backends are the process-wide singletons (their worker threads are unref'd): not closed.
  return report;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('which kernel backends load here, SIMD / threads support, the GPU API the gpu backend got, and the auto plan')
    .option('--json', 'print one JSON object')
    .option('--recalibrate', 'measure the auto plan again instead of reading the cached one')
    .action((o: { json?: boolean; recalibrate?: boolean }) => {
      const r = doctor(o);
      if (o.json) {
        printJson(r);
        return;
      }
      const out: string[] = [];
      out.push(`node ${r.node}, ${r.cores} cores; WebAssembly SIMD: ${r.simd ? 'yes' : 'no'}; shared memory / threads: ${r.sharedMemory ? 'yes' : 'no'}`);
      out.push(`MTLKIT_BACKEND=${r.backendEnv ?? '(unset: wasm)'}  MTLKIT_THREADS=${r.threadsEnv ?? '(unset: core count)'}`);
      out.push('backends:');
      for (const [name, b] of Object.entries(r.backends)) out.push(`  ${name.padEnd(5)} ${b.loaded ? 'ok      ' + b.describe : 'FAILED  ' + b.reason}`);
      out.push(matmulLine(r.matmul));
      out.push(gpuLine(r.gpu));
      if (r.auto) {
        out.push(`auto plan (${r.auto.cached ? 'cached' : 'calibrated now'}: ${r.auto.file}):`);
        const plan = r.auto.plan as Record<string, Record<string, string>>;
        const ms = r.auto.ms as Record<string, Record<string, number>>;
        for (const [op, classes] of Object.entries(plan)) {
          for (const [cls, pick] of Object.entries(classes)) {
            const t = Object.entries(ms[`${op}/${cls}`] ?? {}).map(([b, v]) => `${b} ${v.toFixed(3)} ms`).join(', ');
            out.push(`  ${op.padEnd(8)} ${cls.padEnd(7)} -> ${pick.padEnd(5)} (${t})`);
          }
        }
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
