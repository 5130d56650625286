/**
 * The order of the race's modes within one step of a round (bench/compare-torch.ts): mode
 * indices 0 .. count-1 forwards on even steps, backwards on odd ones. Each of our steps runs
 * right after a PyTorch step, whose memory traffic decides how cold our caches are. In one
 * fixed order our rep step always followed PyTorch's param step (six backwards, the heaviest)
 * and our EW step PyTorch's rep step, which biased the rep / EW comparison. Alternating the
 * direction gives our first and last modes the same predecessors: each follows the middle
 * mode's PyTorch step on one step and its own mode's on the next.
 */
export function modeOrder(step: number, count: number): number[] {
  const order = Array.from({ length: count }, (_, m) => m);
  return step % 2 === 0 ? order : order.reverse();
}

/**
 * For each of our modes, the PyTorch modes that ran just before it over `steps` steps of a
 * round (the first step's first mode has none), as counts [ours][theirs]: what modeOrder's
 * balance means, and what its test checks.
 */
export function predecessors(steps: number, count: number): number[][] {
  const seen = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  let last = -1;
  for (let i = 0; i < steps; i++) {
    for (const m of modeOrder(i, count)) {
      if (last >= 0) seen[m]![last]!++;
      last = m;
    }
  }
  return seen;
}
