/**
 * The one whole-file replacement of the Node side (config.json, final.json, failed.json,
 * experiment.json, the reports, a sweep's best.json, a rewritten .jsonl): the text goes to a
 * temporary file beside the target, is fsynced, and is renamed over the target; then the folder
 * is fsynced so the rename itself survives a power cut. A reader or a crash sees the old file
 * or the new one, never half of either, and a failed write leaves no temporary file behind.
 *
 * Node-only (node:fs); not part of the platform-neutral surface in ./index.ts.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

let serial = 0;

export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}-${serial++}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncFolder(dirname(path));
}

/** writeFileAtomic of `value` as indented JSON with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** fsync of a folder, where the platform allows one (Windows cannot open a folder for it). */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EISDIR / EPERM / EINVAL on platforms and file systems without folder fsync: the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}
