/**
 * The engine in a dedicated Worker: a page's main thread may not block in Atomics.wait, so
 * wasm threads (and the gpu.js bridge) run from here. Each message names an entry function
 * and its arguments; the answer is its result or its error.
 */
import * as page from './entry.ts';

type Call = { id: number; fn: keyof typeof page; args: unknown[] };
const scope = globalThis as unknown as {
  addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
  postMessage(m: unknown): void;
};
const postMessage = (m: unknown): void => scope.postMessage(m);

scope.addEventListener('message', async (e) => {
  const { id, fn, args } = e.data as Call;
  try {
    const result = await (page[fn] as (...a: unknown[]) => unknown)(...args);
    postMessage({ id, result });
  } catch (err) {
    postMessage({ id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
});
postMessage({ id: 0, result: 'engine worker loaded' });
