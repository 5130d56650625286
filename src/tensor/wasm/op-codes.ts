/**
 * The op codes of the wasm elementwise kernels: the one list that asm/kernels.ts's switches and
 * the wasm backend (../backends/wasm.ts) both import. Plain enums, so this file is TypeScript and
 * AssemblyScript at once; a member is an op the kernels run, named as in UNARY_OPS / BINARY_OPS
 * (the backend checks that at compile time). Ops not listed stay on the js twin.
 */
export enum WasmUnary { neg, abs, sqrt, relu, square, recip }
export enum WasmBinary { add, sub, mul, div, max, min }
