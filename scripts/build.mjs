#!/usr/bin/env node
// Builds what the published package runs with plain node: dist/ mirrors src/ (ESM JavaScript
// and .d.ts from tsc, plus the .mjs worker scripts, which tsc does not copy), so every path a
// module resolves from its own URL (../../package.json, build/wasm, ./worker.mjs) is the same
// from dist/ as from src/. The wasm kernels are built too when missing or stale. The playground
// (playground/, a clone's own) is written as static files into dist/playground/, which the
// package's `files` leaves out.
//
// Usage: node scripts/build.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
// report.html's chart layer (uPlot and playground/src/charts), bundled once into
// dist/report-charts.js: an installed package has neither esbuild nor the playground's sources.
// A copy without the playground builds a package whose reports keep their static plots only.
if (existsSync(join(root, 'playground/src/charts/report-entry.ts'))) {
  const { writeChartRuntime } = await import(pathToFileURL(join(dist, 'report/chart-runtime.js')).href);
  writeChartRuntime();
} else {
  process.stdout.write('mtlkit build: no playground/src/charts here, so report.html keeps static plots only\n');
}
await buildWasm({ quiet: true });
// The kernels above are part of the playground's site, so it comes after them.
if (existsSync(join(root, 'playground/src/main.ts'))) {
  const { writePlayground, PlaygroundBuildError } = await import('./playground.mjs');
  try {
    await writePlayground(join(dist, 'playground'));
  } catch (e) {
    process.stderr.write(`mtlkit build: the playground: ${e instanceof PlaygroundBuildError ? e.message : e.stack}\n`);
    process.exit(1);
  }
}
process.stdout.write(`mtlkit build: ${relative(process.cwd(), dist) || '.'} is ready\n`);
