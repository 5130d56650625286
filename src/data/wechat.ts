/**
 * The WeChat Big Data Challenge 2021 files, as used by the GradCraft paper.
 *
 * Inputs: `user_action.csv` (userid, feedid, date_, device, read_comment, comment, like, play,
 * stay, click_avatar, forward, follow, favorite) and `feed_info.csv` (feedid, authorid,
 * videoplayseconds, description, ..., bgm_song_id, bgm_singer_id, manual_tag_list, ...).
 * Only the columns below are read; the rest may be absent.
 *
 * Interpretations (also in docs/data.md):
 * - Watch time is `play` (milliseconds of video played), not `stay` (time on the page).
 * - EV: play > the 50% quantile of play over the filtered data; LV: play > the 75% quantile
 *   ("exceeded 50% / 75% of the overall watch time in the dataset" read as quantiles, not as
 *   fractions of the mean or of the total). Quantile = the sorted value at index
 *   floor(q (n - 1)); strict ">" so ties at the threshold are negative.
 * - CV: play / 1000 >= videoplayseconds (play in ms, videoplayseconds in s).
 * - Like, Follow, Forward: the `like`, `follow`, `forward` columns (must be 0 / 1).
 * - 10-core (k = 10, configurable): users and feeds with fewer than k rows are removed,
 *   iterated to a fixed point (kcore.ts), before the quantiles are taken.
 * - Features: user_id, feed_id, author_id, device, bgm_song_id, bgm_singer_id and
 *   duration_bucket (videoplayseconds in the synthetic generator's fixed buckets); ids in
 *   order of first appearance after filtering, 0 unknown / missing (e.g. no bgm).
 * - A feed in user_action.csv that feed_info.csv lacks is an error (file, line, column).
 * The split is separate: `splitDataset(dataset, { seed })` gives the paper's random 8:1:1.
 */
import { join } from 'node:path';
import { readCsv } from './csv.ts';
import { makeDataset } from './dataset.ts';
import type { Encoders } from './encoders.ts';
import { DataError } from './errors.ts';
import { GrowFloat64, GrowInt32 } from './grow.ts';
import { kCoreMask } from './kcore.ts';
import { DURATION_EDGES, durationBucket } from './synthetic.ts';
import type { Dataset } from './types.ts';

export const WECHAT_TASKS = ['ev', 'lv', 'cv', 'like', 'follow', 'forward'] as const;

export interface WechatOptions {
  /** Folder holding user_action.csv and feed_info.csv (or give both paths). */
  dir?: string;
  actions?: string;
  feeds?: string;
  /** k of the k-core filter. Default 10 (the paper). */
  core?: number;
  /** Quantile levels of the EV and LV thresholds. Default 0.5 and 0.75. */
  evQuantile?: number;
  lvQuantile?: number;
}

export interface LoadedWechat {
  dataset: Dataset;
  encoders: Encoders;
  stats: {
    rowsRead: number;
    rowsKept: number;
    users: number;
    feeds: number;
    coreRounds: number;
    /** Play thresholds in ms. */
    evThreshold: number;
    lvThreshold: number;
    positiveRates: Record<string, number>;
  };
}

const MISSING = new Set(['', 'NA', 'nan', 'NaN', 'null']);

export async function loadWechat(opts: WechatOptions): Promise<LoadedWechat> {
  const actionsFile = opts.actions ?? (opts.dir ? join(opts.dir, 'user_action.csv') : undefined);
  const feedsFile = opts.feeds ?? (opts.dir ? join(opts.dir, 'feed_info.csv') : undefined);
  if (!actionsFile || !feedsFile) throw new Error('loadWechat: give dir, or both actions and feeds paths');
  const k = opts.core ?? 10;
  const qEv = opts.evQuantile ?? 0.5, qLv = opts.lvQuantile ?? 0.75;

  // feed_info: feedid -> author, duration (s), bgm song, bgm singer.
  const feedIndex = new Map<string, number>();
  const fAuthor: string[] = [], fSong: string[] = [], fSinger: string[] = [];
  const fDur = new GrowFloat64();
  let fi = { feed: -1, author: -1, dur: -1, song: -1, singer: -1 };
  await readCsv(
    feedsFile,
    (h) => {
      fi = { feed: h.index('feedid', 'the WeChat format'), author: h.index('authorid', 'the WeChat format'), dur: h.index('videoplayseconds', 'the WeChat format'), song: h.find('bgm_song_id'), singer: h.find('bgm_singer_id') };
    },
    (f, line) => {
      const id = f[fi.feed];
      if (MISSING.has(id)) throw new DataError(feedsFile, line, 'feedid', 'missing feed id');
      if (feedIndex.has(id)) throw new DataError(feedsFile, line, 'feedid', `duplicate feed id ${id}`);
      const d = Number(f[fi.dur]);
      if (MISSING.has(f[fi.dur]) || !Number.isFinite(d) || d < 0) throw new DataError(feedsFile, line, 'videoplayseconds', `"${f[fi.dur]}" is not a duration in seconds`);
      feedIndex.set(id, feedIndex.size);
      fAuthor.push(f[fi.author]);
      fSong.push(fi.song >= 0 ? f[fi.song] : '');
      fSinger.push(fi.singer >= 0 ? f[fi.singer] : '');
      fDur.push(d);
    },
  );

  // user_action: raw rows with temporary ids.
  const userTmp = new Map<string, number>();
  const deviceTmp = new Map<string, number>();
  const rUser = new GrowInt32(), rFeed = new GrowInt32(), rDevice = new GrowInt32(), rEng = new GrowInt32();
  const rPlay = new GrowFloat64();
  let ai = { user: -1, feed: -1, device: -1, play: -1, like: -1, follow: -1, forward: -1 };
  const binary = (f: string[], col: 'like' | 'follow' | 'forward', line: number): number => {
    const v = f[ai[col]];
    if (v === '0') return 0;
    if (v === '1') return 1;
    const x = Number(v);
    if (x === 0 || x === 1) return x;
    throw new DataError(actionsFile, line, col, `non-binary label "${v}" (expected 0 or 1)`);
  };
  const rowsRead = await readCsv(
    actionsFile,
    (h) => {
      const need = (c: string) => h.index(c, 'the WeChat format');
      ai = { user: need('userid'), feed: need('feedid'), device: need('device'), play: need('play'), like: need('like'), follow: need('follow'), forward: need('forward') };
    },
    (f, line) => {
      const u = f[ai.user], fd = f[ai.feed];
      if (MISSING.has(u)) throw new DataError(actionsFile, line, 'userid', 'missing user id');
      const feed = feedIndex.get(fd);
      if (feed === undefined) throw new DataError(actionsFile, line, 'feedid', `feed ${fd} is not in ${feedsFile}`);
      const play = Number(f[ai.play]);
      if (MISSING.has(f[ai.play]) || !Number.isFinite(play) || play < 0) throw new DataError(actionsFile, line, 'play', `"${f[ai.play]}" is not a play time in ms`);
      let uid = userTmp.get(u);
      if (uid === undefined) userTmp.set(u, (uid = userTmp.size));
      let dev = deviceTmp.get(f[ai.device]);
      if (dev === undefined) deviceTmp.set(f[ai.device], (dev = deviceTmp.size));
      rUser.push(uid);
      rFeed.push(feed);
      rDevice.push(dev);
      rPlay.push(play);
      rEng.push(binary(f, 'like', line) | (binary(f, 'follow', line) << 1) | (binary(f, 'forward', line) << 2));
    },
  );

  const users0 = rUser.toArray(), feeds0 = rFeed.toArray();
  const { keep, rounds } = kCoreMask(users0, feeds0, k);
  let kept = 0;
  for (let r = 0; r < keep.length; r++) kept += keep[r];
  if (kept === 0) throw new DataError(actionsFile, null, null, `no rows left after ${k}-core filtering (${rowsRead} rows read)`);

  const plays = new Float64Array(kept);
  for (let r = 0, j = 0; r < keep.length; r++) if (keep[r]) plays[j++] = rPlay.data[r];
  plays.sort();
  const at = (q: number) => plays[Math.floor(q * (kept - 1))];
  const evThr = at(qEv), lvThr = at(qLv);

  // Final encoding, ids in order of first appearance among kept rows.
  const names = ['user_id', 'feed_id', 'author_id', 'device', 'bgm_song_id', 'bgm_singer_id'];
  const maps = names.map(() => new Map<string, number>());
  const enc = (k2: number, v: string) => {
    if (MISSING.has(v)) return 0;
    const m = maps[k2];
    let id = m.get(v);
    if (id === undefined) m.set(v, (id = m.size + 1));
    return id;
  };
  const userNames = [...userTmp.keys()], deviceNames = [...deviceTmp.keys()], feedNames = [...feedIndex.keys()];
  const F = names.length + 1, T = WECHAT_TASKS.length;
  const cat = new Int32Array(kept * F), labels = new Float32Array(kept * T), users = new Int32Array(kept);
  for (let r = 0, j = 0; r < keep.length; r++) {
    if (!keep[r]) continue;
    const fd = rFeed.data[r], play = rPlay.data[r], e = rEng.data[r];
    const c = j * F;
    cat[c] = enc(0, userNames[rUser.data[r]]);
    cat[c + 1] = enc(1, feedNames[fd]);
    cat[c + 2] = enc(2, fAuthor[fd]);
    cat[c + 3] = enc(3, deviceNames[rDevice.data[r]]);
    cat[c + 4] = enc(4, fSong[fd]);
    cat[c + 5] = enc(5, fSinger[fd]);
    cat[c + 6] = durationBucket(fDur.data[fd]);
    users[j] = cat[c];
    const l = j * T;
    labels[l] = play > evThr ? 1 : 0;
    labels[l + 1] = play > lvThr ? 1 : 0;
    labels[l + 2] = play / 1000 >= fDur.data[fd] ? 1 : 0;
    labels[l + 3] = e & 1;
    labels[l + 4] = (e >> 1) & 1;
    labels[l + 5] = (e >> 2) & 1;
    j++;
  }
  const dataset = makeDataset({
    name: 'wechat',
    fields: [...names.map((name, i) => ({ name, vocabSize: maps[i].size + 1 })), { name: 'duration_bucket', vocabSize: DURATION_EDGES.length + 2 }],
    cat,
    taskNames: [...WECHAT_TASKS],
    labels,
    users,
  });
  const positiveRates: Record<string, number> = {};
  WECHAT_TASKS.forEach((t, i) => {
    let s = 0;
    for (let r = 0; r < kept; r++) s += labels[r * T + i];
    positiveRates[t] = s / kept;
  });
  const encoders: Encoders = {
    format: 'mtlkit-encoders',
    version: 1,
    source: actionsFile,
    categorical: names.map((column, i) => ({ column, values: [...maps[i].keys()] })),
    // Fixed edges: bucket id = 1 + number of edges strictly below the duration in seconds.
    buckets: [{ column: 'duration_bucket', edges: [...DURATION_EDGES] }],
    values: [],
    user: { column: 'user_id', values: [...maps[0].keys()] },
  };
  return {
    dataset,
    encoders,
    stats: { rowsRead, rowsKept: kept, users: maps[0].size, feeds: maps[1].size, coreRounds: rounds, evThreshold: evThr, lvThreshold: lvThr, positiveRates },
  };
}
