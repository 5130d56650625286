import { describe, expect, it } from 'vitest';
import { normaliseFolder, readReportFolder } from '../../playground/src/reports/folder.ts';
import { ReportError } from '../../src/core.ts';

/** The Reports panel's folder reading (pure): what a drop becomes, and the CLI reader's rules. */
const EPOCH = (e: number) => JSON.stringify({ epoch: e, train_loss: [0.5, 0.4], valid: { a: { auc: 0.7, gauc: null, ne: 0.9 }, b: { auc: 0.6, gauc: null, ne: 0.95 } }, valid_mean_auc: 0.65, seconds: 1 });

describe('the Reports panel reads folders as mtlkit report does', () => {
  it('drops one shared top folder, and names the folder by it', () => {
    const { name, files } = normaliseFolder([['run-7/final.json', '{}'], ['run-7/epochs.jsonl', '']], 'dropped');
    expect(name).toBe('run-7');
    expect([...files.keys()]).toEqual(['final.json', 'epochs.jsonl']);
    expect(normaliseFolder([['final.json', '{}']], 'dropped').name).toBe('dropped');
  });

  it('a run: tasks from the first epoch when there is no final.json, a torn last line dropped with a warning', () => {
    const f = readReportFolder('r', new Map([['epochs.jsonl', `${EPOCH(1)}\n${EPOCH(2)}\n{"epoch": 3, "tra`]]));
    expect(f.kind).toBe('run');
    if (f.kind !== 'run') return;
    expect(f.run.tasks).toEqual(['a', 'b']);
    expect(f.run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(f.run.warnings).toEqual(['epochs.jsonl: the last line is incomplete (run interrupted while writing?) and was ignored.']);
  });

  it('a bad line elsewhere, or a folder that is neither, is an error naming it', () => {
    expect(() => readReportFolder('r', new Map([['epochs.jsonl', `{oops\n${EPOCH(2)}\n`]]))).toThrow('epochs.jsonl line 1 is not valid JSON');
    expect(() => readReportFolder('x', new Map([['notes.json', '{}']]))).toThrow(ReportError);
    expect(() => readReportFolder('x', new Map())).toThrow('x is not a report folder: missing experiment.json (experiment) or final.json / epochs.jsonl (run)');
  });

  it("an experiment: its rows' run folders that came with it", () => {
    const exp = { preset: 'table2', tasks: ['a', 'b'], rows: [{ method: 'ew', test: {}, run_dir: 'runs/ew/' }, { method: 'single', test: {}, run_dir: 'runs/gone' }] };
    const f = readReportFolder('e', new Map([['experiment.json', JSON.stringify(exp)], ['runs/ew/epochs.jsonl', EPOCH(1)]]));
    expect(f.kind).toBe('experiment');
    if (f.kind === 'experiment') expect([...f.runs.keys()]).toEqual(['runs/ew']);
  });
});
