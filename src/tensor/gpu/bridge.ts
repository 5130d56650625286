import { need, type HostWorker } from '../../platform/host.ts';

/**
 * A synchronous front for gpu.js's asynchronous kernels (WebGPU readback is a Promise).
 *
 * The engine calls kernels synchronously, and a thread cannot block on a Promise that its
 * own event loop must resolve. So gpu.js lives in a worker thread (worker.mjs) with its own
 * event loop. A call copies its operands into a SharedArrayBuffer, posts the job, and blocks
 * in Atomics.wait; the worker awaits the kernel, writes the result into the same buffer and
 * wakes us. One copy each way, small next to a GPU readback. Calls are serialised.
 */
export class GpuBridge {
  private readonly worker: HostWorker;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(12));
  private readonly reasonBytes = new Uint8Array(new SharedArrayBuffer(4096));
  private data = new SharedArrayBuffer(1 << 20);
  private keys = new Set<string>();
  /** What the worker's gpu.js got ("WebGPU, <adapter>"), for doctor. */
  readonly device: string;

  constructor(readonly mode: string, timeoutMs = 30_000) {
    const start = need('startWorker', `gpu.js ${mode} needs a worker to wait on its Promises`);
    this.worker = start(new URL('./worker.mjs', import.meta.url), { mode, control: this.ctl.buffer, reasonBuffer: this.reasonBytes.buffer }, 'gpu-bridge');
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(this.ctl, 1) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.worker.terminate();
        throw new Error(`gpu.js ${mode} worker did not start within ${timeoutMs} ms`);
      }
      Atomics.wait(this.ctl, 1, 0, Math.min(left, 50));
    }
    if (Atomics.load(this.ctl, 1) !== 1) {
      const reason = this.reason();
      this.worker.terminate();
      throw new Error(`gpu.js ${mode} unavailable: ${reason}`);
    }
    this.device = this.reason();
  }

  /** The worker's last failure message (it writes it into shared memory). */
  private reason(): string {
    const n = Atomics.load(this.ctl, 2);
    return n > 0 ? new TextDecoder().decode(this.reasonBytes.slice(0, n)) : 'unknown reason';
  }

  compiledKernels(): number {
    return this.keys.size;
  }

  /**
   * Runs kernel `source` (cached by `key`) on `inputs`, writing `outLength` float32 values
   * (the output rows concatenated) into `out`.
   */
  run(key: string, source: string, output: number[], constants: Record<string, number>,
    inputs: Float32Array[], out: Float32Array, outLength: number): void {
    let total = outLength;
    for (const x of inputs) total += x.length;
    if (total * 4 > this.data.byteLength) this.data = new SharedArrayBuffer(Math.max(total * 4, this.data.byteLength * 2));
    const f = new Float32Array(this.data);
    const spans: Array<[number, number]> = [];
    let o = 0;
    for (const x of inputs) { f.set(x, o); spans.push([o, x.length]); o += x.length; }
    Atomics.store(this.ctl, 0, 0);
    this.worker.post({ key, source, output, constants, inputs: spans, data: this.data, outOffset: o, outLength });
    while (Atomics.load(this.ctl, 0) === 0) Atomics.wait(this.ctl, 0, 0, 1000);
    if (Atomics.load(this.ctl, 0) !== 1) throw new Error(`gpu.js ${this.mode} kernel ${key} failed: ${this.reason()}`);
    this.keys.add(key);
    out.set(f.subarray(o, o + outLength));
  }

  close(): void {
    this.worker.terminate();
  }
}
