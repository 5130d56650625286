/**
 * `npm run bench -- cpu-profile [bench step flags...] [--top 25]`: runs `mtlkit bench step`
 * under V8's sampling profiler (`node --cpu-prof`) and prints each JavaScript function's and
 * wasm function's self time per step (the samples of the whole process divided by the steps
 * run, warm-up included, so start-up adds a little to every row). It sees what the kernel
 * profile (`bench step --profile`) cannot: time inside one op's own JS (a fill, a row loop)
 * and the main thread's waits. The native matmul shows as one anonymous frame of wasm.ts, the
 * caller of the addon. Example: `npm run bench -- cpu-profile --method gradcraft --mode param
 * --steps 40 --warmup 3`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
if (!(Number.isInteger(top) && top > 0)) throw new Error('cpu-profile: --top takes a positive integer');
const flag = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
// bench step's defaults: 10 timed steps after 2 warm-up ones.
const steps = flag('steps', 10) + flag('warmup', 2);
if (!args.includes('--model')) args.push('--model', 'ple-lite');

const dir = mkdtempSync(join(tmpdir(), 'mtlkit-cpuprof-'));
try {
  const run = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', join(root, 'src/cli/main.ts'), 'bench', 'step', ...args],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error(`cpu-profile: bench step exited with ${run.status}`);
  // The main thread's profile is the largest (the workers' hold little but idle).
  const files = readdirSync(dir).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size);
  if (files.length === 0) throw new Error('cpu-profile: node wrote no profile');
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
  const prof = JSON.parse(readFileSync(files[0]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    // tsx hands V8 one line per module: a line number would say nothing.
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}`.trim();
    const us = prof.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  });
  console.log(`cpu-profile: ${steps} steps (warm-up included), ${(total / 1e3).toFixed(0)} ms sampled; self time per step:`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(us / 1e3 / steps).toFixed(2).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
