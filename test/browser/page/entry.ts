/**
 * The browser test's page (and engine Worker) code, bundled by browser.test.ts with the core
 * entry: install a web host, run the backend parity properties of the Node suite
 * (test/tensor/backends/harness.ts, with 'vitest' mapped to ./expect.ts), one ple-lite step,
 * and doctor. Every function returns plain data.
 */
import { createWebHost, doctor, getBackend, initBackend, useHost, type WebHostOptions } from '../../../src/core.ts';
import { parityProperties } from '../../tensor/backends/harness.ts';
import { pleStep, type StepResult } from './ple-step.ts';

export interface CaseResult { name: string; ok: boolean; error?: string }

export interface HostSetup {
  env?: Record<string, string>;
  kernelsUrl: string;
  workerUrls: WebHostOptions['workerUrls'];
  gpuJsUrl?: string;
  /** Use the gpu.js this page loaded with a script tag (globalThis.GPU). */
  gpuJsGlobal?: boolean;
}

export function setup(s: HostSetup): { isolated: boolean; worker: boolean } {
  const gpuJs = s.gpuJsGlobal ? (globalThis as { GPU?: unknown }).GPU : undefined;
  useHost(createWebHost({ env: s.env, kernelsUrl: s.kernelsUrl, workerUrls: s.workerUrls, gpuJsUrl: s.gpuJsUrl, gpuJs }));
  return { isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true, worker: typeof (globalThis as { document?: unknown }).document === 'undefined' };
}

/** Readies `backend` and says what it is. */
export async function init(backend: string): Promise<string> {
  await initBackend(backend);
  return getBackend().describe();
}

/** The Node suite's parity properties for the active backend, `runs` cases each. */
export function parity(runs: number): CaseResult[] {
  const cases: Array<[string, () => void]> = [];
  const be = getBackend();
  parityProperties(() => be, (name, fn) => cases.push([name, fn]), runs);
  return cases.map(([name, fn]) => {
    try {
      fn();
      return { name, ok: true };
    } catch (e) {
      return { name, ok: false, error: e instanceof Error ? e.message.slice(0, 2000) : String(e) };
    }
  });
}

export type WireStep = Omit<StepResult, 'grads'> & { grads: string };

/** One ple-lite step; the gradient as base64 float32 bytes (bitwise, and small to carry). */
export function step(backend: string): WireStep {
  const r = pleStep(backend);
  const bytes = new Uint8Array(new Float32Array(r.grads).buffer);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { ...r, grads: btoa(bin) };
}

export { doctor };
