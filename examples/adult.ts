/**
 * Train on a CSV: the UCI Adult census data (data/adult.csv, CC BY 4.0: data/README.md) with its schema
 * (schemas/adult.json): categorical and bucketed numeric features, two tasks, "income > 50K"
 * and "never married". The schema format is in docs/data.md; any CSV with a schema works the
 * same way (`npm run -s mtlkit -- train --data FILE.csv --schema SCHEMA.json`).
 *
 *   npx tsx examples/adult.ts [--method gradcraft] [--epochs 3] [--csv PATH]
 *
 * About 20 s on 2 cores. The data has no user ids, so GAUC is n/a.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setBackend, train, type TaskScore, type TrainResult } from '../src/index.ts';

export const ADULT_CSV = fileURLToPath(new URL('../data/adult.csv', import.meta.url));
export const ADULT_SCHEMA = fileURLToPath(new URL('../schemas/adult.json', import.meta.url));

export async function main(opts: { method?: string; epochs?: number; csv?: string; print?: (s: string) => void } = {}): Promise<TrainResult> {
  const print = opts.print ?? console.log;
  const csv = opts.csv ?? ADULT_CSV;
  if (!existsSync(csv)) throw new Error(`adult example: ${csv} not found; pass --csv PATH to the Adult CSV`);
  setBackend('wasm');
  const method = opts.method ?? 'gradcraft';
  const r = await train(
    {
      data: { kind: 'csv', path: csv, schema: ADULT_SCHEMA },
      model: 'ple-lite',
      method,
      batchSize: 256,
      lr: 2e-3,
      epochs: opts.epochs ?? 3,
      checkpoint: false,
      diagnosticsEvery: 0,
      outDir: join(mkdtempSync(join(tmpdir(), 'mtlkit-adult-')), method),
    },
    { quiet: true },
  );
  print(`${method} on Adult (${r.tasks.join(', ')}), PLE; ${r.restored}`);
  for (const t of r.tasks) {
    const m = r.test[t] as TaskScore;
    print(`  ${t.padEnd(14)} test AUC ${m.auc?.toFixed(4)}  NE ${m.ne?.toFixed(4)}`);
  }
  print(`  AV-A ${r.test.av_a?.toFixed(4)}; ${Math.round(r.timing.samples_per_s)} samples/s; run folder ${r.run_dir}`);
  return r;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const e = flag('epochs');
  await main({ method: flag('method'), epochs: e === undefined ? undefined : Number(e), csv: flag('csv') });
}
