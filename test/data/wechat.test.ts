import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DataError, kCoreMask, loadWechat, splitDataset } from '../../src/data/index.ts';

const dir = join(import.meta.dirname, 'fixtures', 'wechat');
const bad = join(import.meta.dirname, 'fixtures', 'wechat-bad');

describe('loadWechat', () => {
  it("applies k-core to a fixed point and derives the paper's labels", async () => {
    const { dataset: ds, stats } = await loadWechat({ dir, core: 2 });
    // u4 (1 row) goes, then f4 (now 1 row), then u3 (now 1 row): u1, u2 x f1, f2, f3 remain.
    expect(stats.rowsRead).toBe(9);
    expect(stats.rowsKept).toBe(6);
    expect(stats.coreRounds).toBe(4);
    expect([stats.users, stats.feeds]).toEqual([2, 3]);
    expect(ds.taskNames).toEqual(['ev', 'lv', 'cv', 'like', 'follow', 'forward']);
    // plays (ms) in file order of kept rows: 12000, 5000, 7000, 3000, 20000, 1000.
    expect([stats.evThreshold, stats.lvThreshold]).toEqual([5000, 7000]);
    const col = (t: number) => Array.from({ length: ds.rows }, (_, r) => ds.labels[r * 6 + t]);
    expect(col(0)).toEqual([1, 0, 1, 0, 1, 0]); // ev: play > 5000
    expect(col(1)).toEqual([1, 0, 0, 0, 1, 0]); // lv: play > 7000
    expect(col(2)).toEqual([1, 0, 1, 0, 1, 0]); // cv: play / 1000 >= videoplayseconds (10, 20, 5, 10, 20, 5)
    expect(col(3)).toEqual([1, 0, 0, 0, 1, 0]); // like
    expect(col(4)).toEqual([0, 0, 1, 0, 0, 0]); // follow
    expect(col(5)).toEqual([0, 1, 0, 0, 0, 0]); // forward
    expect(ds.fields.map((f) => f.name)).toEqual(['user_id', 'feed_id', 'author_id', 'device', 'bgm_song_id', 'bgm_singer_id', 'duration_bucket']);
    // f2 has no bgm: id 0.
    expect(ds.cat[1 * 7 + 4]).toBe(0);
    expect(Array.from(ds.users!)).toEqual([1, 1, 1, 2, 2, 2]);
    const s = splitDataset(ds, { seed: 1 });
    expect(s.train.rows + s.valid.rows + s.test.rows).toBe(6);
  });

  it('the default 10-core leaves nothing of the fixture and says so', async () => {
    await expect(loadWechat({ dir })).rejects.toThrow(/no rows left after 10-core/);
  });

  it('a non-binary engagement label: file, line, column', async () => {
    const e = await loadWechat({ dir: bad, core: 1 }).catch((x) => x);
    expect(e).toBeInstanceOf(DataError);
    expect([e.line, e.column]).toEqual([3, 'forward']);
  });

  it('a feed missing from feed_info.csv: file, line, column', async () => {
    const e = await loadWechat({ actions: join(bad, 'user_action_unknown_feed.csv'), feeds: join(bad, 'feed_info.csv'), core: 1 }).catch((x) => x);
    expect(e).toBeInstanceOf(DataError);
    expect([e.line, e.column]).toEqual([3, 'feedid']);
  });
});

describe('kCoreMask', () => {
  it('every kept user and item has at least k kept rows, and removed rows could not stay', () => {
    const users = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 3]);
    const items = Int32Array.from([0, 1, 2, 0, 1, 2, 3, 3]);
    const { keep } = kCoreMask(users, items, 2);
    expect(Array.from(keep)).toEqual([1, 1, 0, 1, 1, 0, 0, 0]);
  });
});
