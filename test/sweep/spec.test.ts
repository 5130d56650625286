import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson, expandTrials, parseLastLine, parseSpec, ResultsFile, runnerArgv, selectBest, SpecError, trialId,
  type TrialRecord,
} from '../../src/sweep/index.ts';

const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => JSON.stringify(v) !== undefined);

function shuffleKeys(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rnd));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x, rnd)]));
}

describe('trial ids', () => {
  it('depend on the config, not on its key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), jsonValue), fc.integer(), (config, seed) => {
        let s = seed >>> 0;
        const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const shuffled = shuffleKeys(config, rnd);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(config));
        expect(trialId(shuffled)).toBe(trialId(config));
        expect(trialId(config)).toMatch(/^t-[0-9a-f]{12}$/);
      }),
    );
  });

  it('differ when a value differs', () => {
    expect(trialId({ lr: 0.001 })).not.toBe(trialId({ lr: 0.0001 }));
    expect(trialId({ a: { b: 1 } })).not.toBe(trialId({ a: { b: '1' } }));
  });
});

describe('spec expansion', () => {
  it('crosses grid fields (last fastest), sets dotted paths, keeps the base', () => {
    const spec = parseSpec({
      base: { method: 'gradcraft', methodOptions: { epsilon: 1e-8 }, epochs: 3 },
      grid: { lr: [1e-3, 1e-4], batchSize: [512, 1024, 2048], 'methodOptions.tau': [0.5] },
    });
    const trials = expandTrials(spec);
    expect(trials).toHaveLength(6);
    expect(trials.map((t) => [t.config.lr, t.config.batchSize])).toEqual([
      [1e-3, 512], [1e-3, 1024], [1e-3, 2048], [1e-4, 512], [1e-4, 1024], [1e-4, 2048],
    ]);
    expect(trials[0]!.config.methodOptions).toEqual({ epsilon: 1e-8, tau: 0.5 });
    expect(trials[0]!.config.epochs).toBe(3);
    expect(new Set(trials.map((t) => t.id)).size).toBe(6);
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('concatenates a list of grids and drops duplicate configs', () => {
    const spec = parseSpec({
      grid: [
        { method: ['ew', 'pcgrad'] },
        { method: ['gradcraft'], 'methodOptions.tau': [0.5, 1] },
        { method: ['ew'] },
      ],
    });
    expect(expandTrials(spec).map((t) => t.config)).toEqual([
      { method: 'ew' }, { method: 'pcgrad' },
      { method: 'gradcraft', methodOptions: { tau: 0.5 } }, { method: 'gradcraft', methodOptions: { tau: 1 } },
    ]);
  });

  it('draws seeded random samples inside their ranges, reproducibly', () => {
    const raw = (seed: number) => ({
      grid: { method: ['gradcraft'] },
      random: {
        samples: 12, seed,
        space: { lr: { logUniform: [1e-5, 1e-2], digits: 2 }, l2: { uniform: [0, 1e-4] }, epochs: { int: [2, 4] }, batchSize: [512, 1024] },
      },
    });
    const a = expandTrials(parseSpec(raw(7)));
    const b = expandTrials(parseSpec(raw(7)));
    const c = expandTrials(parseSpec(raw(8)));
    expect(a.map((t) => t.id)).toEqual(b.map((t) => t.id));
    expect(a.map((t) => t.id)).not.toEqual(c.map((t) => t.id));
    for (const t of a) {
      const { lr, l2, epochs, batchSize } = t.config as Record<string, number>;
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1e-2);
      expect(Number(lr!.toPrecision(2))).toBe(lr);
      expect(l2).toBeGreaterThanOrEqual(0);
      expect(l2).toBeLessThan(1e-4);
      expect([2, 3, 4]).toContain(epochs);
      expect([512, 1024]).toContain(batchSize);
    }
  });

  it('gives one trial (the base) with no grid and no random space', () => {
    expect(expandTrials(parseSpec({ base: { lr: 1 } })).map((t) => t.config)).toEqual([{ lr: 1 }]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an unknown top-level field', { grids: {} }, /"grids" is not a sweep spec field/],
    ['a grid value that is not a list', { grid: { lr: 0.001 } }, /"grid.lr" must be a non-empty array/],
    ['an empty grid list', { grid: { batchSize: [] } }, /"grid.batchSize" must be a non-empty array/],
    ['a path through a non-object', { base: { methodOptions: 3 }, grid: { 'methodOptions.tau': [1] } }, /methodOptions\.tau.*"methodOptions" is 3, not an object/],
    ['an empty path segment', { grid: { 'methodOptions..tau': [1] } }, /"methodOptions\.\.tau" is not a field path/],
    ['a field in both grid and random', { grid: { lr: [1] }, random: { samples: 2, space: { lr: [1, 2] } } }, /"random.space.lr" is also a grid field/],
    ['a bad distribution', { random: { samples: 2, space: { lr: { normal: [0, 1] } } } }, /"random.space.lr" must have exactly one of/],
    ['logUniform from zero', { random: { samples: 2, space: { lr: { logUniform: [0, 1] } } } }, /"random.space.lr.logUniform" needs lo > 0/],
    ['a bad sample count', { random: { samples: 0, space: { lr: [1] } } }, /"random.samples" must be a positive integer/],
    ['a bad select mode', { select: { metric: 'valid.mean_auc', mode: 'best' } }, /"select.mode" must be "max" or "min"/],
    ['a bad runner', { runner: 'node x.mjs' }, /"runner" must be a non-empty array/],
    ['negative retries', { retries: -1 }, /"retries" must be an integer >= 0/],
  ];
  for (const [what, raw, msg] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => parseSpec(raw, { source: 'spec.json' })).toThrow(SpecError);
      expect(() => parseSpec(raw, { source: 'spec.json' })).toThrow(msg);
    });
  }

  it('resolves ./ runner arguments against the spec folder', () => {
    const spec = parseSpec({ runner: ['node', './fake.mjs', '--flag'] }, { baseDir: '/a/b' });
    expect(spec.runner).toEqual(['node', '/a/b/fake.mjs', '--flag']);
  });
});

describe('runner command', () => {
  it('appends --config FILE --json unless {config} is used, and maps "node" to this Node', () => {
    expect(runnerArgv(['node', 'x.mjs'], '/c.json')).toEqual([process.execPath, 'x.mjs', '--config', '/c.json', '--json']);
    expect(runnerArgv(['trainer', '--cfg={config}'], '/c.json')).toEqual(['trainer', '--cfg=/c.json']);
  });

  it('takes the LAST non-empty stdout line as the result', () => {
    expect(parseLastLine('epoch 1\n{"a":1}\n{"valid":{"mean_auc":0.7}}\n\n')).toEqual({ valid: { mean_auc: 0.7 } });
    expect(parseLastLine('{"a":1}\nall done\n')).toMatch(/last stdout line is not a JSON object: all done/);
    expect(parseLastLine('')).toMatch(/printed nothing/);
  });
});

function rec(trial: string, status: 'ok' | 'failed', mean?: number): TrialRecord {
  const r: TrialRecord = { trial, status, config: { id: trial }, attempts: 1, finishedAt: '2024-01-01T00:00:00Z' };
  if (mean !== undefined) r.result = { valid: { mean_auc: mean }, test: { av_a: mean - 0.1 } };
  return r;
}

describe('selection on validation', () => {
  const trials = ['a', 'b', 'c', 'd'].map((id, index) => ({ id, index, config: { id } }));
  const records = new Map([
    ['a', rec('a', 'ok', 0.7)], ['b', rec('b', 'ok', 0.8)], ['c', rec('c', 'failed')], ['d', rec('d', 'ok', 0.8)],
  ]);
  it('picks the highest valid.mean_auc, ties to the earlier trial, ignoring failures', () => {
    const best = selectBest(trials, (id) => records.get(id), { metric: 'valid.mean_auc', mode: 'max' })!;
    expect(best.trial).toBe('b');
    expect(best.value).toBe(0.8);
    expect(best.test).toEqual({ av_a: 0.8 - 0.1 });
    expect(best.compared).toBe(3);
  });
  it('honours mode min and reports trials lacking the metric', () => {
    const withMissing = new Map(records);
    withMissing.set('d', { ...rec('d', 'ok'), result: { valid: {} } });
    const best = selectBest(trials, (id) => withMissing.get(id), { metric: 'valid.mean_auc', mode: 'min' })!;
    expect(best.trial).toBe('a');
    expect(best.missingMetric).toEqual(['d']);
  });
  it('returns undefined when nothing finished', () => {
    expect(selectBest(trials, () => undefined, { metric: 'valid.mean_auc', mode: 'max' })).toBeUndefined();
  });
});

describe('results file', () => {
  it('writes a trial once, skips a torn last line, and lets a retried failure supersede', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-results-'));
    const path = join(dir, 'results.jsonl');
    writeFileSync(path, JSON.stringify(rec('a', 'ok', 0.5)) + '\n' + JSON.stringify(rec('b', 'failed')) + '\n{"trial":"c","sta');
    const f = new ResultsFile(path);
    expect(f.skippedLines).toBe(1);
    expect(f.has('a') && f.has('b') && !f.has('c')).toBe(true);
    expect(f.append(rec('a', 'ok', 0.9))).toBe(false);
    expect(f.append(rec('b', 'ok', 0.6))).toBe(false);
    expect(f.append(rec('b', 'ok', 0.6), true)).toBe(true);
    expect(f.append(rec('c', 'ok', 0.7))).toBe(true);
    const again = new ResultsFile(path);
    expect(again.get('a')!.result).toEqual({ valid: { mean_auc: 0.5 }, test: { av_a: 0.4 } });
    expect(again.get('b')!.status).toBe('ok');
    expect(again.get('c')!.status).toBe('ok');
    // The torn line stays on its own line; the appended records each start a fresh line.
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(again.skippedLines).toBe(1);
  });
});
