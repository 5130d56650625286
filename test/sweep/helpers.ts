/** Shared bits of the sweep tests: the fake trial runner, temp folders, reading results and run logs. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrialRecord } from '../../src/sweep/index.ts';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const FAKE_TRIAL = join(ROOT, 'test/sweep/fixtures/fake-trial.mjs');
export const FAKE_RUNNER = ['node', FAKE_TRIAL];
export const CLI = join(ROOT, 'src/cli/main.ts');

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `mtlkit-sweep-${tag}-`));
}

export function readResults(path: string): TrialRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TrialRecord);
}

/** The fake trial's start log: one `[trial id, parent pid]` per process started. */
export function readRuns(logFile: string): [string, number][] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
    const [id, ppid] = l.split(' ');
    return [id!, Number(ppid)];
  });
}

export function countBy<T>(xs: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
