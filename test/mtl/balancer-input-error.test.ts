import { describe, expect, it } from 'vitest';
import { BalancerInputError, BALANCER_INPUT_FAULTS } from '../../src/mtl/balancer.ts';
import { createBalancer } from '../../src/mtl/balancers/index.ts';
import { Rng } from '../../src/tensor/rng.ts';

function thrown(fn: () => unknown): BalancerInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BalancerInputError);
    return e as BalancerInputError;
  }
  throw new Error('no error');
}

const ctx = (losses?: number[]) => ({ step: 0, rng: new Rng(1), losses });

describe('BalancerInputError: typed fault and task', () => {
  it('a NaN in G names its task', () => {
    const e = thrown(() => createBalancer('pcgrad').combine(Float64Array.of(1, 2, Infinity, 1), 2, ctx()));
    expect([e.fault, e.task]).toEqual(['non-finite', 1]);
    const d = thrown(() => createBalancer('dbmtl').combine(Float64Array.of(1, NaN, 3, 1), 2, ctx([1, 1])));
    expect([d.fault, d.task]).toEqual(['non-finite', 0]);
  });

  it('a non-finite loss names its task; a loss out of the method\'s domain is a domain fault', () => {
    const e = thrown(() => createBalancer('uc').lossWeights!([0.5, NaN, 0.2], ctx()));
    expect([e.fault, e.task]).toEqual(['non-finite', 1]);
    const d = thrown(() => createBalancer('dbmtl').combine(Float64Array.of(1, 2, 3, 1), 2, ctx([1, -1])));
    expect([d.fault, d.task]).toEqual(['domain', 1]);
  });

  it('shape errors are invalid input with no task; faults are one declared list', () => {
    const e = thrown(() => createBalancer('mgda').combine(new Float64Array(7), 3, ctx()));
    expect([e.fault, e.task]).toEqual(['invalid', null]);
    expect(BALANCER_INPUT_FAULTS).toContain(e.fault);
  });
});
