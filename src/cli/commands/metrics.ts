import type { Command } from 'commander';
import { DataError, readCsv } from '../../data/index.ts';
import { GrowFloat64, GrowInt32 } from '../../data/grow.ts';
import { auc, gauc, logloss, ne } from '../../metrics/index.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit metrics --in preds.csv [--user COL --label COL --pred COL] [--json]`: AUC, GAUC, NE and
 * log loss of one prediction file, streamed (never read whole). Labels must be 0 / 1,
 * predictions probabilities in [0, 1]. Without a user column (the default `user` absent and no
 * --user given) GAUC is null and users_used 0. A blank user cell belongs to no user: the row
 * counts for AUC, NE and log loss but is left out of GAUC (never pooled into one pseudo-user),
 * and `blank_user_rows` counts such rows. Bad input exits 1 with `file:line: column ...`.
 */
export interface PredsMetrics {
  n: number;
  auc: number | null;
  gauc: number | null;
  ne: number | null;
  logloss: number | null;
  users_used: number;
  /** Rows with a blank user cell, left out of GAUC. */
  blank_user_rows: number;
}

/** The user id of a blank user cell (real users get 0, 1, ...). */
const BLANK = -1;

export async function predsMetrics(file: string, cols: { user?: string; label: string; pred: string }): Promise<PredsMetrics> {
  const labels = new GrowFloat64(), preds = new GrowFloat64(), users = new GrowInt32();
  const userIds = new Map<string, number>();
  let li = -1, pi = -1, ui = -1;
  await readCsv(
    file,
    (h) => {
      li = h.index(cols.label, '--label');
      pi = h.index(cols.pred, '--pred');
      ui = cols.user !== undefined ? h.index(cols.user, '--user') : h.find('user');
    },
    (f, line) => {
      const y = Number(f[li]);
      if (f[li] === '' || (y !== 0 && y !== 1)) throw new DataError(file, line, cols.label, `label "${f[li]}" is not 0 or 1`);
      const p = Number(f[pi]);
      if (f[pi] === '' || !(p >= 0 && p <= 1)) throw new DataError(file, line, cols.pred, `prediction "${f[pi]}" is not a probability in [0, 1]`);
      labels.push(y);
      preds.push(p);
      if (ui >= 0) {
        if (f[ui] === '') {
          users.push(BLANK);
          return;
        }
        let u = userIds.get(f[ui]);
        if (u === undefined) userIds.set(f[ui], (u = userIds.size));
        users.push(u);
      }
    },
  );
  const y = labels.toArray(), p = preds.toArray();
  const g = ui >= 0 ? gauc(users.toArray(), y, p, { exclude: BLANK }) : null;
  return {
    n: y.length, auc: auc(y, p), gauc: g ? g.gauc : null, ne: ne(y, p), logloss: logloss(y, p),
    users_used: g ? g.usersUsed : 0, blank_user_rows: g ? g.rowsExcluded : 0,
  };
}

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description('AUC, GAUC, NE and log loss of a predictions CSV (columns user,label,pred by default)')
    .requiredOption('--in <file>', 'predictions CSV with a header')
    .option('--user <col>', 'user column for GAUC (default: "user" when present)')
    .option('--label <col>', 'label column (0/1)', 'label')
    .option('--pred <col>', 'prediction column (probability)', 'pred')
    .option('--json', 'print one JSON object')
    .action(async (o: { in: string; user?: string; label: string; pred: string; json?: boolean }) => {
      let m: PredsMetrics;
      try {
        m = await predsMetrics(o.in, { user: o.user, label: o.label, pred: o.pred });
      } catch (e) {
        if (e instanceof DataError) throw new CliError(e.message, 1);
        throw e;
      }
      if (o.json) {
        printJson(m);
        return;
      }
      const fmt = (v: number | null, d = 4) => (v === null ? 'undefined' : v.toFixed(d));
      const lines = [
        ['rows', String(m.n)],
        ['AUC', fmt(m.auc)],
        ['GAUC', `${fmt(m.gauc)}  (${m.users_used} users with both classes${m.blank_user_rows ? `; ${m.blank_user_rows} rows with a blank user left out` : ''})`],
        ['NE', fmt(m.ne)],
        ['log loss', fmt(m.logloss)],
      ];
      for (const [k, v] of lines) process.stdout.write(`${k.padEnd(10)}${v}\n`);
    });
}
