import { Tensor } from '../tensor/tensor.ts';

/**
 * The same data cut from the graph. With `requiresGrad: true` it becomes a fresh leaf: the
 * multi-task "rep mode" detaches the shared representation r once per task, runs each head on
 * its copy, reads each copy's `grad`, and then calls `backward(r, combined)` to go on through
 * the shared bottom.
 */
export function detach(x: Tensor, opts: { requiresGrad?: boolean } = {}): Tensor {
  return new Tensor(x.data, x.shape, opts.requiresGrad ?? false);
}
