/** Per-task training is the registry entry's property (BalancerEntry.perTask), not the id 'single'. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBalancer, unregisterBalancer } from '../../src/mtl/balancers/index.ts';
import { Single, singleOptions } from '../../src/mtl/balancers/single.ts';
import { silentProgress, train, type TaskScore } from '../../src/train/index.ts';
import { TINY_TASKS, tinyConfig, tinySplits, tmp } from './helpers.ts';

const ID = 'one-task-probe';

/** Single under another id. */
class Probe extends Single {
  override readonly id = ID as 'single';
}

describe('per-task methods', () => {
  registerBalancer(ID, { summary: 'Single under another id', options: singleOptions, create: (o) => new Probe(o), perTask: true });
  afterAll(() => void unregisterBalancer(ID));

  it('a registered perTask method trains one model per task, in <run>/<id>-<task>/, with the numbers of Single', async () => {
    const dir = join(tmp(), 'probe');
    const r = await train(tinyConfig({ method: ID, epochs: 1, outDir: dir, diagnosticsEvery: 0 }), { progress: silentProgress, splits: tinySplits() });
    expect(Object.keys(r.single_runs!)).toEqual(TINY_TASKS);
    for (const t of TINY_TASKS) expect(existsSync(join(dir, `${ID}-${t}`, 'final.json'))).toBe(true);
    const single = await train(tinyConfig({ method: 'single', epochs: 1, outDir: join(tmp(), 'single'), diagnosticsEvery: 0 }), { progress: silentProgress, splits: tinySplits() });
    for (const t of TINY_TASKS) expect((r.test[t] as TaskScore).auc).toBe((single.test[t] as TaskScore).auc);
    const sub = JSON.parse(readFileSync(join(dir, `${ID}-${TINY_TASKS[0]}`, 'config.json'), 'utf8')) as { methodOptions: { task: number } };
    expect(sub.methodOptions.task).toBe(0);
  });
});
