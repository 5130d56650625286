/**
 * Child-process entry of an experiment run (runner.ts with --workers > 1):
 *   node [--import tsx] worker.(ts|js) <job.json>   (tsx over the sources, plain node when built: src/sweep/entry.ts)
 * job.json = {id, config, runDir, backend}. Prints, as its last stdout line, one JSON object
 * {result, reused} (the sweep runner's trial contract, docs/sweeps.md).
 */
import { readFileSync } from 'node:fs';
import { setBackend } from '../tensor/backends/registry.ts';
import { runOne, type RunJob } from './run-one.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: worker.ts <job.json>\n');
  process.exit(2);
}
const job = JSON.parse(readFileSync(file, 'utf8')) as RunJob & { backend?: string };
if (job.backend) setBackend(job.backend);
try {
  const out = await runOne(job);
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 1;
}
