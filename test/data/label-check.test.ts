import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConstantLabelError } from '../../src/data/label-check.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { loadSplits } from '../../src/train/data.ts';

const dir = mkdtempSync(join(tmpdir(), 'mtlkit-constant-'));
const csv = join(dir, 'd.csv');
// 100 rows: income is ">50K" on every third row, so the lower-case rule matches none.
writeFileSync(csv, ['city,income,click', ...Array.from({ length: 100 }, (_, i) => `c${i % 7},${i % 3 ? '<=50K' : '>50K'},${i % 2}`)].join('\n') + '\n');
const schema = (extra: object = {}) => ({ categorical: ['city'], labels: { click: 'click', rich: { column: 'income', equals: '>50k' } }, ...extra });
const config = (s: object, more: object = {}) => resolveConfig({ data: { kind: 'csv', path: csv, schema: s }, ...more });

describe('a label with one class in the training split', () => {
  it('is an error naming the rule, the counts, the column values and the way to proceed', async () => {
    let err: unknown;
    try { await loadSplits(config(schema()), { warn: () => {} }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConstantLabelError);
    const e = err as ConstantLabelError;
    expect([e.task, e.split, e.positives, e.rows, e.column, e.file]).toEqual(['rich', 'training', 0, 80, 'income', csv]);
    expect(e.message).toContain('label "rich" (rule {"column":"income","equals":">50k"}) has one class in the training split: 0 positives / 80 rows (every row 0)');
    expect(e.message).toContain('(did you mean ">50K"?)');
    expect(e.message).toContain('set "constantLabels": "warn" in the schema');
  });

  it('with "constantLabels": "warn" it is a warning and the load goes on', async () => {
    const warnings: string[] = [];
    const s = await loadSplits(config(schema({ constantLabels: 'warn' })), { warn: (m) => warnings.push(m) });
    expect(s.train.rows).toBe(80);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/label "rich" .* 0 positives \/ 80 rows.*; check the rule, or it trains anyway \("constantLabels": "warn"\)$/);
  });

  it('a task left out by config.tasks is not checked; an all-ones label is caught too', async () => {
    await expect(loadSplits(config(schema(), { tasks: ['click'] }), { warn: () => {} })).resolves.toBeDefined();
    const ones = { categorical: ['city'], labels: { any: { column: 'income', in: ['>50K', '<=50K'] } } };
    await expect(loadSplits(config(ones), { warn: () => {} })).rejects.toThrow(/80 positives \/ 80 rows \(every row 1\)/);
  });

  it('synthetic data only warns (its sparse tasks can draw no positive at a small size)', async () => {
    const warnings: string[] = [];
    await loadSplits(resolveConfig({ data: { kind: 'synthetic', rows: 60, users: 10, items: 20 } }), { warn: (m) => warnings.push(m) });
    expect(warnings.some((w) => /^synthetic data: label "follow" has one class in the training split/.test(w))).toBe(true);
  });
});
