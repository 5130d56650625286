/** The findings table: one row per claim, the paper's number, ours with its interval, the verdict. */
import { textCell, type Column, type Table } from '../table.ts';
import { STABILITY_MARGIN } from './claims.ts';
import { BOOTSTRAP_SEED, withUnit, type Finding } from './evaluate.ts';

const COLUMNS: Column[] = [
  { key: 'source', label: 'Source', kind: 'text' },
  { key: 'paper', label: 'Paper', kind: 'text' },
  { key: 'ours', label: 'Ours: mean [95% CI]', kind: 'text' },
  { key: 'n', label: 'Seeds', kind: 'text' },
  { key: 'test', label: 'Test', kind: 'text' },
  { key: 'verdict', label: 'Verdict', kind: 'text' },
  { key: 'compared', label: 'Compared (means)', kind: 'text' },
];

export function oursText(f: Finding): string {
  if (f.mean === null) return 'n/a';
  const m = withUnit(f.unit, f.mean);
  return f.ci ? `${m} [${withUnit(f.unit, f.ci[0])}, ${withUnit(f.unit, f.ci[1])}]` : `${m} [no CI: n = ${f.n}]`;
}

export function findingsTable(findings: Finding[]): Table {
  const count = (v: Finding['verdict']): number => findings.filter((f) => f.verdict === v).length;
  const n = [...new Set(findings.map((f) => f.n))];
  return {
    id: 'findings',
    title: `Findings: each claim of the papers as a test over seeds (${count('reproduced')} reproduced, ${count('contradicted')} contradicted, ${count('inconclusive')} inconclusive of ${findings.length})`,
    rowHeader: 'Claim',
    columns: COLUMNS,
    rows: findings.map((f) => ({
      label: f.claim,
      cells: {
        source: textCell(f.source),
        paper: textCell(f.paper_text),
        ours: textCell(oursText(f)),
        n: textCell(String(f.n)),
        test: textCell(f.rule_text),
        verdict: textCell(f.n < 2 ? `${f.verdict} (n < 2: no interval)` : f.verdict),
        compared: textCell(f.compared),
      },
    })),
    notes: [
      'Ours: the claim\'s statistic per seed, paired within the seed (GradCraft minus the other method on the same seed; drop and NE gain against the same seed\'s EW; RI against the same seed\'s Single; the slope over T of one seed\'s runs), then its mean and 95% Student t interval over the seeds.',
      'Verdict: CI > b reproduced when the interval lies above b, contradicted when below, inconclusive when it contains b (CI < b: the mirror image); CI within ±m reproduced when the interval lies inside [-m, m], contradicted when entirely outside, inconclusive otherwise. With one seed there is no interval: inconclusive.',
      `Stability margin ±${STABILITY_MARGIN} AV-G: half of GradCraft's AV-G gain over EW in the paper's Table 2 (Wechat). AUC differences in AUC units; pp = percentage points of RI or NE gain.`,
      `findings.json also holds every per-seed value and a paired bootstrap interval (4,000 resamples of the seeds, resampler seed ${BOOTSTRAP_SEED}); the verdict uses the t interval, which, unlike the bootstrap, does not shrink to the observed range with few seeds.`,
      ...(n.length === 1 && n[0]! < 2 ? ['Every claim has fewer than two seeds: run with --seeds 2 or more for intervals and verdicts.'] : []),
    ],
  };
}
