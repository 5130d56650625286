#!/usr/bin/env node
// Compiles asm/kernels.ts (AssemblyScript, with the op codes it imports) into
// build/wasm/kernels.wasm with SIMD and shared memory, plus the two flavours below. Runs from
// `npm ci` / `npm install` (the `prepare` script) and lazily from the Node host
// (src/platform/node.ts) when a .wasm is missing or older than a source, so a clean clone needs
// no downloaded binary and no native toolchain: the compiler is the assemblyscript package,
// plain JavaScript plus binaryen compiled to wasm.
//
// Usage: node scripts/build-wasm.mjs [--force] [--quiet]
import { mkdirSync, statSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The entry and every file it imports (the op codes are shared with the TypeScript side); the
// same list as KERNEL_SOURCES in src/platform/wasm-kernels.ts, which decides staleness at run time.
export const SOURCES = ['asm/kernels.ts', 'src/tensor/wasm/op-codes.ts'];
const source = join(root, SOURCES[0]);
const outDir = join(root, 'build', 'wasm');
const out = join(outDir, 'kernels.wasm');
// The same kernels over unshared memory, for hosts without SharedArrayBuffer (one thread).
const outSingle = join(outDir, 'kernels-single.wasm');
// The shared kernels with relaxed SIMD, whose f32x4.relaxed_madd is one FMA instruction in the
// matmul tile. Engines without relaxed SIMD reject the module, so the backend
// tries it only when a probe validates (src/platform/wasm-features.ts) and keeps kernels.wasm for
// the rest (Node 20's V8 has it behind a flag that the loader sets).
const outFma = join(outDir, 'kernels-fma.wasm');

function fresh(file) {
  return existsSync(file) && SOURCES.every((s) => statSync(file).mtimeMs >= statSync(join(root, s)).mtimeMs);
}

export async function buildWasm({ force = false, quiet = false } = {}) {
  if (!force && fresh(out) && fresh(outSingle) && fresh(outFma)) return out;
  mkdirSync(outDir, { recursive: true });
  await compile(outSingle, false, false, quiet);
  await compile(out, true, false, quiet);
  await compile(outFma, true, true, quiet);
  return out;
}

async function compile(out, shared, relaxed, quiet) {
  const { default: asc } = await import('assemblyscript/asc');
  // Write to a temporary name and rename, so a concurrent reader never sees half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  const args = [
    source, '--outFile', tmp,
    '--runtime', 'stub', '--importMemory',
    '--initialMemory', '256', '--maximumMemory', '65536',
    '--enable', 'simd',
    ...(shared ? ['--sharedMemory', '--enable', 'threads'] : []),
    ...(relaxed ? ['--enable', 'relaxed-simd'] : []),
    '-O3', '--noAssert',
  ];
  let errors = '';
  const { error } = await asc.main(args, {
    stdout: { write: (s) => { if (!quiet) process.stdout.write(String(s)); return true; } },
    stderr: { write: (s) => { errors += String(s); return true; } },
  });
  if (error) throw new Error(`mtlkit: building ${source} failed: ${error.message}\n${errors}`);
  renameSync(tmp, out);
  if (!quiet) process.stdout.write(`mtlkit: built ${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const quiet = process.argv.includes('--quiet');
  buildWasm({ force, quiet }).catch((err) => {
    // prepare must not fail an install: the backend retries the build lazily and falls back
    // to js with a warning if it still cannot.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 0;
  });
}
