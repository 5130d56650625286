/**
 * How to start one of mtlkit's own scripts (the CLI, an experiment worker, a grid trial) in a
 * fresh Node process. An installed package runs the built JavaScript in dist/ with plain node;
 * a clone runs the TypeScript sources through tsx. Which one is decided once, from this very
 * file's extension, so every caller spawns the same flavour as the process it runs in.
 */
import { fileURLToPath } from 'node:url';

/** True when this module is the compiled dist/ build, false under tsx over src/. */
export const BUILT = import.meta.url.endsWith('.js');

/**
 * The argv that runs the script `specifier` (written as in the sources, `./worker.ts`) relative
 * to `base` (the caller's `import.meta.url`): `[node, file.js]` from dist,
 * `[node, --import, tsx, file.ts]` from src.
 */
export function scriptArgv(specifier: string, base: string | URL): string[] {
  const file = fileURLToPath(new URL(BUILT ? specifier.replace(/\.ts$/, '.js') : specifier, base));
  return BUILT ? [process.execPath, file] : [process.execPath, '--import', tsxLoader(), file];
}

function tsxLoader(): string {
  try {
    // Resolved from mtlkit itself, so a child finds tsx wherever the caller's cwd is.
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}
