/**
 * The test page: gpu.js's browser build as a classic script (it sets globalThis.GPU), the
 * bundled page code on `globalThis.page`, and `engine(fn, ...args)`, which calls the same
 * code in a dedicated Worker (started by `startEngine()`), where threads may block.
 */
export const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>mtlkit browser test</title>
<script src="./gpu.js"></script>
<script type="module">
import * as page from './page.js';
globalThis.page = page;
let worker = null, next = 1;
const pending = new Map();
globalThis.startEngine = () => new Promise((resolve, reject) => {
  worker = new Worker('./engine-worker.js', { type: 'module' });
  worker.onerror = (e) => reject(new Error('engine worker: ' + e.message));
  worker.onmessage = (e) => {
    const { id, result, error } = e.data;
    if (id === 0) return resolve(result);
    const p = pending.get(id);
    pending.delete(id);
    if (error) p.reject(new Error(error)); else p.resolve(result);
  };
});
globalThis.engine = (fn, ...args) => new Promise((resolve, reject) => {
  const id = next++;
  pending.set(id, { resolve, reject });
  worker.postMessage({ id, fn, args });
});
globalThis.ready = true;
</script>
`;
