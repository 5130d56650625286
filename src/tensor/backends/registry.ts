import type { Backend } from '../backend.ts';
import { createJsBackend } from './js.ts';
import { ACCELERATED, withFallback } from './accelerated.ts';
import { autoBackend } from './auto.ts';
import { host } from '../../platform/host.ts';

/**
 * Backends are registered by name, not switched on in an `if` (TensorFlow.js's lesson).
 * `MTLKIT_BACKEND` (js | wasm | gpu | auto) picks one on first use; a name that is not
 * registered, or whose factory throws, falls back to js with ONE warning saying why, so a
 * slow fallback is never silent.
 *
 * Factories run on first use, not on import: what a backend needs from its surroundings
 * (kernel bytes, worker threads, gpu.js) it asks of the host (../../platform) only then, so
 * importing the engine loads nothing platform-specific. `getBackend()` stays synchronous; a
 * host that must load something asynchronously first (a browser fetching the wasm kernels)
 * does it in `await initBackend(name)`.
 */
export type BackendFactory = () => Backend;

const factories = new Map<string, BackendFactory>();
let active: Backend | null = null;
/** The registered name `active` was made from ('auto', 'gpu', ...); 'js' after a fallback. */
let activeName = '';
let warned = false;
/** Tooling's view of the active backend (the profiler's timed kernels), made once per backend. */
let wrapper: ((be: Backend) => Backend) | null = null;
let wrapped: { of: Backend; as: Backend } | null = null;

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

export function registeredBackends(): string[] {
  return [...factories.keys()];
}

/**
 * The active backend; the first call reads MTLKIT_BACKEND (default: the host's, wasm in Node,
 * the CPU default; js when wasm cannot load).
 */
export function getBackend(): Backend {
  if (active === null) active = resolve(envBackendName(), false);
  if (wrapper === null) return active;
  if (wrapped === null || wrapped.of !== active) wrapped = { of: active, as: wrapper(active) };
  return wrapped.as;
}

/**
 * For tooling beside the engine (src/profile): until the returned undo, `getBackend()` returns
 * `wrap(active)` instead of the active backend (made once per backend, so identity is stable).
 * The engine asks `getBackend()` at each call, so every kernel call goes through the wrapper;
 * no backend object is modified. A second wrapper replaces the first until its undo.
 */
export function useBackendWrapper(wrap: (be: Backend) => Backend): () => void {
  const before = wrapper;
  wrapper = wrap;
  wrapped = null;
  return () => {
    wrapper = before;
    wrapped = null;
  };
}

/**
 * Make `name` the active backend and return the backend actually active. Unknown or failing
 * names fall back to js with one warning, or throw when `strict` (for callers that must know).
 * Tensors made earlier keep their storage; every kernel accepts arrays from anywhere.
 */
export function setBackend(name: string, opts: { strict?: boolean } = {}): Backend {
  active = resolve(name, opts.strict ?? false);
  return getBackend();
}

/** The registered name the active backend was made from (run records say 'auto' for auto). */
export function activeBackendName(): string {
  getBackend();
  return activeName;
}

/** A backend name that is not registered, from a flag or the environment (`source`). */
export class UnknownBackendError extends Error {
  constructor(readonly backend: string, readonly source: string, readonly valid: string[]) {
    super(`${source} '${backend}' is not a backend; valid: ${valid.join(', ')}`);
    this.name = 'UnknownBackendError';
  }
}

/**
 * Like setBackend, for a name the user typed: an unknown name is an UnknownBackendError (a
 * typo must not train on another backend); a known one that fails to start still falls back
 * with one warning.
 */
export function chooseBackend(name: string, source: string): Backend {
  const key = name.trim().toLowerCase();
  if (!factories.has(key)) throw new UnknownBackendError(name, source, registeredBackends());
  return setBackend(key);
}

/**
 * Readies backend `name` on this host (awaiting what it must load first, e.g. a browser
 * fetching and compiling the wasm kernels) and makes it active. Unlike `setBackend` it never
 * falls back: an unknown name is an UnknownBackendError, a failure to start is thrown.
 */
export async function initBackend(name: string): Promise<Backend> {
  const key = name.trim().toLowerCase();
  if (!factories.has(key)) throw new UnknownBackendError(name, 'initBackend', registeredBackends());
  await host().prepare?.(key);
  return setBackend(key, { strict: true });
}

function envBackendName(): string {
  const v = host().env('MTLKIT_BACKEND');
  return v && v.trim() !== '' ? v.trim().toLowerCase() : host().defaultBackend();
}

function resolve(name: string, strict: boolean): Backend {
  const factory = factories.get(name);
  let reason: string;
  if (factory) {
    try {
      const be = factory();
      activeName = name;
      return be;
    } catch (e) {
      reason = `backend "${name}" failed to start: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else {
    reason = `backend "${name}" is not registered (registered: ${registeredBackends().join(', ')})`;
  }
  if (strict) throw new Error(`mtlkit: ${reason}`);
  if (!warned) {
    warned = true;
    console.warn(`mtlkit: ${reason}; falling back to the js backend (set MTLKIT_BACKEND=js to silence this)`);
  }
  activeName = 'js';
  return factories.get('js')!();
}

// Built-in registrations: js, the accelerated table (./accelerated.ts), auto over them.
registerBackend('js', createJsBackend);
ACCELERATED.forEach(([name], i) => registerBackend(name, withFallback(i)));
registerBackend('auto', autoBackend);
