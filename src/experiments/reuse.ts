/**
 * `--reuse DIR`: finished runs of other experiment folders stand in for runs this experiment
 * would train. A run is taken only when its stored config (config.json: the resolved config,
 * data paths absolute, outDir null) is byte for byte the one this run would store, and when it
 * finished (final.json). Its folder is copied into this experiment's `runs/<id>` and its
 * final.json's `run_dir` pointed at the copy, so the experiment folder stands alone afterwards.
 * Same config, same seed: the same numbers as training it again (docs/experiments.md), and
 * `findings` can then be read from preset folders already run (table2, table3, tau, epsilon).
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../sweep/trial-id.ts';
import { resolveConfig } from '../train/index.ts';
import { ReuseFolderError } from './errors.ts';
import { runFolderState, storedConfig, type RunJob } from './run-one.ts';

/** Finished run folders of the given experiment folders, by their stored config. */
export class ReuseIndex {
  private readonly byConfig = new Map<string, string>();

  constructor(dirs: readonly string[]) {
    for (const dir of dirs) {
      const runs = join(dir, 'runs');
      if (!existsSync(join(dir, 'experiment.json')) || !existsSync(runs)) {
        throw new ReuseFolderError(dir);
      }
      for (const id of readdirSync(runs).sort()) {
        const run = join(runs, id);
        if (!existsSync(join(run, 'final.json')) || !existsSync(join(run, 'config.json'))) continue;
        let key: string;
        try {
          key = canonicalJson(resolveConfig(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'))));
        } catch {
          continue; // a folder this mtlkit cannot read is simply not a candidate
        }
        if (!this.byConfig.has(key)) this.byConfig.set(key, run);
      }
    }
  }

  get size(): number {
    return this.byConfig.size;
  }

  /**
   * Copies a finished run of `job`'s config into its folder when the folder is still empty;
   * returns the source folder, or null when there is none (or the folder is not empty).
   */
  fill(job: RunJob): string | null {
    if (runFolderState(job) !== 'new') return null;
    const from = this.byConfig.get(canonicalJson(storedConfig(job.config)));
    if (from === undefined) return null;
    cpSync(from, job.runDir, { recursive: true });
    const finalFile = join(job.runDir, 'final.json');
    const final = JSON.parse(readFileSync(finalFile, 'utf8')) as { run_dir?: string };
    writeFileSync(finalFile, JSON.stringify({ ...final, run_dir: job.runDir }, null, 2) + '\n');
    return from;
  }
}
