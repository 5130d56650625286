import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/**
 * Finds (and if needed builds) the compiled kernels. `npm ci` builds them through the
 * `prepare` script; when the .wasm is missing or older than asm/kernels.ts (a fresh checkout
 * that skipped scripts, an edited kernel) we build it here, synchronously, by running the
 * same script in a child process, because backends are created synchronously.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const source = `${root}asm/kernels.ts`;
const script = `${root}scripts/build-wasm.mjs`;

/** shared: SIMD + threads; single: unshared memory; fma: shared plus relaxed SIMD (FMA). */
export type KernelFlavor = 'shared' | 'single' | 'fma';

const FILES: Record<KernelFlavor, string> = { shared: 'kernels.wasm', single: 'kernels-single.wasm', fma: 'kernels-fma.wasm' };

export function kernelPath(flavor: KernelFlavor): string {
  return `${root}build/wasm/${FILES[flavor]}`;
}

function fresh(file: string): boolean {
  if (!existsSync(file)) return false;
  return !existsSync(source) || statSync(file).mtimeMs >= statSync(source).mtimeMs;
}

export function loadKernelBytes(flavor: KernelFlavor): Uint8Array {
  const file = kernelPath(flavor);
  if (!fresh(file)) {
    try {
      execFileSync(process.execPath, [script, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`could not build ${file}: ${err.stderr?.toString().trim() || err.message}`);
    }
    if (!existsSync(file)) throw new Error(`building the wasm kernels did not produce ${file}`);
  }
  return readFileSync(file);
}

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
 * Node 20's V8 (11.3) has it behind --experimental-wasm-relaxed-simd, which we set here once,
 * before any module using it is compiled (it only widens what validates). Where setting the
 * flag fails or changes nothing, the answer is false and the plain SIMD kernels are used.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxed !== undefined) return relaxed;
  const validates = () => { try { return WebAssembly.validate(RELAXED_PROBE); } catch { return false; } };
  relaxed = validates();
  if (!relaxed) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = validates();
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}
