import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsv } from '../../src/data/csv-loader.ts';
import { loadCsvText } from '../../src/data/csv-text.ts';
import type { CsvSchema } from '../../src/data/schema.ts';

/**
 * The browser's CSV loader (text in, csv-parse's browser build) against the CLI's (a file
 * streamed through csv-parse's Node build): the same dataset from a good file, and the same
 * DataError message, character for character, from every kind of bad one, including files
 * longer than one read chunk with a fault in the second.
 */
const dir = mkdtempSync(join(tmpdir(), 'mtlkit-csv-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCHEMA: CsvSchema = { categorical: ['user', 'item'], numeric: ['age', { column: 'watch', as: 'value' }], user: 'user', labels: { click: 'click', long: { column: 'watch', gt: 30 } } };
const HEADER = 'user,item,age,watch,click';
const rows = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `u${(from + i) % 37},i${(from + i) % 101},${20 + ((from + i) % 50)},${(from + i) % 90},${(from + i) % 3 === 0 ? 1 : 0}`);
const big = rows(4000); // about 90 KB: two read chunks

const CASES: Record<string, string> = {
  'unclosed quote': [HEADER, ...rows(5), 'u1,"i2,30,10,1', ...rows(3, 9)].join('\n'),
  'missing column in a row': [HEADER, ...rows(3), 'u1,i2,30,1', ...rows(3)].join('\n'),
  'not a number': [HEADER, ...rows(3), 'u1,i2,thirty,10,1'].join('\n'),
  'missing label': [HEADER, ...rows(2), 'u1,i2,30,10,NA'].join('\n'),
  'non-binary label': [HEADER, ...rows(2), 'u1,i2,30,10,2'].join('\n'),
  'schema column absent': ['user,item,age,click', ...rows(2).map((r) => r.split(',').filter((_, i) => i !== 3).join(','))].join('\n'),
  'duplicate header': ['user,item,age,watch,user', ...rows(2)].join('\n'),
  'header only': HEADER + '\n',
  'empty': '',
  'row fault in the second chunk': [HEADER, ...big, 'u1,i2,x,10,1'].join('\n'),
  'quote fault in the second chunk after a row fault in the first': [HEADER, ...rows(10), 'u1,i2,x,10,1', ...big, 'u1,"i2,30,10,1'].join('\n'),
  'field count fault in the second chunk': [HEADER, ...big, 'u1,i2,30,10,1,extra', ...rows(3)].join('\n'),
};

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'loaded';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('loadCsvText gives what loadCsv gives', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, text);
      const cli = await message(loadCsv(file, SCHEMA));
      const page = await message(loadCsvText(file, text, SCHEMA));
      expect(cli).toMatch(/^DataError: /);
      expect(page).toBe(cli);
    });
  }

  it('a good file: the same dataset and encoders', async () => {
    const file = join(dir, 'good.csv');
    const text = [HEADER, ...big].join('\n') + '\n';
    writeFileSync(file, text);
    const a = await loadCsv(file, SCHEMA, { name: 'x' });
    const b = await loadCsvText(file, text, SCHEMA, { name: 'x' });
    expect(b.dataset.rows).toBe(4000);
    expect(b.encoders).toEqual(a.encoders);
    expect(Array.from(b.dataset.cat)).toEqual(Array.from(a.dataset.cat));
    expect(Array.from(b.dataset.dense)).toEqual(Array.from(a.dataset.dense));
    expect(Array.from(b.dataset.labels)).toEqual(Array.from(a.dataset.labels));
  });
});
