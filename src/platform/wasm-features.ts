/**
 * What this engine's WebAssembly can run, probed with tiny modules: SIMD (every kernel flavour
 * needs it), shared memory (threads) and relaxed SIMD (the FMA flavour). No host state: a
 * runtime that hides relaxed SIMD behind a flag passes the function that sets it.
 */

/** Whether this host validates a module using SIMD (v128) instructions. */
export function simdSupported(): boolean {
  // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
  ]);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether shared wasm memory (and so worker threads over it) is available. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
const RELAXED_PROBE = (() => {
  const zero = [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const body = [0, ...zero, ...zero, ...zero, 253, 133, 2, 11];
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10,
    body.length + 2, 1, body.length, ...body]);
})();

let relaxed: boolean | undefined;

/**
 * Whether this host validates relaxed SIMD (the kernels-fma.wasm flavour). Node 22+ ships it;
 * Node 20's V8 (11.3) has it behind --experimental-wasm-relaxed-simd, which `enable` (the host's
 * `enableRelaxedSimd`) sets once, before any module using it is compiled (it only widens what
 * validates). Where setting the flag fails or changes nothing, the answer is false and the plain
 * SIMD kernels are used. The first answer is kept for the process.
 */
export function relaxedSimdSupported(enable?: () => void): boolean {
  if (relaxed !== undefined) return relaxed;
  const validates = () => { try { return WebAssembly.validate(RELAXED_PROBE); } catch { return false; } };
  relaxed = validates();
  if (!relaxed && enable) {
    try {
      enable();
      relaxed = validates();
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}
