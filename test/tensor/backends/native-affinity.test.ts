/**
 * Kernel threads on CPUs of their own (native/affinity.h, the pool's `pin`): the posting thread
 * pinned while kernels come and given its own CPUs back once the pool is idle, each kernel
 * thread on a CPU of its own, MTLKIT_PIN_THREADS read as documented, and no number changed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NativeKernels } from '../../../src/platform/native-kernels.ts';
import { host } from '../../../src/platform/host.ts';
import { createWasmBackend, pinFromEnv, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { whyNoNative } from '../../platform/native-support.ts';
import { sameBits } from './bits.ts';

const noNative = whyNoNative();

/** A thread's allowed CPUs, as /proc lists them ("0-1", "1"). */
const cpusOf = (path: string): string => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(path, 'utf8'))![1]!;
const mine = (): string => cpusOf('/proc/thread-self/status');
const tids = (): Set<number> => new Set(readdirSync('/proc/self/task').map(Number));

describe('MTLKIT_PIN_THREADS', () => {
  const saved = process.env.MTLKIT_PIN_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.MTLKIT_PIN_THREADS;
    else process.env.MTLKIT_PIN_THREADS = saved;
  });

  it('unset, empty or auto: auto; 0 / 1 and their words: off / on; anything else refused by name', () => {
    const read = (v: string | undefined): ReturnType<typeof pinFromEnv> => {
      if (v === undefined) delete process.env.MTLKIT_PIN_THREADS;
      else process.env.MTLKIT_PIN_THREADS = v;
      return pinFromEnv();
    };
    expect([undefined, '', 'auto', 'AUTO'].map(read)).toEqual(['auto', 'auto', 'auto', 'auto']);
    expect(['0', 'false', 'off', 'no'].map(read)).toEqual([false, false, false, false]);
    expect(['1', 'true', 'on', 'YES'].map(read)).toEqual([true, true, true, true]);
    expect(() => read('2')).toThrow(/MTLKIT_PIN_THREADS must be 0, 1 or auto, got "2"/);
  });
});

describe.skipIf(noNative !== '')(`native thread placement${noNative ? ` (skipped: ${noNative})` : ''}`, () => {
  const nat = (): NativeKernels => host().nativeKernels!();
  const made: WasmBackend[] = [];
  afterAll(() => { for (const be of made) be.close(); });

  it('pins the posting thread to the first allowed CPU and gives its own set back once; no child inherits the pin; the set\'s size', () => {
    const own = mine();
    expect(nat().allowedCpus()).toBeGreaterThanOrEqual(1);
    const cpu = nat().pinPoster(0);
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(mine()).toBe(String(cpu));
    // Pinned again: still that CPU, its own set still the one to give back.
    expect(nat().pinPoster(0)).toBe(cpu);
    // A child process started meanwhile does not inherit the pin (the addon's fork handler).
    const child = spawnSync('grep', ['Cpus_allowed_list', '/proc/self/status'], { encoding: 'utf8' });
    expect(child.stdout).toMatch(new RegExp(`Cpus_allowed_list:\\s*${own}\\s*$`));
    expect(nat().unpinPoster()).toBe(0);
    expect(mine()).toBe(own);
    expect(nat().unpinPoster()).toBe(-1);
  });

  it.runIf(whyNoNative() === '' && host().nativeKernels!().allowedCpus() >= 2)(
    'a pinned pool: each kernel thread on a CPU of its own, this thread on the first while kernels come, its own CPUs back once idle', () => {
      const own = mine();
      const before = tids();
      const be = createWasmBackend({ threads: 2, pinThreads: true });
      made.push(be);
      expect(be.describe()).toMatch(/each on a CPU of its own/);
      const workers = [...tids()].filter((t) => !before.has(t));
      // The pool's worker (and any thread the worker's start made) keeps to one CPU.
      const pinnedWorkers = workers.filter((t) => { try { return /^\d+$/.test(cpusOf(`/proc/self/task/${t}/status`)); } catch { return false; } });
      expect(pinnedWorkers.length).toBeGreaterThanOrEqual(1);
      const rng = new Rng(5);
      const a = Float32Array.from({ length: 256 * 192 }, () => rng.normal()), b = Float32Array.from({ length: 192 * 160 }, () => rng.normal());
      const c = new Float32Array(256 * 160);
      // Right after a split matmul this thread keeps to one CPU, not the worker's (the pool
      // gives it back only after 20 ms idle: a few tries where the test itself was held longer).
      let seen = '';
      for (let i = 0; i < 20 && !/^\d+$/.test(seen); i++) {
        be.matmul(a, b, c, 256, 192, 160, false, false, false);
        seen = mine();
      }
      expect(seen).toMatch(/^\d+$/);
      for (const t of pinnedWorkers) expect(cpusOf(`/proc/self/task/${t}/status`)).not.toBe(seen);
      // Idle, it gets its own set back (a bounded wait, not a timing).
      const sab = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 400 && mine() !== own; i++) Atomics.wait(sab, 0, 0, 5);
      expect(mine()).toBe(own);
    });

  it('pinned or not, a step\'s numbers are the same', () => {
    const rng = new Rng(9);
    const a = Float32Array.from({ length: 300 * 320 }, () => rng.normal()), b = Float32Array.from({ length: 320 * 256 }, () => rng.normal());
    const out = [true, false].map((pinThreads) => {
      const be = createWasmBackend({ threads: 2, pinThreads });
      made.push(be);
      const c = new Float32Array(300 * 256);
      be.matmul(a, b, c, 300, 320, 256, false, false, false);
      return c;
    });
    expect(sameBits(out[0]!, out[1]!)).toBe(true);
  });
});
