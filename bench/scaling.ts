/**
 * `npm run bench -- scaling [--rounds 3] [--steps 20] [--warmup 3] [--settle 50] [--batch 2048]
 *   [--chain-seconds 3] [--no-chain] [--no-placement] [--by-op 12] [--json]`
 *
 * How far the EW step on PLE-lite can gain from a second kernel thread on this machine (issue
 * 15's scaling target), measured, then bounded:
 * 1. the step under the profiler on one thread and on two, round after round in one process
 *    (the same model, batches and backend), its time split into the backend's kernels (every
 *    `kernel.*` family: what the kernel threads can share) and the rest (op bookkeeping, the
 *    optimizer's loop, softmax and the other JavaScript: the main thread alone, whatever the
 *    thread count);
 * 2. what the model's matmuls gain here at best: bench/native/chain-bench.c (the seven expert
 *    stacks forward and backward, the step's own calls, operands warm) on one thread and on
 *    two, split call by call as the step runs them and two experts side by side (each thread
 *    its own expert: nothing shared but the input). The mean of its one-thread times over the
 *    mean of each two-thread run's faster order is the ceiling (a mean: the machine's noise
 *    would bias a best-of);
 *    The machine's own ceiling: two one-thread chain-benches at once, as two processes that
 *    share nothing, against one alone: what the second CPU adds when both are busy;
 * 3. the bound: the two-thread step if every kernel gained a ceiling (also the ones that gain
 *    far less, so it is generous) and the rest took what it took on two threads:
 *    T2 >= K1 / ceiling + J2, so the gain T1 / T2 is at most T1 / (K1 / ceiling + J2); for the
 *    matmuls' ceiling, the machine's, and a perfect 2.0x.
 * Around each two-thread run, bench/native/cross-core.c probes where the host has put the two
 * vCPUs (bench/native/placement.ts): sharing a cache, or on different core complexes, where each
 * thread reads what the other wrote at the rate of memory; the rounds are summed up by placement,
 * and with `--by-op N` the N op families whose two-thread time grows most from the rounds
 * sharing a cache to those apart (the profile's families, mean milliseconds a step in each), and
 * first the N that lose most from one thread to two: their two-thread time less half their
 * one-thread time (bench/thread-loss.ts; a pair's time counted to its kernel).
 * Without a C compiler or an x86-64 CPU with AVX2 / FMA, part 2 is skipped and says why; so is
 * part 3 (but for the 2.0x line).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installProfiler, type ProfileReport } from '../src/profile/index.ts';
import { profiledSteps } from './profile-steps.ts';
import { getBackend, setBackend } from '../src/tensor/backends/registry.ts';
import type { WasmBackend } from '../src/tensor/backends/wasm.ts';
import { median } from '../src/tensor/timing.ts';
import { buildNativeBench } from './native/build.ts';
import { makeBatches, makeMtl, mtlStep, PLE_LITE } from './torch/mtl-side.ts';
import { familiesByPlacement, PlacementProbe, SHARED_AT, sharedCache, type CrossCore, type FamilyByPlacement } from './native/placement.ts';
import { has, opt } from './flags.ts';
import { familiesByThreads, type FamilyLoss } from './thread-loss.ts';

const ROUNDS = Number(opt('rounds', '3'));
const STEPS = Number(opt('steps', '20'));
const WARMUP = Number(opt('warmup', '3'));
/** Untimed steps on one thread and on two before the first round: V8 compiles a fresh process's step meanwhile (bench/warmup.ts). */
const SETTLE = Number(opt('settle', '50'));
if (!(Number.isInteger(SETTLE) && SETTLE >= 0)) {
  console.error(`scaling: --settle must be a whole number of steps >= 0, got "${opt('settle', '')}"`);
  process.exit(2);
}
const B = Number(opt('batch', '2048'));
const CHAIN_S = Number(opt('chain-seconds', '3'));
const json = has('json');
const BY_OP = has('by-op') ? Number(opt('by-op', '12')) : 0;
if (!(Number.isInteger(BY_OP) && BY_OP >= 0)) {
  console.error(`scaling: --by-op takes a whole number of op families, got "${opt('by-op', '')}"`);
  process.exit(2);
}
const log = (s: string): void => void (json ? process.stderr.write(s + '\n') : process.stdout.write(s + '\n'));

if (!process.env.MTLKIT_BACKEND) setBackend('wasm');


/**
 * One profiled run: step time, kernel time and the rest, milliseconds per step; on two threads
 * also the worker's time in jobs (`busy`) and so its time idle, the step less that.
 */
interface Split {
  step: number;
  kernels: number;
  rest: number;
  busy?: number;
  idle?: number;
  /** Each op family's self time, ms a step (the profile's byFamily). */
  families: Map<string, number>;
}

function split(r: ProfileReport, busy: number | null): Split {
  let kernels = 0;
  for (const f of r.byFamily) if (f.family.startsWith('kernel.')) kernels += f.ms;
  const s: Split = { step: r.wallMs, kernels, rest: r.wallMs - kernels, families: new Map(r.byFamily.map((f) => [f.family, f.ms])) };
  if (busy !== null) {
    s.busy = busy;
    s.idle = r.wallMs - busy;
  }
  return s;
}

async function profiled(threads: number, step: (i: number) => void): Promise<Split> {
  const be = getBackend() as Partial<WasmBackend> & ReturnType<typeof getBackend>;
  be.setThreads(threads);
  // The worker's time in jobs over the profiled steps (none run between steps, while paused).
  const busy = (): number | null => (threads === 2 && typeof be.poolBusyMs === 'function' ? be.poolBusyMs() : null);
  let from: number | null = null, to: number | null = null;
  const r = await profiledSteps(WARMUP, STEPS, (i) => {
    if (i === WARMUP) from = busy();
    step(i);
    if (i === WARMUP + STEPS - 1) to = busy();
  });
  return split(r, from === null || to === null ? null : (to - from) / STEPS);
}

/** chain-bench built but did not run or print as expected: part 2 is skipped with this message. */
class ChainBenchError extends Error {}

/** chain-bench's "all" milliseconds: [layers split, experts paired]. */
function chainRead(stdout: string): [number, number] {
  const all = [...stdout.matchAll(/all ([0-9.]+) ms/g)].map((m) => Number(m[1]));
  if (all.length !== 2 || !/bits equal: yes/.test(stdout)) throw new ChainBenchError(`chain-bench printed what this bench does not read:\n${stdout}`);
  return [all[0]!, all[1]!];
}

function chainRun(exe: string, threads: number): [number, number] {
  const r = spawnSync(exe, [String(threads), String(CHAIN_S)], { encoding: 'utf8' });
  if (r.status !== 0) throw new ChainBenchError(`chain-bench ${threads} ${CHAIN_S} failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return chainRead(r.stdout);
}

/** Two one-thread chain-benches at once, each its own process: their "layers split" times. */
async function chainTwice(exe: string): Promise<[number, number]> {
  const one = (): Promise<number> => new Promise((resolve, reject) => {
    const c = spawn(exe, ['1', String(CHAIN_S)]);
    let out = '', err = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('error', (e) => reject(new ChainBenchError(`chain-bench did not start: ${e.message}`)));
    c.on('close', (code) => {
      if (code !== 0) reject(new ChainBenchError(`chain-bench 1 ${CHAIN_S} (two at once) failed: ${err.trim() || `exit ${code}`}`));
      else {
        try {
          resolve(chainRead(out)[0]);
        } catch (e) {
          reject(e as Error);
        }
      }
    });
  });
  const [a, b] = await Promise.all([one(), one()]);
  return [a, b];
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

async function main(): Promise<void> {
  const be = getBackend();
  if (be.maxThreads < 2) {
    log(`scaling: the backend runs one kernel thread here (${be.describe()}); nothing to compare`);
    return;
  }
  const batches = makeBatches(PLE_LITE, B, 4);
  const mtl = makeMtl(PLE_LITE, B);
  const undo = installProfiler({ markSteps: false });
  log(`scaling: PLE-lite EW step, batch ${B}; ${be.describe()}; ${ROUNDS} round(s) of ${STEPS} profiled steps after ${WARMUP} warm-up, one thread then two, after ${SETTLE} settling steps on each`);
  const one: Split[] = [], two: Split[] = [];
  // The vCPUs' placement around each two-thread run (bench/native/placement.ts), where the
  // cross-core probe builds.
  const probeDir = mkdtempSync(join(tmpdir(), 'mtlkit-placement-'));
  const built = has('no-placement') || process.arch !== 'x64' ? null : buildNativeBench('bench/native/cross-core.c', probeDir);
  const placement = new PlacementProbe(built?.exe ?? null, has('no-placement') ? '--no-placement' : built?.why ?? `the CPU is ${process.arch}, not x86-64`);
  const placements: CrossCore[][] = [];
  const gbs = (p: CrossCore): string => `${f1(p.other)} of ${f1(p.own)} GB/s`;
  let n = 0;
  const step = (i: number): void => mtlStep(mtl, 'ew', batches[(n + i) % batches.length]!);
  try {
    for (const t of [1, 2]) {
      be.setThreads(t);
      for (let i = 0; i < SETTLE; i++) step(i);
      n += SETTLE;
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const [t, into] of [[1, one], [2, two]] as const) {
        const before = t === 2 ? placement.probe() : null;
        const s = await profiled(t, step);
        const after = t === 2 ? placement.probe() : null;
        n += WARMUP + STEPS;
        into.push(s);
        if (before && after) placements.push([before, after]);
        log(`  round ${r + 1}, ${t} thread(s): step ${f1(s.step)} ms = kernels ${f1(s.kernels)} + the rest ${f1(s.rest)}` +
          (s.idle === undefined ? '' : `; the worker in jobs ${f1(s.busy!)}, idle ${f1(s.idle)}`) +
          (before && after ? `; the other vCPU read the writer's buffer at ${gbs(before)} before, ${gbs(after)} after` : ''));
      }
    }
  } finally {
    undo();
    rmSync(probeDir, { recursive: true, force: true });
  }
  const med = (xs: Split[], k: 'step' | 'kernels' | 'rest'): number => median(xs.map((x) => x[k]));
  const T1 = med(one, 'step'), T2 = med(two, 'step'), K1 = med(one, 'kernels'), K2 = med(two, 'kernels');
  const J1 = med(one, 'rest'), J2 = med(two, 'rest');
  log(`medians: one thread ${f1(T1)} ms (kernels ${f1(K1)}, the rest ${f1(J1)}); two ${f1(T2)} ms (kernels ${f1(K2)}, the rest ${f1(J2)})`);
  log(`gain from the second thread: the step ${f2(T1 / T2)}x, its kernels ${f2(K1 / K2)}x, the rest ${f2(J1 / J2)}x`);
  const I2 = two.every((x) => x.idle !== undefined) ? median(two.map((x) => x.idle!)) : null;
  if (I2 !== null) {
    const short = T2 - T1 / 1.8;
    log(`two threads: the worker idle ${f1(I2)} ms of the ${f1(T2)} ms step (median); ${short > 0 ? `1.8x needs the step ${f1(short)} ms shorter` : 'the step is at 1.8x or better'}`);
  }

  let byThreads: FamilyLoss[] | null = null;
  if (BY_OP > 0) {
    byThreads = familiesByThreads(one.map((x) => x.families), two.map((x) => x.families));
    log(`by op, one thread against two (mean ms a step; a pair counted to its kernel; lost: two less half of one), the ${Math.min(BY_OP, byThreads.length)} that lose most:`);
    for (const f of byThreads.slice(0, BY_OP)) log(`  ${f.family.padEnd(40)} one ${f2(f.one)}  two ${f2(f.two)}  lost ${f2(f.lost)}`);
  }

  // The rounds by placement: both probes found the vCPUs sharing a cache, or not.
  type Group = { rounds: number; T2: number; gain: number } | null;
  let byPlacement: { shared: Group; apart: Group } | null = null;
  let byOp: FamilyByPlacement[] | null = null;
  if (placements.length === ROUNDS) {
    const group = (want: boolean): Group => {
      const rs = placements.map((p, r) => (sharedCache(p) === want ? r : -1)).filter((r) => r >= 0);
      if (rs.length === 0) return null;
      const t1 = median(rs.map((r) => one[r]!.step)), t2 = median(rs.map((r) => two[r]!.step));
      return { rounds: rs.length, T2: t2, gain: t1 / t2 };
    };
    byPlacement = { shared: group(true), apart: group(false) };
    const say = (g: Group): string => (g === null ? 'none' : `${g.rounds} round(s), two threads ${f1(g.T2)} ms, gain ${f2(g.gain)}x`);
    log(`by the vCPUs' placement (the other vCPU reading a 1 MB buffer at >= ${SHARED_AT} of the writer's rate before and after: a shared cache): shared ${say(byPlacement.shared)}; apart ${say(byPlacement.apart)}`);
    if (BY_OP > 0) {
      byOp = familiesByPlacement(two.map((x) => x.families), placements.map((p) => sharedCache(p)));
      if (byOp === null) log('by op: every round had one placement; nothing to compare');
      else {
        log(`by op, two threads (mean ms a step, the ${Math.min(BY_OP, byOp.length)} families that grow most from shared to apart):`);
        for (const f of byOp.slice(0, BY_OP)) log(`  ${f.family.padEnd(40)} shared ${f2(f.shared)}  apart ${f2(f.apart)}  ${f.apart >= f.shared ? '+' : ''}${f2(f.apart - f.shared)}`);
      }
    }
  } else {
    log(`placement probe skipped: ${placement.why}`);
  }

  let ceiling: number | null = null, machine: number | null = null, why = '';
  const runs: { threads: number; split: number; paired: number }[] = [];
  const pairsOfProcesses: { alone: number; together: [number, number] }[] = [];
  if (has('no-chain')) why = '--no-chain';
  else if (process.arch !== 'x64') why = `the CPU is ${process.arch}, not x86-64`;
  else {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-scaling-'));
    try {
      const b = buildNativeBench('bench/native/chain-bench.c', dir);
      if (b.why !== undefined) why = b.why;
      else try {
        for (let r = 0; r < 2; r++) {
          for (const t of [1, 2]) {
            const [s, p] = chainRun(b.exe, t);
            runs.push({ threads: t, split: s, paired: p });
            log(`  chain-bench ${t} thread(s): layers split ${f2(s)} ms, experts paired ${f2(p)} ms`);
          }
        }
        const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
        const one1 = mean(runs.filter((x) => x.threads === 1).map((x) => x.split));
        const two2 = mean(runs.filter((x) => x.threads === 2).map((x) => Math.min(x.split, x.paired)));
        ceiling = one1 / two2;
        // Work done per unit of time by two processes against one: 1/a + 1/b over 1/alone.
        for (let r = 0; r < 2; r++) {
          const alone = chainRun(b.exe, 1)[0];
          const together = await chainTwice(b.exe);
          pairsOfProcesses.push({ alone, together });
          log(`  chain-bench, one thread: alone ${f2(alone)} ms; two processes at once ${f2(together[0])} and ${f2(together[1])} ms`);
        }
        machine = mean(pairsOfProcesses.map((p) => p.alone * (1 / p.together[0] + 1 / p.together[1])));
      } catch (e) {
        if (!(e instanceof ChainBenchError)) throw e;
        ceiling = machine = null;
        why = e.message;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const bound = (c: number): number => T1 / (K1 / c + J2);
  if (ceiling !== null && machine !== null) {
    log(`the model's matmuls at best here (chain-bench, mean of its runs): ${f2(ceiling)}x from one thread to two`);
    log(`the machine's own (two processes against one, mean of the pairs): ${f2(machine)}x the work per unit of time`);
    log(`bound: every kernel at ${f2(ceiling)}x, the rest as on two threads: the step gains at most ${f2(bound(ceiling))}x`);
    log(`bound: every kernel at the machine's ${f2(machine)}x, the rest as on two threads: at most ${f2(bound(machine))}x`);
  } else {
    log(`chain-bench skipped: ${why}`);
  }
  log(`for comparison, every kernel at a perfect 2.00x, the rest as on two threads: at most ${f2(bound(2))}x`);
  if (json) {
    const plain = (x: Split): Omit<Split, 'families'> & { families: Record<string, number> } => ({ ...x, families: Object.fromEntries(x.families) });
    console.log(JSON.stringify({
      batch: B, medians: { T1, T2, K1, K2, J1, J2, I2 }, gain: T1 / T2,
      rounds: { one: one.map(plain), two: two.map(plain) }, ...(byThreads === null ? {} : { byThreads }),
      placement: byPlacement === null ? { skipped: placement.why } : { probes: placements, byPlacement, ...(BY_OP > 0 ? { byOp } : {}) },
      chain: ceiling === null || machine === null ? { skipped: why } : { runs, ceiling, processes: pairsOfProcesses, machine },
      bound: ceiling === null ? null : bound(ceiling), boundMachine: machine === null ? null : bound(machine), boundPerfect: bound(2),
    }));
  }
}

await main();
