/**
 * Where a second kernel thread leaves time on the table, op family by op family: each family's
 * self time a step on one thread and on two, and the two-thread time less half the one-thread
 * time (what a perfect split would have saved and did not). The scaling bench's `--by-op`.
 */

/** One op family's mean milliseconds a step on one thread and on two, and `lost` = two - one / 2. */
export interface FamilyLoss {
  family: string;
  one: number;
  two: number;
  lost: number;
}

/**
 * The family a time counts to across thread counts: a pair (two calls of one kernel run as one,
 * which the backward and the forward form only on two threads) counts to its kernel, so that
 * `kernel.linearReluBackwardPair` on two threads meets `kernel.linearReluBackward` on one.
 */
export function unpaired(family: string): string {
  return family.replace(/Pair(?= |$)/, '').replace(/\(pair\)$/, '');
}

/**
 * Each family's mean over the one-thread rounds and over the two-thread rounds (a family absent
 * from a round counts 0 there), pairs counted to their kernel (`unpaired`), the largest loss
 * first (ties by name).
 */
export function familiesByThreads(one: readonly ReadonlyMap<string, number>[], two: readonly ReadonlyMap<string, number>[]): FamilyLoss[] {
  if (one.length === 0 || two.length === 0) throw new Error(`familiesByThreads: ${one.length} one-thread and ${two.length} two-thread rounds; both need one`);
  const mean = (rounds: readonly ReadonlyMap<string, number>[]): Map<string, number> => {
    const out = new Map<string, number>();
    for (const r of rounds) for (const [f, ms] of r) out.set(unpaired(f), (out.get(unpaired(f)) ?? 0) + ms / rounds.length);
    return out;
  };
  const a = mean(one), b = mean(two);
  return [...new Set([...a.keys(), ...b.keys()])].map((family) => {
    const x = a.get(family) ?? 0, y = b.get(family) ?? 0;
    return { family, one: x, two: y, lost: y - x / 2 };
  }).sort((p, q) => q.lost - p.lost || p.family.localeCompare(q.family));
}
