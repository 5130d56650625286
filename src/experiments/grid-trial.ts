/**
 * The trial runner of the experiments' grid search (grid.ts): `grid-trial.ts --config F --json`.
 * Trains the trial's config into `$MTLKIT_TRIAL_DIR/run` (so trials never collide in runs/),
 * and prints the TrainResult as its last stdout line (docs/sweeps.md's trial contract).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { train } from '../train/index.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--config');
if (at < 0 || !args[at + 1]) {
  process.stderr.write('usage: grid-trial.ts --config <trial.json> [--json]\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(args[at + 1]!, 'utf8')) as Record<string, unknown>;
const dir = join(process.env.MTLKIT_TRIAL_DIR ?? '.', 'run');
rmSync(dir, { recursive: true, force: true }); // a retried attempt starts over
try {
  const r = await train({ ...config, outDir: dir, checkpoint: false }, { quiet: true });
  process.stdout.write(JSON.stringify(r) + '\n');
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
