#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader so an installed `mtlkit` needs no build step.
// tsx is resolved from this file, not from the current folder: a linked or global install is
// run from anywhere, and `--import tsx` alone would look for tsx where the user stands.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
let loader;
try {
  loader = import.meta.resolve('tsx');
} catch {
  process.stderr.write(`mtlkit: cannot find the package "tsx" from ${root}; it is a dependency of mtlkit: run \`npm install\` in ${root}, or reinstall mtlkit\n`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', loader, join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (res.error) {
  process.stderr.write(`mtlkit: cannot start ${process.execPath}: ${res.error.message}\n`);
  process.exit(1);
}
process.exit(res.status ?? 1);
