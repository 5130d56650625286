/**
 * The one thing the reference suite takes from src: the seeded generator (src/tensor, not
 * src/mtl), so that randomised methods can be checked draw for draw. The stream of a step is
 * the documented contract of `BalanceContext.rng`: fork(id + ':' + step) of the caller's rng.
 */
import { Rng } from '../../../src/tensor/rng.ts';

export { Rng };

export function stepStream(rng: Rng, id: string, step: number): Rng {
  return rng.fork(`${id}:${step}`);
}
