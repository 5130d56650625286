// The gpu.js thread behind the gpu backend's synchronous bridge (see bridge.ts). Plain
// JavaScript so it needs no TypeScript loader. It owns a GPU instance in an asynchronous mode
// (webgpu, or 'async' for testing the bridge without a GPU), compiles each kernel once per
// key, and answers one job at a time: operands come in through the shared data buffer, the
// kernel's Promise is awaited on this thread's event loop, the result goes back the same
// way, and the blocked main thread is woken through the control word.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { mode, control, reasonBuffer } = workerData;
const ctl = new Int32Array(control);
// ctl[0]: state (0 busy, 1 done, 2 failed); ctl[1]: ready (1 ok, 2 failed); ctl[2]: reason bytes.
const STATE = 0, READY = 1, REASON = 2;
const reasonBytes = new Uint8Array(reasonBuffer);

function setFailure(reason) {
  const b = new TextEncoder().encode(reason).subarray(0, reasonBytes.length);
  reasonBytes.set(b);
  Atomics.store(ctl, REASON, b.length);
}

function setReady(v, reason = '') {
  if (reason) setFailure(reason);
  Atomics.store(ctl, READY, v);
  Atomics.notify(ctl, READY);
}

let gpu = null;
try {
  if (mode === 'webgpu') {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    globalThis.navigator = { gpu: create([]) };
  }
  const { GPU } = require('gpu.js');
  if (mode === 'webgpu' && !(await GPU.isWebGPUAvailable())) throw new Error('no WebGPU adapter answered');
  gpu = new GPU({ mode });
  setReady(1);
} catch (e) {
  setReady(2, e instanceof Error ? e.message : String(e));
}

const kernels = new Map();
parentPort.on('message', async (job) => {
  const { key, source, output, constants, inputs, data, outOffset, outLength } = job;
  try {
    let k = kernels.get(key);
    if (!k) {
      k = gpu.createKernel(source, { output, constants, tactic: 'precision' });
      if (k.setAsyncMode) k.setAsyncMode(true);
      kernels.set(key, k);
    }
    const f = new Float32Array(data);
    // gpu.js wants ordinary arrays: copy each operand out of the shared buffer.
    const args = inputs.map(([off, len]) => f.slice(off, off + len));
    const res = await k(...args);
    let o = outOffset;
    if (typeof res[0] === 'number') { f.set(res, o); o += res.length; }
    else for (const row of res) { f.set(row, o); o += row.length; }
    if (o - outOffset !== outLength) throw new Error(`kernel ${key} returned ${o - outOffset} values, expected ${outLength}`);
    Atomics.store(ctl, STATE, 1);
  } catch (e) {
    setFailure(e instanceof Error ? e.message : String(e));
    Atomics.store(ctl, STATE, 2);
  }
  Atomics.notify(ctl, STATE);
});
