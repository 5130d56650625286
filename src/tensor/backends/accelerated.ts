import type { Backend, BackendName } from '../backend.ts';
import { createJsBackend } from './js.ts';
import { gpuBackend } from './gpu.ts';
import { wasmBackend } from './wasm.ts';

/**
 * The accelerated backends, the one table of them: each entry is a name and the factory of its
 * process-wide singleton, in registration order. The registry registers each under its name;
 * one that cannot load falls back to those listed before it, latest first (gpu -> wasm), then
 * the registry's js. `auto` chooses among every entry that loads.
 */
export const ACCELERATED: ReadonlyArray<readonly [BackendName, () => Backend]> = [
  ['wasm', wasmBackend],
  ['gpu', gpuBackend],
];

/**
 * Tries each name in order; the first that loads wins. A failure before it is reported in one
 * warning naming the reason; if all fail, throws with every reason (the registry then falls
 * back to js with its own single warning).
 */
export function firstThatLoads(chain: ReadonlyArray<readonly [string, () => Backend]>): Backend {
  const reasons: string[] = [];
  for (const [name, make] of chain) {
    try {
      const be = make();
      if (reasons.length > 0) console.warn(`mtlkit: ${reasons.join('; ')}; using the ${name} backend instead`);
      return be;
    } catch (e) {
      reasons.push(`backend ${name} unavailable (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  throw new Error(reasons.join('; '));
}

/** The registry's factory for entry i: the backend itself, else the fallbacks listed before it. */
export function withFallback(i: number): () => Backend {
  const [, make] = ACCELERATED[i]!;
  if (i === 0) return make;
  const chain = [ACCELERATED[i]!, ...ACCELERATED.slice(0, i).reverse()];
  return () => firstThatLoads(chain);
}

/** js and every accelerated backend that loads here, with the reasons of those that do not. */
export function loadCandidates(): { loaded: Array<[string, Backend]>; failed: Record<string, string> } {
  const loaded: Array<[string, Backend]> = [['js', createJsBackend()]];
  const failed: Record<string, string> = {};
  for (const [name, make] of ACCELERATED) {
    try {
      loaded.push([name, make()]);
    } catch (e) {
      failed[name] = e instanceof Error ? e.message : String(e);
    }
  }
  return { loaded, failed };
}
