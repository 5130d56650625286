/**
 * Whole-file replacement for the index files of a folder (experiment.json, table.md, report.html,
 * plots): the new text goes to a temporary file beside the target and is renamed over it, so a
 * reader or a crash sees the old file or the new one, never half of either.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

let serial = 0;

export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}-${serial++}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
