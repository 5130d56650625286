#!/usr/bin/env node
// Compiles native/*.c (mtlkit's AVX2 / FMA float32 matmul and its Node-API binding) with the
// system C compiler into build/native/<platform>-<arch>/mtlkit-native.node. Runs from `npm ci`
// / `npm install` (the `prepare` script) and lazily from the Node host (src/platform/node.ts)
// when the .node is missing or older than a source. Where it cannot build (not x86-64, no `cc`,
// no Node headers) it prints one line saying why and exits 0: the wasm matmul is used then.
//
// Usage: node scripts/build-native.mjs [--force] [--quiet]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const srcDir = join(root, 'native');
// The same naming as nativeAddonPath in src/platform/native-kernels.ts.
export const OUT = join(root, 'build', 'native', `${process.platform}-${process.arch}`, 'mtlkit-native.node');

/** Why this host cannot build the addon, or '' when it can. */
function cannotBuild(cc, include) {
  if (process.arch !== 'x64') return `the CPU is ${process.arch}, not x86-64`;
  if (process.platform === 'win32') return 'Windows builds are not set up';
  if (!existsSync(join(include, 'node_api.h'))) return `no Node headers at ${include}`;
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
  } catch {
    return `no C compiler (${cc})`;
  }
  return '';
}

function sources() {
  return readdirSync(srcDir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).map((f) => join(srcDir, f));
}

function fresh() {
  return existsSync(OUT) && sources().every((s) => statSync(OUT).mtimeMs >= statSync(s).mtimeMs);
}

/** Builds the addon; returns its path, or throws an Error whose message is the reason. */
export function buildNative({ force = false } = {}) {
  if (!force && fresh()) return OUT;
  const cc = process.env.CC || 'cc';
  const include = join(dirname(dirname(process.execPath)), 'include', 'node');
  const why = cannotBuild(cc, include);
  if (why) throw new Error(why);
  mkdirSync(dirname(OUT), { recursive: true });
  // A temporary name and a rename, so a concurrent loader never sees half a file.
  const tmp = `${OUT}.${process.pid}.tmp`;
  const args = [
    '-O3', '-fPIC', '-shared', '-pthread', '-std=c11', '-D_GNU_SOURCE', '-fvisibility=hidden',
    '-Wall', '-Wextra', '-Wno-unused-parameter',
    `-I${include}`, `-I${srcDir}`,
    ...sources().filter((f) => f.endsWith('.c')),
    '-o', tmp,
  ];
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = /** @type {{ stderr?: Buffer, message: string }} */ (e);
    // The compiler's first error line says most; the rest would break the one-line rule.
    const lines = (err.stderr?.toString() ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
    throw new Error(`${cc} failed: ${lines.find((l) => /\berror\b/.test(l)) ?? lines[0] ?? err.message}`);
  }
  renameSync(tmp, OUT);
  return OUT;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const quiet = process.argv.includes('--quiet');
  try {
    const wasFresh = !force && fresh();
    const out = buildNative({ force });
    if (!quiet && !wasFresh) process.stdout.write(`mtlkit: built ${out}\n`);
  } catch (err) {
    // prepare must not fail an install: the wasm matmul is the fallback.
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mtlkit: native matmul not built (${why.split('\n')[0]}); the wasm matmul will be used\n`);
    process.exitCode = 0;
  }
}
