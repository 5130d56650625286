// A kernel thread of the wasm backend (plain JavaScript: it needs no TypeScript loader).
// It instantiates the same compiled module over the same shared memory as the main thread,
// then loops: sleep on the control word, run the export named in its job slot with the
// numbers there (or grab chunks of a dynamic job), count itself done, wake the main thread.
// See pool.ts for the protocol. The same file runs as a Node worker thread and as a browser
// module Worker; only where the start data comes from differs (./start-data.mjs).
import { startData } from './start-data.mjs';

const { module, memory, control, jobs, id, names, slot, native, nativeInstance, spinMicros, pin, narrowWasmK, errorText, busy, origin } = await startData();
const ctl = new Int32Array(control);
// This worker's time inside claimed jobs (WorkerPool.workersBusyMs).
const busyNs = new BigInt64Array(busy);
/** Nanoseconds on the pool's clock (its thread's performance.now()) at this thread's `ms`. */
const shift = performance.timeOrigin - origin;
const poolNs = (ms) => BigInt(Math.round((shift + ms) * 1e6));
const text = new Uint8Array(errorText);

/** Flags a failure; the first thread to fail also leaves its message for the main thread. */
function fail(e) {
  if (Atomics.compareExchange(ctl, ERROR, 0, 1) === 0) {
    const bytes = new TextEncoder().encode(String(e instanceof Error ? e.message : e).slice(0, 400));
    text.fill(0);
    text.set(bytes.subarray(0, text.length - 1));
  }
}
const job = new Float64Array(jobs, id * slot * 8, slot);
const SEQ = 0, DONE = 1, STOP = 2, READY = 3, ERROR = 4, NEXT = 5, PINNED = 6, CLAIM = 8;
const ARGS = 6;
/** How long the pool stays idle before the posting thread is unpinned (PoolOptions.pin). */
const PIN_RELEASE_MS = 20;
const NATIVE_PART = -2;

let instance, addon = null;
try {
  instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('wasm abort'); } },
  });
  // The native matmul's parts run here too (Node only: a browser has no addon to name).
  if (native) {
    addon = (await import('node:module')).createRequire(import.meta.url)(native);
    // Another copy (the file replaced since the main thread loaded it) has its own open call.
    if (nativeInstance !== null && addon.instance() !== nativeInstance) {
      throw new Error(`${native} loaded here is another copy than the main thread's (the file changed since)`);
    }
    // Worker id keeps to the (id + 1)-th CPU; the posting thread takes the first while jobs come.
    if (pin) addon.pinSelf(id + 1);
  }
} catch (e) {
  // Said through the control words (the constructor throws with it), not thrown here: an
  // uncaught error in a worker would surface in the parent as an unhandled 'error' event.
  fail(e);
  instance = null;
}
// Exports with a native twin in the addon (the same bits, faster) run the twin here, over views
// of the shared memory, as the main thread does (wasm.ts, exportOrTwin).
const f32 = (at, count) => new Float32Array(memory.buffer, at, count);
const i32 = (at, count) => new Int32Array(memory.buffer, at, count);
const twins = addon === null ? {} : {
  sgemmSmall: (pa, pb, pc, m, k, n, ta, tb, acc, r0, r1, scratch) => ta && k <= narrowWasmK
    ? instance.exports.sgemmSmall(pa, pb, pc, m, k, n, ta, tb, acc, r0, r1, scratch)
    : addon.sgemmNarrow(f32(pa, m * k), f32(pb, k * n), f32(pc, m * n), m, k, n, ta !== 0, tb !== 0, acc !== 0, r0, r1),
  gramRange: (pg, po, t, d, c0, c1, f64) => {
    if (f64) return instance.exports.gramRange(pg, po, t, d, c0, c1, f64);
    return addon.gramRange(f32(pg, t * d), new Float64Array(memory.buffer, po, t * t), t, d, c0, c1);
  },
  adamRunsChunk32: (w, g, m, v, pw, ps, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero) => addon.adamRuns(
    f32(w), f32(g), f32(m), f32(v), i32(pw, q1), i32(ps, q1), width, b1, b2, c1, c2, step, r, eps, q0, q1, zero),
  adamRunSetsChunk32: (w, g, desc, b1, b2, c1, c2, step, r, eps, s0, s1, zero) => {
    const d = i32(desc, s1 * 6);
    for (let s = s0, o = s0 * 6; s < s1; s++, o += 6) {
      const count = d[o + 4];
      addon.adamRuns(f32(w), f32(g), f32(d[o]), f32(d[o + 1]), i32(d[o + 2], count), i32(d[o + 3], count), d[o + 5],
        b1, b2, c1, c2, step, r, eps, 0, count, zero);
    }
  },
  adamSpan32: (w, g, m, v, b1, b2, c1, c2, step, r, eps, i0, i1, zero) => addon.adamSpan(f32(w), f32(g), f32(m), f32(v), b1, b2, c1, c2, step, r, eps, i0, i1, zero),
  gatherAt32: (src, pa, po, width, r0, r1) => addon.gatherAt(f32(src), i32(pa, r1), f32(po, r1 * width), width, r0, r1),
  scatterAddAt32: (dst, pa, ps, count, width, lo, hi) => addon.scatterAddAt(f32(dst), i32(pa, count), f32(ps, count * width), count, width, lo, hi),
};
const fns = instance ? names.map((n) => twins[n] ?? instance.exports[n]) : [];
Atomics.add(ctl, READY, 1);
Atomics.notify(ctl, READY);

let seen = 0;
while (instance) {
  // Kernels come back to back within a step: poll a while before sleeping (spinMicros, pool.ts).
  if (spinMicros > 0) {
    const until = performance.now() + spinMicros / 1000;
    for (let i = 1; Atomics.load(ctl, SEQ) === seen; i++) if ((i & 63) === 0 && performance.now() > until) break;
  }
  // The posting thread keeps its CPU through a step's gaps between kernels, and gets its own
  // CPUs back once no job has come for PIN_RELEASE_MS: between steps (pool.ts, pin).
  if (pin && addon && Atomics.load(ctl, PINNED) === 1 && Atomics.wait(ctl, SEQ, seen, PIN_RELEASE_MS) === 'timed-out'
    && Atomics.compareExchange(ctl, PINNED, 1, 0) === 1) addon.unpinPoster();
  Atomics.wait(ctl, SEQ, seen);
  const now = Atomics.load(ctl, SEQ);
  // A polling worker can see a new job and finish it before the main thread gets to its
  // notify; that late notify then wakes it with nothing new, which must not run the job again.
  if (now === seen) continue;
  seen = now;
  if (Atomics.load(ctl, STOP) !== 0) break;
  // The main thread may have taken the job back (it finished first): then it counted this
  // worker, which must neither run the job nor count itself.
  if (Atomics.compareExchange(ctl, CLAIM + id, 0, 1) !== 0) continue;
  const claimed = performance.now();
  // In a job: the word holds busy - start, which a reader turns into busy + (now - start).
  Atomics.sub(busyNs, id, poolNs(claimed));
  const op = job[0];
  if (op === NATIVE_PART) {
    try {
      addon.sgemmPart(id + 1);
    } catch (e) {
      fail(e);
    }
  } else if (op >= 0) {
    try {
      const argc = job[1];
      const args = [];
      for (let i = 0; i < argc; i++) args.push(job[ARGS + i]);
      const dyn = job[3];
      if (dyn < 0) {
        const r = fns[op](...args);
        job[2] = typeof r === 'number' ? r : 0;
      } else {
        // Dynamic split: grab [r0, r1) chunks from the shared counter until none are left,
        // so a thread that the OS delays simply takes fewer chunks.
        const total = job[4], chunk = job[5];
        for (;;) {
          const r0 = Atomics.add(ctl, NEXT, 1) * chunk;
          if (r0 >= total) break;
          args[dyn] = r0;
          args[dyn + 1] = Math.min(total, r0 + chunk);
          fns[op](...args);
        }
        job[2] = 0;
      }
    } catch (e) {
      fail(e);
    }
  }
  Atomics.add(busyNs, id, poolNs(performance.now()));
  Atomics.add(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}
