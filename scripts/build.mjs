#!/usr/bin/env node
// Builds what the published package runs with plain node: dist/ mirrors src/ (ESM JavaScript
// and .d.ts from tsc, plus the .mjs worker scripts, which tsc does not copy), so every path a
// module resolves from its own URL (../../package.json, build/wasm, ./worker.mjs) is the same
// from dist/ as from src/. The wasm kernels are built too when missing or stale.
//
// Usage: node scripts/build.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasm } from './build-wasm.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const src = join(root, 'src');
const dist = join(root, 'dist');

// A module deleted from src/ must not linger in the package.
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
} catch {
  process.stderr.write('mtlkit build: tsc -p tsconfig.build.json failed (its errors are above); fix them and run `npm run build` again\n');
  process.exit(1);
}
for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
  if (file.endsWith('.mjs')) cpSync(join(src, file), join(dist, file));
}
await buildWasm({ quiet: true });
process.stdout.write(`mtlkit build: ${relative(process.cwd(), dist) || '.'} is ready\n`);
