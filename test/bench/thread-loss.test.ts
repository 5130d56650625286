import { describe, expect, it } from 'vitest';
import { familiesByThreads, unpaired } from '../../bench/thread-loss.ts';

const r = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

describe('bench thread loss by op family', () => {
  it('counts a pair to its kernel, with or without a shape after the name', () => {
    expect(unpaired('kernel.linearReluBackwardPair')).toBe('kernel.linearReluBackward');
    expect(unpaired('kernel.linearReluBackwardPair 2048x320x256')).toBe('kernel.linearReluBackward 2048x320x256');
    expect(unpaired('kernel.linearForwardPair')).toBe('kernel.linearForward');
    expect(unpaired('linear_relu.bwd(pair)')).toBe('linear_relu.bwd');
    expect(unpaired('kernel.scatterAddAt')).toBe('kernel.scatterAddAt');
  });

  it('means over each thread count\'s rounds, the two-thread time less half the one-thread time, the largest loss first', () => {
    const one = [r({ 'kernel.linearReluBackward': 74, bce: 0.5, scatter: 0.6 }), r({ 'kernel.linearReluBackward': 76, bce: 0.5, scatter: 0.4 })];
    const two = [
      r({ 'kernel.linearReluBackward': 11, 'kernel.linearReluBackwardPair': 29, bce: 0.5, scatter: 0.35, 'kernel.dot': 0.1 }),
      r({ 'kernel.linearReluBackward': 11, 'kernel.linearReluBackwardPair': 31, bce: 0.5, scatter: 0.35 }),
    ];
    const got = familiesByThreads(one, two);
    expect(got.map((f) => f.family)).toEqual(['kernel.linearReluBackward', 'bce', 'scatter', 'kernel.dot']);
    expect(got[0]!.one).toBeCloseTo(75);
    expect(got[0]!.two).toBeCloseTo(41);
    expect(got[0]!.lost).toBeCloseTo(3.5);
    expect(got[1]!.lost).toBeCloseTo(0.25);
    expect(got[2]!.lost).toBeCloseTo(0.1);
    // Absent from a round: 0 there (the dot only in one of the two two-thread rounds, none on one thread).
    expect(got[3]).toEqual({ family: 'kernel.dot', one: 0, two: 0.05, lost: 0.05 });
  });

  it('needs rounds on both thread counts', () => {
    expect(() => familiesByThreads([], [r({ a: 1 })])).toThrow(/both need one/);
  });
});
