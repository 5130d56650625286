/**
 * `npm run bench -- <name> [args...]` runs bench/<name>.ts; with no name it lists them.
 * Each bench is a script that prints its figures; none is a test.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name || name === '--help' || name === '-h') {
  console.log(`usage: npm run bench -- <name>\navailable: ${names.join(', ')}`);
  process.exit(name ? 0 : 1);
}
if (!names.includes(name)) {
  console.error(`bench: no bench named "${name}"; available: ${names.join(', ')}`);
  process.exit(2);
}
process.argv.splice(2, 1); // the bench sees its own arguments from argv[2]
await import(pathToFileURL(join(here, `${name}.ts`)).href);
