/**
 * How stable is the ranking that `npm start` prints? Reads table2 experiment folders made with
 * several seeds (one folder per size setting: epochs, rows, ...) and prints, per folder, what a
 * run with fewer seeds would have shown: how far the ranking over n seeds moves from the ranking
 * over all of them (Kendall tau-b, averaged over every n-subset of the seeds), how wide the
 * paired 95% intervals are at n seeds (the smallest AV gap it resolves), how many method pairs
 * they resolve, and where GradCraft lands; then how the all-seed ranking moves between folders.
 * docs/results/start-study has the folders this chose `npm start` from, and the commands.
 *
 *   npx tsx scripts/start-study.ts <experiment folder> [<experiment folder> ...] [--metric av_a|av_g]
 */
import { readExperiment } from '../src/report/io.ts';
import { resolve, type ResolvedMetric } from '../src/report/resolution.ts';
import { groupRows } from '../src/report/tables.ts';
import { average } from '../src/report/metrics.ts';
import { kendallTau, mean } from '../src/metrics/stats.ts';
import type { ExperimentJson } from '../src/report/types.ts';

const args = process.argv.slice(2);
const metricAt = args.indexOf('--metric');
const metric = (metricAt >= 0 ? args.splice(metricAt, 2)[1] : 'av_a') as ResolvedMetric;
if (metric !== 'av_a' && metric !== 'av_g') throw new Error(`--metric must be av_a or av_g, got ${metric}`);
if (args.length === 0) {
  console.error('usage: npx tsx scripts/start-study.ts <table2 experiment folder>... [--metric av_a|av_g]');
  process.exit(2);
}

/** Per method (label): its per-seed value of the metric. */
function perSeed(exp: ExperimentJson): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const g of groupRows(exp)) {
    const m = new Map<number, number>();
    for (const r of g.runs) {
      const v = average(r.test, exp.tasks, metric === 'av_a' ? 'auc' : 'gauc');
      if (r.seed !== undefined && v !== null) m.set(r.seed, v);
    }
    out.set(g.label, m);
  }
  return out;
}

function subsets<T>(xs: readonly T[], n: number): T[][] {
  if (n === 0) return [[]];
  if (xs.length < n) return [];
  const [head, ...rest] = xs;
  return [...subsets(rest, n - 1).map((s) => [head!, ...s]), ...subsets(rest, n)];
}

/** The experiment restricted to some seeds. */
function onSeeds(exp: ExperimentJson, seeds: readonly number[]): ExperimentJson {
  const keep = new Set(seeds);
  return { ...exp, rows: exp.rows.filter((r) => r.seed !== undefined && keep.has(r.seed)) };
}

function meansOn(values: Map<string, Map<number, number>>, labels: string[], seeds: readonly number[]): number[] {
  return labels.map((l) => mean(seeds.map((s) => values.get(l)!.get(s)!)));
}

const fmt = (v: number, d = 4): string => v.toFixed(d);
const label = metric === 'av_a' ? 'AV-A' : 'AV-G';
const summaries: Array<{ dir: string; labels: string[]; means: number[] }> = [];
const lines: string[] = [];
lines.push(`| folder | epochs | rows | seeds | sum of run times | median seed std | n | tau to all seeds | median 95% half-width | pairs resolved | GradCraft place (by mean) |`);
lines.push(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
for (const dir of args) {
  const exp = readExperiment(dir);
  if (exp.preset !== 'table2') throw new Error(`${dir}: a table2 experiment folder is needed, this one is ${exp.preset}`);
  const values = perSeed(exp);
  const labels = [...values.keys()];
  const seeds = [...new Set([...values.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const complete = labels.every((l) => seeds.every((s) => values.get(l)!.has(s)));
  if (!complete) throw new Error(`${dir}: not every method has every seed (${seeds.join(', ')}); finish the experiment first`);
  const all = meansOn(values, labels, seeds);
  summaries.push({ dir, labels, means: all });
  const cfg = (exp.config ?? {}) as { epochs?: number; rows?: number };
  const seconds = exp.rows.reduce((s, r) => s + (r.timing?.seconds ?? 0), 0);
  const stds = labels.map((l) => {
    const xs = seeds.map((s) => values.get(l)!.get(s)!);
    const m = mean(xs);
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  }).sort((a, b) => a - b);
  const place = (means: number[]): number => {
    const gc = labels.findIndex((l) => l === 'GradCraft');
    return gc < 0 ? NaN : 1 + means.filter((v) => v > means[gc]!).length;
  };
  for (let n = 1; n <= seeds.length; n++) {
    const subs = subsets(seeds, n);
    const taus = n === seeds.length ? [1] : subs.map((s) => kendallTau(meansOn(values, labels, s), all));
    const places = subs.map((s) => place(meansOn(values, labels, s)));
    let half = '-', resolved = '-';
    if (n >= 2) {
      const rs = subs.map((s) => resolve(onSeeds(exp, s), metric));
      half = fmt(mean(rs.map((r) => r.medianHalfWidth!)));
      resolved = `${fmt(mean(rs.map((r) => r.pairs.filter((p) => p.lo > 0 || p.hi < 0).length)), 1)} of ${rs[0]!.pairs.length}`;
    }
    const pl = `${Math.min(...places)}-${Math.max(...places)}`;
    lines.push(`| ${n === 1 ? dir : ''} | ${n === 1 ? (cfg.epochs ?? '?') : ''} | ${n === 1 ? (cfg.rows ?? '?') : ''} | ${n === 1 ? seeds.length : ''} | ${n === 1 ? `${seconds.toFixed(0)} s` : ''} | ${n === 1 ? fmt(stds[(stds.length - 1) >> 1]!) : ''} | ${n} | ${fmt(mean(taus), 2)} (${fmt(Math.min(...taus), 2)}-${fmt(Math.max(...taus), 2)}) | ${half} | ${resolved} | ${pl} of ${labels.length} |`);
  }
}
console.log(`## ${label}: how the ranking moves with seeds\n`);
console.log(lines.join('\n'));
console.log(`\n- tau to all seeds: Kendall tau-b between the ranking by the mean over n seeds and the ranking over all the folder's seeds, mean (min-max) over every n-subset of the seeds.`);
console.log(`- median 95% half-width: the median over method pairs of the paired t interval's half-width at n seeds (mean over the n-subsets); pairs resolved: intervals that exclude 0 (mean over the n-subsets).`);
console.log(`- sum of run times: the runs' own seconds added up (with --workers 2 the wall time is about half).`);
if (summaries.length > 1) {
  console.log(`\n## ${label}: how the all-seed ranking moves between folders (Kendall tau-b)\n`);
  console.log(`| | ${summaries.map((s) => s.dir).join(' | ')} |`);
  console.log(`|---|${summaries.map(() => '---:').join('|')}|`);
  for (const a of summaries) {
    const cells = summaries.map((b) => {
      const bm = a.labels.map((l) => b.means[b.labels.indexOf(l)]!);
      return fmt(kendallTau(a.means, bm), 2);
    });
    console.log(`| ${a.dir} | ${cells.join(' | ')} |`);
  }
  console.log(`\n## ${label}: the methods by mean over all seeds, per folder\n`);
  for (const s of summaries) {
    const order = s.labels.map((l, i) => [l, s.means[i]!] as const).sort((x, y) => y[1] - x[1]);
    console.log(`- ${s.dir}: ${order.map(([l, v]) => `${l} ${fmt(v)}`).join(', ')}`);
  }
}
