import { describe, expect, it } from 'vitest';
import { DataError, validateSchema } from '../../src/data/index.ts';

const labels = { y: 'y' };

function reason(raw: unknown): DataError {
  try {
    validateSchema(raw, 's.json');
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('validateSchema: every entry as strict as the top level', () => {
  it('an unknown key in a "numeric" entry names the entry, the column, the key, the valid keys and the likely one', () => {
    const e = reason({ numeric: ['x', { column: 'age', bucketz: 3 }], labels });
    expect(e.column).toBe('age');
    expect(e.reason).toBe('"numeric"[1]: unknown key "bucketz" (valid keys: column, as, buckets) (did you mean "buckets"?)');
  });

  it('an unknown key in a label rule names the task, the column and the likely key', () => {
    const e = reason({ labels: { rich: { column: 'income', equalz: '>50K' } } });
    expect(e.column).toBe('income');
    expect(e.reason).toMatch(/^label "rich": unknown key "equalz" \(valid keys: column, equals, in, gt, gte, lt, lte\) \(did you mean "equals"\?\)$/);
  });

  it('an unknown top-level key suggests the close one', () => {
    expect(reason({ labels, catgorical: ['a'] }).reason).toMatch(/unknown key "catgorical".*did you mean "categorical"/);
    expect(reason({ labels, zzz: 1 }).reason).not.toMatch(/did you mean/);
  });

  it('a column listed as both numeric and categorical, or twice, is an error', () => {
    const both = reason({ categorical: ['age'], numeric: [{ column: 'age', buckets: 4 }], labels });
    expect([both.column, both.reason]).toEqual(['age', 'listed in both "categorical" and "numeric"; keep one (a numeric column can be bucketised and used as a value with "as": "both")']);
    expect(reason({ numeric: ['n', 'n'], labels }).reason).toMatch(/listed twice in "numeric"/);
    expect(reason({ categorical: ['c', 'c'], labels }).reason).toMatch(/listed twice in "categorical"/);
  });

  it('rejects wrong types inside entries and the new options, accepts a full valid schema', () => {
    for (const bad of [
      { numeric: [null], labels },
      { numeric: [['age']], labels },
      { numeric: [{ column: 'a', as: 'log' }], labels },
      { labels: { y: { column: 'c', in: [] } } },
      { labels: { y: { column: 'c' } } },
      { labels: { y: [] } },
      { labels, constantLabels: 'ignore' },
      { labels, name: 3 },
      { labels, delimiter: '"' },
    ]) expect(() => validateSchema(bad)).toThrow(DataError);
    const ok = { name: 'n', categorical: ['c'], numeric: ['a', { column: 'b', as: 'both', buckets: 3 }], user: 'c', labels: { y: 'y', z: { column: 'w', lte: 1 } }, missing: ['?'], buckets: 4, numericAs: 'value', delimiter: ';', constantLabels: 'warn' };
    expect(validateSchema(ok)).toEqual(ok);
  });
});
