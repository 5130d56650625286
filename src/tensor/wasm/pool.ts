import { need, type HostWorker } from '../../platform/host.ts';

/**
 * Worker threads that run kernel exports over the shared wasm memory while the main thread
 * works on its own share and then blocks on Atomics.wait until they finish. The engine API
 * therefore stays synchronous: a kernel call returns with its output written.
 *
 * Protocol (control = Int32Array over a SharedArrayBuffer): the main thread writes one job
 * per worker into `jobs` (export index, argument count, result, arguments), zeroes DONE,
 * bumps SEQ and notifies; each worker runs its job (op < 0: nothing to do), adds 1 to DONE
 * and notifies; the main thread waits until DONE equals the worker count.
 *
 * A native job (`runNative`, op NATIVE_PART) runs part `id + 1` of the native matmul call the
 * main thread has open (native/sgemm.h's split form): the workers load the same addon, so the
 * native matmul and the wasm kernels share one set of threads instead of two pools that wake
 * each other's threads on the same cores.
 *
 * A dynamic job (`runChunks`) instead names the argument pair that holds a row range: every
 * thread, the main one included, grabs the next chunk from the NEXT counter until the range
 * is exhausted. On a shared machine the OS often runs a worker late; with static halves the
 * main thread would then sit idle waiting for it, with chunks it just takes more of them.
 *
 * Claims: a worker that wakes for a job first claims it (its CLAIM word 0 -> 1). When the main
 * thread has finished its share it withdraws every job not yet claimed (0 -> 2), so it never
 * waits for a sleeping worker to wake up only to find the work gone: a dynamic or native job
 * needs no more hands once the main thread found nothing left to take, a job with nothing to do
 * never did, and a static job the main thread runs itself (`run`'s `here`). A withdrawn worker
 * goes back to waiting without counting itself done.
 *
 * Pinning (`PoolOptions.pin`): PINNED is 1 while the main thread keeps to its CPU; the main
 * thread sets it as it pins itself to post a job, and the first worker to wait 20 ms for a job
 * clears it (0 -> 1 -> 0, a compare-exchange) and gives the main thread its CPUs back.
 */
const SEQ = 0, DONE = 1, STOP = 2, READY = 3, ERROR = 4, NEXT = 5, PINNED = 6, CLAIM = 8;
/** Job slot: [op, argc, result, dynamic arg index or -1, total, chunk, ...args]. */
const ARGS = 6;
const SLOT = 24;
/** The op of a native matmul part (worker.mjs). */
const NATIVE_PART = -2;

export interface PoolOptions {
  /** How long the constructor waits for the workers to start. Default 15 s. */
  timeoutMs?: number;
  /** The native matmul addon's file: the workers load it and run its parts (runNative). */
  nativeFile?: string | null;
  /** The addon copy's `instance()` on this thread: a worker whose load gives another copy fails to start. */
  nativeInstance?: number;
  /**
   * How long a thread polls before it sleeps: a worker for its next job, the main thread for
   * the workers' end. 0: sleep at once. Polling only pays while no other pool wants the core.
   */
  spinMicros?: number;
  /**
   * The native twins' own limits, for workers to choose as the main thread does (wasm.ts,
   * exportOrTwin): up to this many rows of a transposed A, a narrow matmul stays wasm.
   */
  narrowWasmK?: number;
  /**
   * Threads on CPUs of their own (the addon's native/affinity.h; needs `nativeFile`): each
   * worker keeps to its CPU (the (id + 1)-th of the process's set) for good, and this thread,
   * while jobs come, to the first: `pinPoster` pins it as a job is posted, and a worker that
   * has seen no job for 20 ms (worker.mjs, PIN_RELEASE_MS: longer than any gap within a
   * training step) gives it back its own set (`unpinPoster`). null: none.
   */
  pin?: PosterPin | null;
}

/** How the pool pins and unpins the thread that posts its jobs (the addon's, bound to a CPU index). */
export interface PosterPin {
  pinPoster(): number;
  unpinPoster(): number;
}

/** A kernel posted while the threads run another job (from the work run beside it). */
export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError';
}

export class WorkerPool {
  private readonly workers: HostWorker[] = [];
  private readonly ctl: Int32Array;
  private readonly errorText: Uint8Array;
  private readonly jobs: Float64Array;
  private readonly index: Map<string, number>;

  readonly nativeFile: string | null;
  readonly spinMicros: number;
  /** PoolOptions.pin, where the workers run the addon. */
  private readonly pin: PosterPin | null;

  /** Whether the threads keep to CPUs of their own (PoolOptions.pin). */
  get pinned(): boolean {
    return this.pin !== null;
  }
  /** Whether a job is posted (its `mine` running or its workers awaited): a second one then refuses. */
  private busy = false;
  /** Since the start: jobs posted, milliseconds this thread waited for workers after its own share, jobs taken back. */
  readonly stats = { dispatches: 0, waitedMs: 0, withdrawn: 0 };
  /**
   * Each worker's nanoseconds inside the jobs it claimed, since the start (written by the
   * worker), less the time (ns on this thread's clock) its job in progress began: negative
   * while in a job, so one word tells both and a reader adds its own clock's now.
   */
  private readonly busyNs: BigInt64Array;

  /**
   * Starts `count` workers and waits (blocking, at most `timeoutMs`) until each has
   * instantiated the module (and loaded the native addon, when given); throws if one fails,
   * so the caller can fall back.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly names: readonly string[], readonly count: number,
    opts: PoolOptions = {}) {
    const timeoutMs = opts.timeoutMs ?? 15000;
    const nativeFile = (this.nativeFile = opts.nativeFile ?? null);
    const spinMicros = (this.spinMicros = opts.spinMicros ?? 0);
    this.pin = nativeFile !== null ? opts.pin ?? null : null;
    this.ctl = new Int32Array(new SharedArrayBuffer((CLAIM + count) * 4));
    this.errorText = new Uint8Array(new SharedArrayBuffer(512));
    this.jobs = new Float64Array(new SharedArrayBuffer(count * SLOT * 8));
    this.busyNs = new BigInt64Array(new SharedArrayBuffer(count * 8));
    this.index = new Map(names.map((n, i) => [n, i]));
    const start = need('startWorker', 'the wasm kernels run on one thread here');
    const url = new URL('./worker.mjs', import.meta.url);
    for (let id = 0; id < count; id++) {
      this.workers.push(start(url, { module, memory, control: this.ctl.buffer, jobs: this.jobs.buffer, id, names, slot: SLOT, native: nativeFile, nativeInstance: opts.nativeInstance ?? null, spinMicros, pin: this.pin !== null, narrowWasmK: opts.narrowWasmK ?? 0, errorText: this.errorText.buffer, busy: this.busyNs.buffer, origin: performance.timeOrigin }, 'wasm-kernels'));
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = Atomics.load(this.ctl, READY);
      if (ready >= count) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new Error(`worker threads did not start within ${timeoutMs} ms`);
      }
      Atomics.wait(this.ctl, READY, ready, Math.min(left, 50));
    }
    if (Atomics.load(this.ctl, ERROR) !== 0) {
      this.close();
      throw new Error(`a worker thread could not instantiate the wasm kernels${nativeFile === null ? '' : ' or load the native matmul'}: ${this.failure()}`);
    }
  }

  /**
   * Runs job w on worker w (jobs[w] = [exportName, ...args] or null), `mine` on this thread
   * meanwhile, and returns the workers' numeric results (0 for void exports). `here` runs a
   * job on this thread: given, a job whose worker has not woken by the time `mine` is done is
   * taken back and run here instead (its result in its place).
   */
  run(jobs: ReadonlyArray<readonly [string, ...number[]] | null>, mine: () => void,
    here?: (job: readonly [string, ...number[]]) => number): number[] {
    this.enter();
    try {
      return this.post(jobs, mine, here);
    } finally {
      this.busy = false;
    }
  }

  private post(jobs: ReadonlyArray<readonly [string, ...number[]] | null>, mine: () => void,
    here?: (job: readonly [string, ...number[]]) => number): number[] {
    for (let w = 0; w < this.count; w++) {
      const j = jobs[w] ?? null;
      const o = w * SLOT;
      if (j === null) { this.jobs[o] = -1; continue; }
      const op = this.index.get(j[0]);
      if (op === undefined) throw new Error(`wasm pool: unknown kernel ${j[0]}`);
      if (j.length - 1 > SLOT - ARGS) throw new Error(`wasm pool: too many arguments for ${j[0]}`);
      this.jobs[o] = op;
      this.jobs[o + 1] = j.length - 1;
      this.jobs[o + 3] = -1;
      for (let i = 1; i < j.length; i++) this.jobs[o + ARGS - 1 + i] = j[i] as number;
    }
    if (here === undefined) return this.dispatch(mine, false);
    return this.dispatch(mine, true, (w) => { this.jobs[w * SLOT + 2] = here(jobs[w]!); });
  }

  /**
   * Runs export `name` over [0, total) in chunks of `chunk` on every thread: `args(t)` gives
   * thread t's arguments (t = 0 is this thread), whose positions `at` and `at + 1` receive
   * each chunk's bounds. Only the first `workers` workers take part. `before`: this thread's
   * own work, run first while the workers take chunks (it touches no element of the call and
   * calls no kernel that splits); this thread then takes what chunks are left. Its error comes
   * after every chunk has run.
   */
  runChunks(name: string, total: number, chunk: number, at: number, args: (t: number) => number[], fn: (...a: number[]) => unknown,
    workers = this.count, before?: () => void): void {
    this.enter();
    try {
      this.postChunks(name, total, chunk, at, args, fn, workers, before);
    } finally {
      this.busy = false;
    }
  }

  private postChunks(name: string, total: number, chunk: number, at: number, args: (t: number) => number[], fn: (...a: number[]) => unknown,
    workers: number, before?: () => void): void {
    const op = this.index.get(name);
    if (op === undefined) throw new Error(`wasm pool: unknown kernel ${name}`);
    for (let w = 0; w < this.count; w++) {
      const o = w * SLOT;
      if (w >= workers) { this.jobs[o] = -1; continue; }
      const a = args(w + 1);
      this.jobs[o] = op;
      this.jobs[o + 1] = a.length;
      this.jobs[o + 3] = at;
      this.jobs[o + 4] = total;
      this.jobs[o + 5] = chunk;
      for (let i = 0; i < a.length; i++) this.jobs[o + ARGS + i] = a[i];
    }
    Atomics.store(this.ctl, NEXT, 0);
    const mine = args(0);
    // Withdrawn chunk jobs need no replacement: this thread took every chunk left.
    this.dispatch(() => {
      let failed = false, failure: unknown = null;
      if (before !== undefined) {
        try {
          before();
        } catch (e) {
          failed = true;
          failure = e;
        }
      }
      for (;;) {
        const r0 = Atomics.add(this.ctl, NEXT, 1) * chunk;
        if (r0 >= total) break;
        mine[at] = r0;
        mine[at + 1] = Math.min(total, r0 + chunk);
        fn(...mine);
      }
      if (failed) throw failure;
    }, true);
  }

  /**
   * Runs parts 1 .. `workers` of the open native matmul call on the first `workers` workers
   * and `mine` (part 0) on this thread. Needs the pool started with the addon's file.
   */
  runNative(workers: number, mine: () => void): void {
    this.enter();
    try {
      this.postNative(workers, mine);
    } finally {
      this.busy = false;
    }
  }

  private postNative(workers: number, mine: () => void): void {
    if (this.nativeFile === null) throw new Error('wasm pool: started without the native matmul');
    for (let w = 0; w < this.count; w++) this.jobs[w * SLOT] = w < workers ? NATIVE_PART : -1;
    // A part is help with one shared pile of work (native/sgemm.h): once part 0 returns, a part
    // not yet started has nothing left to do.
    this.dispatch(mine, true);
  }

  /**
   * Marks a job posted, unless one already is: a kernel called from the work run beside one
   * (`mine`) would overwrite the job slots a worker may not have read yet, so it is refused
   * before it writes anything. The caller clears `busy` when its job is done.
   */
  private enter(): void {
    if (this.busy) {
      throw new PoolBusyError('wasm pool: a kernel was called while the kernel threads run another job; ' +
        'work run beside a job must post none (the wasm backend runs the kernels of such work on its own thread)');
    }
    this.busy = true;
  }

  /**
   * Posts the jobs, runs `mine`, then waits for the workers. `withdraw`: jobs not yet claimed
   * are taken back (jobs with nothing to do always are), each passed to `instead` when given.
   */
  private dispatch(mine: () => void, withdraw: boolean, instead?: (w: number) => void): number[] {
    const ctl = this.ctl;
    // A burst of jobs starts: this thread to its CPU, until a worker finds the pool idle.
    if (this.pin !== null && Atomics.load(ctl, PINNED) === 0 && this.pin.pinPoster() >= 0) Atomics.store(ctl, PINNED, 1);
    Atomics.store(ctl, DONE, 0);
    for (let w = 0; w < this.count; w++) Atomics.store(ctl, CLAIM + w, 0);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let failure: unknown = null;
    try {
      mine();
    } catch (e) {
      failure = e;
    }
    let settled = 0;
    for (let w = 0; w < this.count; w++) {
      if (!withdraw && this.jobs[w * SLOT] !== -1) continue;
      if (Atomics.compareExchange(ctl, CLAIM + w, 0, 2) !== 0) continue;
      settled++;
      if (instead !== undefined && this.jobs[w * SLOT] !== -1 && failure === null) {
        try {
          instead(w);
        } catch (e) {
          failure = e;
        }
      }
    }
    const need = this.count - settled;
    const waitFrom = performance.now();
    // The workers are close behind a thread that finished its share: poll a while first.
    if (this.spinMicros > 0 && Atomics.load(ctl, DONE) < need) {
      const until = performance.now() + this.spinMicros / 1000;
      for (let i = 1; Atomics.load(ctl, DONE) < need; i++) if ((i & 63) === 0 && performance.now() > until) break;
    }
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done >= need) break;
      Atomics.wait(ctl, DONE, done);
    }
    const st = this.stats;
    st.dispatches++;
    st.waitedMs += performance.now() - waitFrom;
    for (let w = 0; w < this.count; w++) if (this.jobs[w * SLOT] !== -1 && Atomics.load(ctl, CLAIM + w) === 2) st.withdrawn++;
    if (failure !== null) throw failure;
    if (Atomics.load(ctl, ERROR) !== 0) {
      const why = this.failure();
      Atomics.store(ctl, ERROR, 0);
      throw new Error(`wasm pool: a kernel failed in a worker thread: ${why}`);
    }
    const out: number[] = [];
    for (let w = 0; w < this.count; w++) out.push(this.jobs[w * SLOT + 2]);
    return out;
  }

  /**
   * Milliseconds the workers have spent inside jobs they claimed since the start, summed over
   * the workers: from a step's wall time and the worker count, how long they sat idle. A job is
   * counted when it ends, so one posted before some work of this thread's and ending after it
   * counts where it ends.
   */
  workersBusyMs(): number {
    const now = BigInt(Math.round(performance.now() * 1e6));
    let ns = 0n;
    for (let w = 0; w < this.count; w++) {
      const v = Atomics.load(this.busyNs, w);
      ns += v < 0n ? v + now : v;
    }
    return Number(ns) / 1e6;
  }

  /** What the first failing worker said (the shared text it left). */
  private failure(): string {
    const bytes = this.errorText.slice();
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end)) || 'no message';
  }

  close(): void {
    if (this.pin !== null && Atomics.exchange(this.ctl, PINNED, 0) === 1) this.pin.unpinPoster();
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
