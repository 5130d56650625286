/**
 * The compiled wasm kernels as files: which flavours exist, what each is called, and the sources
 * they are built from. Hosts find the bytes (build/wasm in Node, `kernelsUrl` in a page); the
 * tensor layer's wasm backend asks the host for them by flavour.
 */

/** shared: SIMD + threads; single: unshared memory; fma: shared plus relaxed SIMD (FMA). */
export type KernelFlavor = 'shared' | 'single' | 'fma';

/** The file of each flavour, in build/wasm (Node) or under a web host's `kernelsUrl`. */
export const KERNEL_FILES: Readonly<Record<KernelFlavor, string>> = { shared: 'kernels.wasm', single: 'kernels-single.wasm', fma: 'kernels-fma.wasm' };

/**
 * The AssemblyScript sources, relative to the package root: a .wasm older than any of them is
 * stale. scripts/build-wasm.mjs keeps the same list (test/platform checks they agree).
 */
export const KERNEL_SOURCES: readonly string[] = ['asm/kernels.ts', 'src/tensor/wasm/op-codes.ts'];
