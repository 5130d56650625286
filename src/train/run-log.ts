/**
 * The run folder's two logs: epochs.jsonl (one line per epoch) and diagnostics.jsonl (the
 * sampled steps). A resume first cuts them back to what its checkpoint covers, since the
 * epoch a crash interrupted runs again and writes its lines again.
 */
import { join } from 'node:path';
import type { Diagnostics } from '../mtl/diagnostics.ts';
import { appendJsonl, countJsonl, diagnosticsRecord, filterJsonl } from './run-folder.ts';

export class RunLog {
  readonly epochsFile: string;
  readonly diagnosticsFile: string;

  constructor(runDir: string) {
    this.epochsFile = join(runDir, 'epochs.jsonl');
    this.diagnosticsFile = join(runDir, 'diagnostics.jsonl');
  }

  epoch(record: Record<string, unknown>): void {
    appendJsonl(this.epochsFile, record);
  }

  diagnostics(step: number, epoch: number, losses: ArrayLike<number>, d: Diagnostics): void {
    appendJsonl(this.diagnosticsFile, diagnosticsRecord(step, epoch, losses, d));
  }

  /** Complete epoch lines on disk. */
  epochsLogged(): number {
    return countJsonl(this.epochsFile);
  }

  /** Keeps the lines of the first `epochs` epochs, whose steps are below `steps`. */
  cutTo(epochs: number, steps: number): void {
    filterJsonl(this.epochsFile, (r) => (r.epoch as number) <= epochs);
    filterJsonl(this.diagnosticsFile, (r) => (r.step as number) < steps);
  }

  clear(): void {
    filterJsonl(this.epochsFile, () => false);
    filterJsonl(this.diagnosticsFile, () => false);
  }
}
