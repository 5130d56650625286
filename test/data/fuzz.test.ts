/**
 * Fuzzing the three readers of user input: the CSV loader, the schema parser and `mtlkit
 * balance`'s JSON request. Arbitrary bytes and values may only ever end in a result or in the
 * reader's typed error (DataError, CliError), never in a TypeError, a RangeError or any other
 * internal error; and an input made invalid on purpose (a structured mutation of a valid one)
 * must always be refused, naming where.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, loadCsv, loadSchema, validateSchema, type CsvSchema } from '../../src/data/index.ts';
import { parseBalanceRequest, runBalanceRequest } from '../../src/cli/commands/balance.ts';
import { CliError } from '../../src/cli/errors.ts';
import { balancerIds } from '../../src/mtl/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'mtlkit-fuzz-'));
let fileNo = 0;
const write = (content: string | Uint8Array, ext = 'csv') => {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, content);
  return p;
};

/** Runs `f`; an error must be one of `types`, else it is rethrown so fast-check reports it. */
async function typedOutcome<T>(f: () => T | Promise<T>, ...types: (new (...a: never[]) => Error)[]): Promise<{ ok: T } | { err: Error }> {
  try {
    return { ok: await f() };
  } catch (e) {
    if (types.some((t) => e instanceof t)) return { err: e as Error };
    throw e;
  }
}

const HEADER = ['user', 'item', 'age', 'watch', 'click', 'income'];
const SCHEMA: CsvSchema = {
  categorical: ['item'],
  numeric: [{ column: 'age', buckets: 3 }, { column: 'watch', as: 'value' }],
  user: 'user',
  labels: { click: 'click', rich: { column: 'income', equals: '>50K' } },
};
const cell = fc.constantFrom('u1', 'i2', '17', '3.5', '', '?', '0', '1', '>50K', 'x y', '"q"', '-2e3');
const validRow = fc.record({
  user: fc.constantFrom('u1', 'u2', 'u3'), item: fc.constantFrom('a', 'b', 'c'),
  age: fc.integer({ min: 0, max: 90 }), watch: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  click: fc.constantFrom('0', '1'), income: fc.constantFrom('>50K', '<=50K'),
}).map((r) => [r.user, r.item, String(r.age), String(r.watch), r.click, r.income]);
const validRows = fc.array(validRow, { minLength: 2, maxLength: 30 });
const toCsv = (rows: string[][], eol = '\n') => [HEADER.join(','), ...rows.map((r) => r.join(','))].join(eol) + eol;

describe('fuzz: the CSV loader', () => {
  it('arbitrary bytes: a dataset or a DataError, nothing else', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.oneof(cell, fc.constantFrom(',', '\n', '\r\n', '"', ' ', '\t', '\uFEFF')), { maxLength: 120 }).map((a) => new TextEncoder().encode(HEADER.join(',') + '\n' + a.join(''))),
    );
    await fc.assert(fc.asyncProperty(bytes, async (b) => {
      const r = await typedOutcome(() => loadCsv(write(b), SCHEMA), DataError);
      if ('ok' in r) expect(r.ok.dataset.rows).toBeGreaterThan(0);
    }), { seed: 20, numRuns: 300 });
  }, 20_000);

  it('a valid file loads; each structured mutation of one row is refused at that row', async () => {
    const mutation = fc.constantFrom('quote', 'drop-field', 'extra-field', 'bad-number', 'bad-label', 'missing-label', 'inf-number');
    await fc.assert(fc.asyncProperty(validRows, mutation, fc.nat(), fc.boolean(), async (rows, m, at, crlf) => {
      const eol = crlf ? '\r\n' : '\n';
      const ok = await loadCsv(write(toCsv(rows, eol)), SCHEMA);
      expect(ok.dataset.rows).toBe(rows.length);
      const k = at % rows.length;
      const bad = rows.map((r) => [...r]);
      if (m === 'quote') bad[k][1] = `"${bad[k][1]}`;
      else if (m === 'drop-field') bad[k].pop();
      else if (m === 'extra-field') bad[k].push('x');
      else if (m === 'bad-number') bad[k][2] = 'abc';
      else if (m === 'inf-number') bad[k][3] = '1e999';
      else if (m === 'bad-label') bad[k][4] = '2';
      else bad[k][4] = '';
      const r = await typedOutcome(() => loadCsv(write(toCsv(bad, eol)), SCHEMA), DataError);
      expect('err' in r, `mutation ${m} at row ${k} was accepted`).toBe(true);
      expect((r as { err: DataError }).err.line).toBe(k + 2);
    }), { seed: 21, numRuns: 120 });
  }, 20_000);
});

describe('fuzz: the schema parser', () => {
  it('arbitrary JSON values and bytes: a schema or a DataError, nothing else', async () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      try { validateSchema(v); } catch (e) { if (!(e instanceof DataError)) throw e; }
    }), { seed: 23, numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const p = write(b, 'json');
      try { loadSchema(p); } catch (e) { if (!(e instanceof DataError)) throw e; }
    }), { seed: 24, numRuns: 200 });
  }, 20_000);

  it('structured mutations of a valid schema: an accepted one loads or fails with a DataError; an unknown key anywhere is refused', async () => {
    const csv = write(toCsv([['u1', 'a', '20', '1', '1', '>50K'], ['u2', 'b', '30', '2', '0', '<=50K'], ['u3', 'c', '40', '3', '1', '>50K']]));
    const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(...HEADER), fc.constant(HEADER));
    const where = fc.constantFrom('top', 'numeric', 'label');
    const key = fc.string({ minLength: 1, maxLength: 8 });
    await fc.assert(fc.asyncProperty(where, key, anyValue, fc.boolean(), async (w, k, v, replace) => {
      const s = structuredClone(SCHEMA) as unknown as Record<string, unknown>;
      const target = (w === 'top' ? s : w === 'numeric' ? (s.numeric as Record<string, unknown>[])[0] : (s.labels as Record<string, Record<string, unknown>>).rich);
      const known = Object.keys(target);
      const unknownKey = !['name', 'categorical', 'numeric', 'user', 'labels', 'missing', 'buckets', 'numericAs', 'delimiter', 'constantLabels', 'column', 'as', 'equals', 'in', 'gt', 'gte', 'lt', 'lte'].includes(k);
      if (replace) target[known[k.length % known.length]] = v;
      else target[k] = v;
      const parsed = await typedOutcome(() => validateSchema(s), DataError);
      if (!replace && unknownKey) expect('err' in parsed, `unknown key "${k}" in ${w} was accepted`).toBe(true);
      if ('ok' in parsed) await typedOutcome(() => loadCsv(csv, parsed.ok), DataError);
    }), { seed: 25, numRuns: 400 });
  }, 20_000);
});

describe("fuzz: balance's JSON request", () => {
  const methods = balancerIds.filter((m) => m !== 'single');
  const isResult = (r: Record<string, unknown>) => {
    const c = r.combined as number[] | number[][];
    return (c.flat() as number[]).every(Number.isFinite);
  };
  const run = (text: string) => {
    try {
      const r = runBalanceRequest(parseBalanceRequest(text));
      expect(isResult(r)).toBe(true);
      return r;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      expect(e.message).not.toContain('\n');
      return null;
    }
  };

  it('arbitrary text and JSON values: a finite result or a one-line CliError, nothing else', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue().map((v) => JSON.stringify(v))), (t) => { run(t); }), { seed: 26, numRuns: 1500 });
    const request = fc.record({
      G: fc.array(fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.jsonValue()), { maxLength: 4 }), { maxLength: 4 }),
      method: fc.constantFrom(...methods, 'nope'),
      losses: fc.option(fc.array(fc.oneof(fc.double({ min: -2, max: 5, noNaN: true }), fc.jsonValue()), { maxLength: 4 }), { nil: undefined }),
    }, { requiredKeys: ['G', 'method'] });
    fc.assert(fc.property(request, (r) => { run(JSON.stringify(r)); }), { seed: 27, numRuns: 1500 });
  }, 20_000);

  it('a valid request with one field made invalid is always refused', () => {
    const finite = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });
    const valid = fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 5 })).chain(([T, d]) => fc.record({
      G: fc.array(fc.array(finite, { minLength: d, maxLength: d }), { minLength: T, maxLength: T }),
      losses: fc.array(fc.double({ min: 0.01, max: 5, noNaN: true }), { minLength: T, maxLength: T }),
      method: fc.constantFrom(...methods),
    }));
    const mutation = fc.constantFrom('string-entry', 'null-entry', 'overflow', 'ragged', 'losses-length', 'negative-dbmtl-loss', 'unknown-field', 'seed', 'no-G');
    fc.assert(fc.property(valid, mutation, (req, m) => {
      const r: Record<string, unknown> = structuredClone(req);
      const G = r.G as unknown[][];
      let text: string | null = null;
      if (m === 'string-entry') G[0][0] = '1';
      else if (m === 'null-entry') G[G.length - 1][0] = null;
      else if (m === 'overflow') text = JSON.stringify(r).replace(/"G":\[\[/, '"G":[[1e999,');
      else if (m === 'ragged') G[1] = [...G[1], 1];
      else if (m === 'losses-length') r.losses = (r.losses as number[]).slice(1);
      else if (m === 'negative-dbmtl-loss') { r.method = 'dbmtl'; (r.losses as number[])[0] = -0.5; }
      else if (m === 'unknown-field') r.gradients = G;
      else if (m === 'seed') r.seed = 1.5;
      else delete r.G;
      expect(run(text ?? JSON.stringify(r)), `mutation ${m} was accepted`).toBeNull();
    }), { seed: 28, numRuns: 600 });
  }, 20_000);
});
