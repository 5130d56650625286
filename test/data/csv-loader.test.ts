import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, describeDataset, loadCsv, loadEncoders, loadSchema, saveEncoders } from '../../src/data/index.ts';

const fx = (f: string) => join(import.meta.dirname, 'fixtures', 'csv', f);
const schema = fx('good.schema.json');

async function failure(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('loadCsv', () => {
  it('encodes a trimmed CSV through a schema: ids, buckets, values, users and label rules', async () => {
    const { dataset: ds, encoders, stats } = await loadCsv(fx('good.csv'), schema);
    expect(ds.rows).toBe(6);
    expect(ds.fields.map((f) => f.name)).toEqual(['item_id', 'gender', 'age']);
    expect(ds.taskNames).toEqual(['like', 'rich', 'long']);
    expect(ds.denseNames).toEqual(['watch']);
    // item ids in order of first appearance: i1 1, i2 2, i3 3, i4 4; gender f 1, m 2, "?" -> 0.
    expect(Array.from({ length: 6 }, (_, r) => ds.cat[r * 3])).toEqual([1, 2, 1, 3, 2, 4]);
    expect(Array.from({ length: 6 }, (_, r) => ds.cat[r * 3 + 1])).toEqual([1, 2, 0, 1, 2, 1]);
    // age: one edge (lower median of 23, 29, 35, 41, 52 is 35): <= 35 -> 1, > 35 -> 2, missing -> 0.
    expect(encoders.buckets[0].edges).toEqual([35]);
    expect(Array.from({ length: 6 }, (_, r) => ds.cat[r * 3 + 2])).toEqual([1, 1, 2, 0, 1, 2]);
    expect(Array.from(ds.users!)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(Array.from(ds.labels)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
    const mean = (12.5 + 3 + 40 + 8 + 0 + 100) / 6;
    expect(encoders.values[0].mean).toBeCloseTo(mean, 10);
    expect(ds.dense[0]).toBeCloseTo((12.5 - mean) / encoders.values[0].std, 5);
    expect(stats.missing).toEqual({ gender: 1, age: 1 });
  });

  it('saves and reloads encoders, and applies them to new data (unseen -> 0)', async () => {
    const first = await loadCsv(fx('good.csv'), schema);
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-enc-'));
    const path = join(dir, 'enc.json');
    saveEncoders(path, first.encoders);
    expect(readdirSync(dir)).toEqual(['enc.json']);
    const enc = loadEncoders(path);
    expect(enc).toEqual(first.encoders);
    const again = await loadCsv(fx('good.csv'), schema, { encoders: enc });
    expect(again.dataset.cat).toEqual(first.dataset.cat);
    expect(again.dataset.dense).toEqual(first.dataset.dense);
    const shrunk = { ...enc, categorical: enc.categorical.map((c) => (c.column === 'item_id' ? { ...c, values: ['i2'] } : c)) };
    const other = await loadCsv(fx('good.csv'), schema, { encoders: shrunk });
    expect(Array.from({ length: 6 }, (_, r) => other.dataset.cat[r * 3])).toEqual([0, 1, 0, 0, 1, 0]);
    expect(other.dataset.fields[0].vocabSize).toBe(2);
  });

  it('prunes rare values with minCount', async () => {
    const { dataset: ds, encoders } = await loadCsv(fx('good.csv'), schema, { minCount: 2 });
    expect(encoders.categorical[0].values).toEqual(['i1', 'i2']);
    expect(Array.from({ length: 6 }, (_, r) => ds.cat[r * 3])).toEqual([1, 2, 1, 0, 2, 0]);
  });

  it('malformed row (unclosed quote): file and the line where the quote opens, not the end of the file', async () => {
    const e = await failure(loadCsv(fx('malformed-quote.csv'), schema));
    expect(e.file).toBe(fx('malformed-quote.csv'));
    expect(e.message).toMatch(/malformed row: the row starting on this line opens a quote that is never closed/);
    expect(e.line).toBe(3);
    // Blank lines before the row, many rows after it, CRLF line ends: still the opening line.
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-quote-'));
    const rows = Array.from({ length: 500 }, (_, i) => `u${i},i1,f,23,1,1,>50K`);
    for (const eol of ['\n', '\r\n']) {
      const f = join(dir, 'q.csv');
      writeFileSync(f, ['user_id,item_id,gender,age,watch,like,income', ...rows.slice(0, 40), '', '', 'u1,"i2,m,35,3,0,<=50K', ...rows].join(eol) + eol);
      expect((await failure(loadCsv(f, schema))).line).toBe(44);
    }
    writeFileSync(join(dir, 'h.csv'), 'a,"b\n1,2\n');
    expect((await failure(loadCsv(join(dir, 'h.csv'), schema))).line).toBe(1);
  });

  it('a row missing a column: file and line 4', async () => {
    const e = await failure(loadCsv(fx('missing-column.csv'), schema));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/missing-column\.csv:4: malformed row: .*expect 7.*got 6/);
  });

  it('non-binary label: file, line and column', async () => {
    const e = await failure(loadCsv(fx('non-binary-label.csv'), schema));
    expect([e.line, e.column]).toEqual([3, 'like']);
    expect(e.message).toMatch(/non-binary-label\.csv:3: column "like": non-binary label "2"/);
  });

  it('a non-number in a numeric column: file, line and column', async () => {
    const e = await failure(loadCsv(fx('bad-number.csv'), schema));
    expect([e.line, e.column]).toEqual([3, 'age']);
  });

  it('empty file and header-only file', async () => {
    expect((await failure(loadCsv(fx('empty.csv'), schema))).message).toMatch(/empty\.csv:1: empty file/);
    expect((await failure(loadCsv(fx('header-only.csv'), schema))).message).toMatch(/header-only\.csv:2: no data rows/);
  });

  it('a schema naming a column the file lacks: file, line 1 and column', async () => {
    const e = await failure(loadCsv(fx('good.csv'), fx('lacks-column.schema.json')));
    expect([e.file, e.line, e.column]).toEqual([fx('good.csv'), 1, 'height']);
    expect(e.message).toMatch(/names a column the file lacks/);
  });

  it('an invalid schema names the schema file', async () => {
    expect(() => loadSchema(fx('invalid.schema.json'))).toThrow(/invalid\.schema\.json: column "income": label "rich": "equals" takes a string/);
    expect(() => loadSchema(fx('nope.json'))).toThrow(DataError);
  });

  it('a missing file is a DataError, and a failed load leaves nothing behind', async () => {
    const e = await failure(loadCsv(fx('no-such.csv'), schema));
    expect(e.message).toMatch(/cannot read the file/);
    expect(existsSync(fx('no-such.csv'))).toBe(false);
  });
});

const adult = join(import.meta.dirname, '..', '..', 'data', 'adult.csv');

describe('schemas/adult.json on data/adult.csv', () => {
  it('loads 30,162 rows with positive rates 24.9% (income) and 32.2% (never_married)', async () => {
    const { dataset } = await loadCsv(adult, join(import.meta.dirname, '..', '..', 'schemas', 'adult.json'));
    const d = describeDataset(dataset);
    expect(d.rows).toBe(30162);
    expect(d.positiveRates.income).toBeCloseTo(0.249, 3);
    expect(d.positiveRates.never_married).toBeCloseTo(0.322, 3);
    expect(dataset.users).toBeNull();
    expect(dataset.fields.map((f) => f.name)).not.toContain('marital');
  });
});
