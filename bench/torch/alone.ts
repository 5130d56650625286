/**
 * Our side of the PyTorch race with no PyTorch model between our steps (bench/race-alone.ts):
 * the race's model, batches, thread counts and mode order, each step after `gap` ms of sleep,
 * and before the sleep, step by step in turn, one of the conditions the race could leave
 * behind. What the race's steps take on this machine without the other side's model, so that
 * a race whose steps run slower can be told from a machine that does.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { getBackend } from '../../src/tensor/backends/registry.ts';
import { median } from '../../src/tensor/timing.ts';
import { makeBatches, makeMtl, mtlStep, type Mode, type PleLiteShape } from './mtl-side.ts';
import { modeOrder } from './order.ts';
import { pause, tick } from './quiet.ts';

/** What runs before a step's sleep: nothing, a write over a large buffer, PyTorch matmuls on two threads. */
export const CONDITIONS = ['plain', 'flush', 'burst'] as const;
export type Condition = (typeof CONDITIONS)[number];

export interface AloneOptions {
  shape: PleLiteShape;
  batch: number;
  modes: readonly Mode[];
  threads: readonly number[];
  conditions: readonly Condition[];
  /** Rounds timed after `warmup` untimed ones; round r runs condition r mod conditions.length. */
  rounds: number;
  warmup: number;
  gapMs: number;
  flushMb: number;
  burstMs: number;
  /** The Python that runs the burst (torch must import there; `conditions` holds 'burst' only then). */
  python: string;
}

export interface AloneCell {
  threads: number;
  mode: Mode;
  condition: Condition;
  steps: number[];
  medianMs: number;
}

export interface AloneResult {
  cells: AloneCell[];
  /** Per condition, our EW step's median on the fewest threads over its median on the most (null without EW or two counts). */
  scaling: Partial<Record<Condition, number>>;
}

/** PyTorch matmuls on two threads for `ms` each time `run` is called, in a child process. */
class Burst {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterableIterator<string>;
  private failed: Error | null = null;

  constructor(python: string, private readonly ms: number) {
    const code = [
      'import sys, time, torch',
      'torch.set_num_threads(2)',
      'a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)',
      'for line in sys.stdin:',
      '    t0 = time.perf_counter()',
      '    while time.perf_counter() - t0 < float(line) / 1000: c = a @ b',
      "    sys.stdout.write('done\\n'); sys.stdout.flush()",
    ].join('\n');
    this.child = spawn(python, ['-c', code], { stdio: ['pipe', 'pipe', 'pipe'] });
    // A Python that does not start reports here, not as a throw; run() says so.
    this.child.on('error', (e) => (this.failed = e));
    this.child.stdin.on('error', (e) => (this.failed ??= e));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async run(): Promise<void> {
    this.child.stdin.write(`${this.ms}\n`);
    const r = await this.lines.next();
    if (r.done || this.failed) {
      throw new Error(`race-alone: the PyTorch burst process ended (does torch import in that Python?)${this.failed ? `: ${this.failed.message}` : ''}`);
    }
  }

  close(): void {
    this.child.kill();
  }
}

/** Runs the schedule; throws when a thread count exceeds what the backend has. */
export async function runAlone(o: AloneOptions): Promise<AloneResult> {
  const be = getBackend();
  for (const n of o.threads) {
    if (n > be.maxThreads) throw new Error(`race-alone: ${n} threads asked, the backend has ${be.maxThreads} (MTLKIT_THREADS)`);
  }
  if (o.conditions.length === 0) throw new Error('race-alone: no condition to run');
  const mtl = makeMtl(o.shape, o.batch);
  const batches = makeBatches(o.shape, o.batch, 4);
  const flush = o.conditions.includes('flush') ? new Float64Array(Math.max(1, Math.round((o.flushMb * 2 ** 20) / 8))) : null;
  const burst = o.conditions.includes('burst') ? new Burst(o.python, o.burstMs) : null;
  const steps = new Map<string, number[]>();
  const key = (n: number, m: Mode, c: Condition): string => `${n}/${m}/${c}`;
  try {
    const total = (o.warmup + o.rounds) * o.conditions.length;
    for (let r = 0; r < total; r++) {
      const c = o.conditions[r % o.conditions.length]!;
      for (const n of o.threads) {
        be.setThreads(n);
        for (const mi of modeOrder(r, o.modes.length)) {
          const m = o.modes[mi]!;
          if (c === 'flush') for (let i = 0; i < flush!.length; i += 8) flush![i]! += 1;
          if (c === 'burst') await burst!.run();
          pause(o.gapMs);
          const t0 = performance.now();
          mtlStep(mtl, m, batches[r % batches.length]!);
          const ms = performance.now() - t0;
          await tick(); // as the race: the wasm heap's finalizers recycle blocks
          if (r >= o.warmup * o.conditions.length) {
            const k = key(n, m, c);
            if (!steps.has(k)) steps.set(k, []);
            steps.get(k)!.push(ms);
          }
        }
      }
    }
  } finally {
    burst?.close();
  }
  const cells: AloneCell[] = [];
  for (const n of o.threads) for (const m of o.modes) for (const c of o.conditions) {
    const s = steps.get(key(n, m, c)) ?? [];
    cells.push({ threads: n, mode: m, condition: c, steps: s, medianMs: s.length ? median(s) : NaN });
  }
  const scaling: Partial<Record<Condition, number>> = {};
  const lo = Math.min(...o.threads), hi = Math.max(...o.threads);
  if (o.modes.includes('ew') && lo !== hi) {
    for (const c of o.conditions) {
      const at = (n: number): number => cells.find((x) => x.threads === n && x.mode === 'ew' && x.condition === c)!.medianMs;
      scaling[c] = at(lo) / at(hi);
    }
  }
  return { cells, scaling };
}
