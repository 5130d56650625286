/**
 * Builds one of the C benches of bench/native with the compile line its header gives (the
 * ` *   cc ...` line), the output path replaced: the line a reader copies is the line that runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type NativeBuild = { exe: string; why?: undefined } | { exe?: undefined; why: string };

/** Compiles `source` into `dir`/bench with $CC (default cc); `why` says what stopped it. */
export function buildNativeBench(source: string, dir: string): NativeBuild {
  const line = readFileSync(source, 'utf8').split('\n').find((l) => /^\s\*\s+cc /.test(l));
  if (line === undefined) return { why: `${source} names no compile line (a " *   cc ..." line in its header)` };
  const args = line.replace(/^\s\*\s+cc\s+/, '').trim().split(/\s+/);
  const at = args.indexOf('-o');
  if (at < 0 || at + 1 >= args.length) return { why: `${source}'s compile line has no "-o <output>"` };
  const exe = join(dir, 'bench');
  args[at + 1] = exe;
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error) return { why: `${cc} did not run (${r.error.message}); install a C compiler or set CC` };
  if (r.status !== 0 || r.stderr !== '') return { why: `${cc} ${args.join(' ')} failed: ${(r.stderr || `exit ${r.status}`).trim()}` };
  return { exe };
}
