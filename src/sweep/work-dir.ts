/**
 * A queue worker's folder for its trials. By default it is `<os temp>/mtlkit-worker-<pid>`,
 * owned by the worker: each trial's folder is removed once its attempt ends (the result has gone
 * back through the queue) and the whole folder when the worker stops. A worker killed with
 * SIGKILL cannot clean up, so every worker, when it starts and when it stops, also removes the
 * folders of workers on this machine whose pid is gone.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'mtlkit-worker-';

export interface WorkDir {
  dir: string;
  /** True for the default temp folder: the worker removes what it wrote there. */
  owned: boolean;
}

export function workerDir(explicit?: string): WorkDir {
  return explicit ? { dir: explicit, owned: false } : { dir: join(tmpdir(), `${PREFIX}${process.pid}`), owned: true };
}

/** rm -rf that never throws: cleanup must not turn a worker's clean stop into a crash. */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // A process still writing there (killed a moment ago); the next start or stop removes it.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<root>/mtlkit-worker-<pid>` folders whose worker is no longer running; returns them. */
export function removeStaleWorkDirs(root = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^mtlkit-worker-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    removeQuietly(join(root, name));
    removed.push(join(root, name));
  }
  return removed;
}
