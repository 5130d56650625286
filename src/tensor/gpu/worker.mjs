// The gpu.js thread behind the gpu backend's synchronous bridge (see bridge.ts). Plain
// JavaScript so it needs no TypeScript loader. It owns a GPU instance in an asynchronous mode
// (webgpu, or 'async' for testing the bridge without a GPU), compiles each kernel once per
// key, and answers one job at a time: operands come in through the shared data buffer, the
// kernel's Promise is awaited on this thread's event loop, the result goes back the same
// way, and the blocked main thread is woken through the control word.
//
// The same file runs as a Node worker thread (gpu.js from node_modules, WebGPU through the
// `webgpu` package's Dawn binding) and as a browser module Worker (gpu.js's browser build
// from the `gpuJsUrl` the web host passes, WebGPU from the browser's navigator.gpu).
import { inWebWorker, onMessages, startData } from '../wasm/start-data.mjs';

const { mode, control, reasonBuffer, gpuJsUrl } = await startData();
const ctl = new Int32Array(control);
// ctl[0]: state (0 busy, 1 done, 2 failed); ctl[1]: ready (1 ok, 2 failed); ctl[2]: reason bytes.
const STATE = 0, READY = 1, REASON = 2;
const reasonBytes = new Uint8Array(reasonBuffer);

/** Writes `text` where the bridge reads the reason of a failure (or, when ready, the device). */
function setReason(text) {
  const b = new TextEncoder().encode(text).subarray(0, reasonBytes.length);
  reasonBytes.set(b);
  Atomics.store(ctl, REASON, b.length);
}

function setReady(v, reason = '') {
  setReason(reason);
  Atomics.store(ctl, READY, v);
  Atomics.notify(ctl, READY);
}

async function loadGpuJs() {
  if (inWebWorker) {
    if (!gpuJsUrl) throw new Error('no gpuJsUrl: give the web host the URL of gpu.js\'s browser build (createWebHost({ gpuJsUrl }))');
    // gpu.js's browser build is a UMD script: imported as a module it sets globalThis.GPU.
    await import(String(gpuJsUrl));
    return globalThis.GPU;
  }
  if (mode === 'webgpu') {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    globalThis.navigator = { gpu: create([]) };
  }
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url)('gpu.js').GPU;
}

/** "WebGPU, <vendor> <architecture> ..." from the adapter gpu.js will get, for doctor. */
async function adapterText() {
  const adapter = await globalThis.navigator?.gpu?.requestAdapter?.();
  const info = adapter?.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((x) => x);
  return `WebGPU, ${parts.join(' ') || 'adapter without info'}`;
}

let gpu = null;
try {
  const GPU = await loadGpuJs();
  if (mode === 'webgpu' && !(await GPU.isWebGPUAvailable())) throw new Error('no WebGPU adapter answered');
  gpu = new GPU({ mode });
  setReady(1, mode === 'webgpu' ? await adapterText() : `gpu.js ${mode}`);
} catch (e) {
  setReady(2, e instanceof Error ? e.message : String(e));
}

const kernels = new Map();
await onMessages(async (job) => {
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
    setReason(e instanceof Error ? e.message : String(e));
    Atomics.store(ctl, STATE, 2);
  }
  Atomics.notify(ctl, STATE);
});
