// A kernel thread of the wasm backend (plain JavaScript: it needs no TypeScript loader).
// It instantiates the same compiled module over the same shared memory as the main thread,
// then loops: sleep on the control word, run the export named in its job slot with the
// numbers there, count itself done, wake the main thread. See pool.ts for the protocol.
import { workerData } from 'node:worker_threads';

const { module, memory, control, jobs, id, names, slot } = workerData;
const ctl = new Int32Array(control);
const job = new Float64Array(jobs, id * slot * 8, slot);
const SEQ = 0, DONE = 1, STOP = 2, READY = 3, ERROR = 4;

let instance;
try {
  instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('wasm abort'); } },
  });
} catch (e) {
  Atomics.store(ctl, ERROR, 1);
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  throw e;
}
const fns = names.map((n) => instance.exports[n]);
Atomics.add(ctl, READY, 1);
Atomics.notify(ctl, READY);

let seen = 0;
for (;;) {
  Atomics.wait(ctl, SEQ, seen);
  seen = Atomics.load(ctl, SEQ);
  if (Atomics.load(ctl, STOP) !== 0) break;
  const op = job[0];
  if (op >= 0) {
    try {
      const argc = job[1];
      const args = [];
      for (let i = 0; i < argc; i++) args.push(job[3 + i]);
      const r = fns[op](...args);
      job[2] = typeof r === 'number' ? r : 0;
    } catch {
      Atomics.store(ctl, ERROR, 1);
    }
  }
  Atomics.add(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}
