import { afterEach, describe, expect, it } from 'vitest';
import {
  BalancerOptionError, balancerIds, createBalancer, EW, registerBalancer, Rng, unregisterBalancer, type Balancer,
} from '../../src/index.ts';

/** A valid custom balancer under any id: EW's behaviour, renamed. */
function renamed(id: string, over: Partial<Record<keyof Balancer, unknown>> = {}): () => Balancer {
  return () => Object.assign(Object.create(EW.prototype), new EW(), { id, ...over }) as Balancer;
}

const added: string[] = [];
afterEach(() => {
  for (const id of added.splice(0)) unregisterBalancer(id);
});

describe('registerBalancer', () => {
  it('adds an id that createBalancer, balancerIds and the config check then accept (factory or entry)', () => {
    registerBalancer('my-ew', renamed('my-ew'));
    registerBalancer('my-ew2', { summary: 'renamed EW', options: {}, create: renamed('my-ew2') });
    added.push('my-ew', 'my-ew2');
    expect(balancerIds).toContain('my-ew');
    const b = createBalancer('my-ew2');
    expect(b.id).toBe('my-ew2');
    const d = b.combine(Float64Array.from([1, 2, 3, 4]), 2, { step: 0, rng: new Rng(1) });
    expect(Array.from(d)).toEqual([2, 3]);
    expect(unregisterBalancer('my-ew')).toBe(true);
    added.splice(added.indexOf('my-ew'), 1);
    expect(() => createBalancer('my-ew')).toThrow(/unknown balancer 'my-ew'/);
  });

  it('refuses duplicate ids, built-in or registered, with a clear error', () => {
    expect(() => registerBalancer('gradcraft', renamed('gradcraft'))).toThrow(/already registered \(a built-in balancer\)/);
    registerBalancer('dup', renamed('dup'));
    added.push('dup');
    expect(() => registerBalancer('dup', renamed('dup'))).toThrow(BalancerOptionError);
    expect(() => registerBalancer('dup', renamed('dup'))).toThrow(/already registered \(by an earlier registerBalancer/);
    expect(() => unregisterBalancer('ew')).toThrow(/built in/);
  });

  it('validates the id and the entry before adding anything', () => {
    const before = [...balancerIds];
    const bad: [string, unknown, RegExp][] = [
      ['', renamed(''), /id must be/],
      ['has space', renamed('has space'), /id must be/],
      ['-x', renamed('-x'), /id must be/],
      ['x1', { summary: 's', options: {} }, /factory .* or \{summary, options, create\}/],
      ['x2', { summary: 1, options: {}, create: renamed('x2') }, /summary must be a string/],
      ['x3', { summary: '', options: null, create: renamed('x3') }, /options must be an options table/],
      ['x4', renamed('other'), /id is "other"; it must equal the registered id/],
      ['x5', () => ({ id: 'x5' }), /must return a Balancer .*missing combine/],
      ['x6', renamed('x6', { kind: 'weird' }), /kind must be one of/],
      ['x7', renamed('x7', { modes: [] }), /modes must be a non-empty list/],
      ['x8', renamed('x8', { lossWeights: undefined }), /'loss' balancer needs lossWeights/],
      ['x9', () => { throw new Error('boom'); }, /create\(\{\}\) threw: boom/],
    ];
    for (const [id, entry, re] of bad) expect(() => registerBalancer(id, entry as never), id).toThrow(re);
    expect(balancerIds).toEqual(before);
  });
});
