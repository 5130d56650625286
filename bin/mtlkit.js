#!/usr/bin/env node
// The installed package runs the built CLI (dist/cli/main.js) in this very process. A clone
// that has not run `npm run build` runs the TypeScript sources through tsx's loader instead.
// tsx is resolved from this file, not from the current folder: a linked or global install is
// run from anywhere, and `--import tsx` alone would look for tsx where the user stands.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist/cli/main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let loader;
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(`mtlkit: found neither the built CLI ${built} nor the package "tsx" (from ${root}) to run the sources: run \`npm install\` in ${root}, or reinstall mtlkit\n`);
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
}
