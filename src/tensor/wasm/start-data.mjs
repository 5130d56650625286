// Where a worker script's start data comes from, on either platform (plain JavaScript, shared
// by the wasm kernel threads and the gpu.js bridge's thread).
//
// Node passes it as `workerData`. A browser Worker has no such thing: the web host starts the
// Worker ahead of time (a thread that will block in Atomics.wait cannot start Workers and wait
// for them to load) and sends it one end of a MessageChannel; the script says it has loaded,
// and the start data and every later message come through that port. Not through the Worker
// itself: Chromium does not deliver a Worker's messages while the thread that posted them is
// blocked, which the engine is, right after posting; a MessagePort's it does.

/** True in a browser (or any web) Worker, false in a Node worker thread. */
export const inWebWorker = typeof globalThis.WorkerGlobalScope === 'function' && globalThis instanceof globalThis.WorkerGlobalScope;

/** The start data, and in Node the port to the parent for later messages. */
export async function startData() {
  if (!inWebWorker) return (await import('node:worker_threads')).workerData;
  const port = await new Promise((resolve) => globalThis.addEventListener('message', (e) => resolve(e.data), { once: true }));
  return new Promise((resolve) => {
    port.onmessage = (e) => {
      port.onmessage = (later) => { for (const fn of listeners) fn(later.data); };
      resolve(e.data);
    };
    globalThis.postMessage('mtlkit:loaded');
  });
}

const listeners = [];

/** Calls `fn` with each later message from the parent. */
export async function onMessages(fn) {
  if (!inWebWorker) {
    (await import('node:worker_threads')).parentPort.on('message', fn);
    return;
  }
  listeners.push(fn);
}
