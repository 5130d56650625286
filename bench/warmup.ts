/**
 * `npm run bench -- warmup [--steps 300] [--block 50] [--threads 1,2] [--mode ew] [--batch 2048] [--json]`
 *
 * How a fresh process's step settles (issue 15's races time a few hundred steps): for each
 * thread count, a new process (a cold JIT) runs --steps steps of PLE-lite (the race's model,
 * bench/torch/mtl-side.ts) in one mode, and prints per block of --block steps the median step
 * and the CPU each group of threads used per step: the main thread, the kernel threads (those
 * the backend started), and Node's and V8's own (V8's optimizing compiler works there while
 * the step's functions get hot). On one thread the compiler has the second CPU to itself; on two
 * it takes its time from the kernel threads'. CPU per thread comes from /proc (Linux); elsewhere
 * only the step times are printed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getBackend, setBackend } from '../src/tensor/backends/registry.ts';
import { median } from '../src/tensor/timing.ts';
import { makeBatches, makeMtl, mtlStep, MODES, PLE_LITE, type Mode } from './torch/mtl-side.ts';
import { has, opt } from './flags.ts';
import { splitCpu, threadCpuNs, threadsStartedBy, type CpuSplit } from './jit/threads.ts';

const STEPS = Number(opt('steps', '300'));
const BLOCK = Number(opt('block', '50'));
const THREADS = opt('threads', '1,2').split(',').map(Number);
const MODE = opt('mode', 'ew') as Mode;
const B = Number(opt('batch', '2048'));
const json = has('json');
const log = (s: string): void => void (json ? process.stderr.write(s + '\n') : process.stdout.write(s + '\n'));

for (const [k, v] of [['steps', STEPS], ['block', BLOCK], ['batch', B]] as const) {
  if (!(Number.isInteger(v) && v >= 1)) {
    console.error(`warmup: --${k} must be a whole number >= 1, got "${opt(k, '')}"`);
    process.exit(2);
  }
}
if (!MODES.includes(MODE)) {
  console.error(`warmup: --mode must be one of ${MODES.join(', ')}, got "${MODE}"`);
  process.exit(2);
}
if (THREADS.some((n) => !(Number.isInteger(n) && n >= 1))) {
  console.error(`warmup: --threads must list whole numbers >= 1, got "${opt('threads', '')}"`);
  process.exit(2);
}

interface Block {
  from: number;
  to: number;
  ms: number;
  /** CPU per step of each group of threads (null: not measurable here). */
  cpu: CpuSplit | null;
}
interface ChildResult {
  threads: number;
  backend: string;
  blocks: Block[];
}

/** The child: a fresh process at MTLKIT_THREADS, its blocks as one JSON line. */
function child(): void {
  // The threads that appear while the backend starts are its kernel threads.
  const kernel = threadsStartedBy(() => {
    if (!process.env.MTLKIT_BACKEND) setBackend('wasm');
    getBackend();
  });
  const be = getBackend();
  const backend = be.describe();
  const batches = makeBatches(PLE_LITE, B, 4);
  const mtl = makeMtl(PLE_LITE, B);
  const blocks: Block[] = [];
  let ms: number[] = [];
  let mark = threadCpuNs();
  for (let i = 0; i < STEPS; i++) {
    const a = performance.now();
    mtlStep(mtl, MODE, batches[i % batches.length]!);
    ms.push(performance.now() - a);
    if (ms.length === BLOCK || i === STEPS - 1) {
      const now = threadCpuNs();
      const cpu = mark && now ? splitCpu(mark, now, process.pid, kernel) : null;
      const n = ms.length;
      blocks.push({ from: i + 1 - n, to: i, ms: median(ms), cpu: cpu && { main: cpu.main / n, kernel: cpu.kernel / n, other: cpu.other / n } });
      ms = [];
      mark = threadCpuNs();
    }
  }
  process.stdout.write(JSON.stringify({ threads: be.threads, backend, blocks } satisfies ChildResult) + '\n');
}

function parent(): void {
  log(`warmup: PLE-lite, batch ${B}, ${MODE} steps in a fresh process per thread count; ${STEPS} steps in blocks of ${BLOCK}`);
  const results: ChildResult[] = [];
  for (const n of THREADS) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--steps', String(STEPS), '--block', String(BLOCK), '--mode', MODE, '--batch', String(B)], {
      encoding: 'utf8', env: { ...process.env, MTLKIT_THREADS: String(n) }, maxBuffer: 1 << 24,
    });
    let res: ChildResult;
    try {
      res = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as ChildResult;
    } catch {
      console.error(`warmup: the ${n}-thread child failed (exit ${r.status}): ${r.stderr.slice(-600)}`);
      process.exit(1);
    }
    results.push(res);
    log(`\n${res.threads} thread(s) (${res.backend}):`);
    log('| steps | step, median ms | main thread, CPU ms/step | kernel threads | Node / V8 threads |');
    log('|---|---:|---:|---:|---:|');
    for (const b of res.blocks) {
      const c = b.cpu;
      log(`| ${b.from}-${b.to} | ${b.ms.toFixed(1)} | ${c ? c.main.toFixed(1) : 'n/a'} | ${c ? c.kernel.toFixed(1) : 'n/a'} | ${c ? c.other.toFixed(2) : 'n/a'} |`);
    }
    if (res.threads !== n) log(`(asked for ${n} threads; the backend runs ${res.threads})`);
  }
  if (results.some((r) => r.blocks.some((b) => b.cpu === null))) log('\n(CPU per thread needs Linux /proc; only the step times were measured)');
  if (json) process.stdout.write(JSON.stringify({ model: 'ple-lite', batch: B, mode: MODE, steps: STEPS, block: BLOCK, runs: results }, null, 2) + '\n');
}

if (has('child')) child();
else parent();
