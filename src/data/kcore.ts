/**
 * k-core filtering of an interaction log: repeatedly drop every row whose user or whose item has
 * fewer than k rows among the rows still kept, until nothing changes (a fixed point), so that in
 * the result every user and every item has at least k rows.
 */
export function kCoreMask(users: Int32Array, items: Int32Array, k: number): { keep: Uint8Array; rounds: number } {
  const n = users.length;
  let maxU = 0, maxI = 0;
  for (let r = 0; r < n; r++) {
    if (users[r] > maxU) maxU = users[r];
    if (items[r] > maxI) maxI = items[r];
  }
  const keep = new Uint8Array(n).fill(1);
  const cu = new Int32Array(maxU + 1), ci = new Int32Array(maxI + 1);
  for (let r = 0; r < n; r++) {
    cu[users[r]]++;
    ci[items[r]]++;
  }
  let rounds = 0;
  for (;;) {
    rounds++;
    let dropped = 0;
    for (let r = 0; r < n; r++) {
      if (keep[r] && (cu[users[r]] < k || ci[items[r]] < k)) {
        keep[r] = 0;
        dropped++;
      }
    }
    if (dropped === 0) break;
    cu.fill(0);
    ci.fill(0);
    for (let r = 0; r < n; r++) {
      if (keep[r]) {
        cu[users[r]]++;
        ci[items[r]]++;
      }
    }
  }
  return { keep, rounds };
}
