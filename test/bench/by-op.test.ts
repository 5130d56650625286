import { describe, expect, it } from 'vitest';
import { RoundProfile } from '../../bench/torch/by-op.ts';
import { profile, wrapMethod } from '../../src/profile/index.ts';

describe('compare-torch --by-op: a round\'s profile of our EW steps', () => {
  it('counts only the steps run through step() after the warm-up, by op family, per step (a counting clock)', () => {
    let now = 0;
    const work = { op(ms: number): void { now += ms; } };
    const undo = wrapMethod(profile, work, 'op', 'dummy.op');
    profile.setClock(() => now);
    try {
      const rp = new RoundProfile();
      rp.begin(1);
      rp.step(() => work.op(100)); // warm-up: discarded
      work.op(1000); // between steps (the other side's step, the gap): counts nowhere
      rp.step(() => { work.op(2); work.op(1); });
      work.op(1000);
      rp.step(() => work.op(3));
      const got = rp.end();
      expect([...got]).toEqual([['dummy.op', 3]]);
      expect(profile.enabled).toBe(false);
      // A second round starts from nothing.
      rp.begin(0);
      rp.step(() => work.op(5));
      expect([...rp.end()]).toEqual([['dummy.op', 5]]);
    } finally {
      profile.setClock();
      undo();
    }
  });

  it('refuses steps outside a round and rounds inside one, naming the call to make', () => {
    const rp = new RoundProfile();
    expect(() => rp.step(() => 0)).toThrow(/step\(\) outside a round; call begin\(\) first/);
    expect(() => rp.end()).toThrow(/end\(\) without begin\(\)/);
    rp.begin(0);
    try {
      expect(() => rp.begin(0)).toThrow(/begin\(\) while a round is open; end\(\) it first/);
    } finally {
      rp.end();
    }
    // A step that throws still closes its mark: the round goes on.
    rp.begin(0);
    expect(() => rp.step(() => { throw new Error('boom'); })).toThrow('boom');
    expect(rp.step(() => 7)).toBe(7);
    rp.end();
  });
});
