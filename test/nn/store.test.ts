import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParameterStore } from '../../src/nn/store.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { addL2Grad, l2Penalty } from '../../src/nn/regularize.ts';
import { backward, customOp } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';

function toyStore(tasks = 3, dtype: 'float32' | 'float64' = 'float32'): ParameterStore {
  const s = new ParameterStore({ tasks, dtype });
  s.declare('t0.w', [4, 2], { group: 0, init: 'xavier_uniform' });
  s.declare('emb', [50, 4], { group: 'shared', init: 'normal', sparse: true });
  s.declare('shared.w', [3, 5], { group: 'shared', init: 'he_normal' });
  s.declare('shared.b', [5], { group: 'shared', init: 'zeros', decay: false });
  for (let t = 1; t < tasks; t++) s.declare(`t${t}.w`, [2, 2], { group: t, init: 'normal' });
  s.declare('emb2', [20, 3], { group: 'shared', init: 'normal', sparse: true });
  return s.allocate(7);
}

describe('ParameterStore layout', () => {
  it('puts the shared group first and contiguous, dense before sparse, groups contiguous', () => {
    const s = toyStore();
    const sh = s.range('shared');
    expect(sh.offset).toBe(0);
    expect(sh.length).toBe(15 + 5 + 200 + 60);
    expect(s.get('shared.w').offset).toBe(0);
    expect(s.get('shared.b').offset).toBe(15);
    expect(s.get('emb').offset).toBe(20);
    expect(s.get('emb2').offset).toBe(220);
    expect(s.range(0)).toEqual({ offset: 280, length: 8 });
    expect(s.range(1)).toEqual({ offset: 288, length: 4 });
    expect(s.range(2)).toEqual({ offset: 292, length: 4 });
    expect(s.size).toBe(296);
    for (const p of s.params) {
      expect(p.value.buffer).toBe(s.values.buffer);
      expect(p.grad.buffer).toBe(s.grads.buffer);
      expect(p.value.byteOffset / 4).toBe(p.offset);
    }
    expect(s.sharedGrad().length).toBe(280);
    expect(s.sharedGrad().buffer).toBe(s.grads.buffer);
  });

  it('initialises deterministically per parameter name', () => {
    const a = toyStore(), b = toyStore();
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Array.from(a.get('shared.b').value)).toEqual([0, 0, 0, 0, 0]);
    // N(0, 0.01) table
    const e = a.get('emb').value;
    let m = 0;
    for (const x of e) m += x * x;
    expect(Math.sqrt(m / e.length)).toBeGreaterThan(0.006);
    expect(Math.sqrt(m / e.length)).toBeLessThan(0.014);
  });

  it('rejects bad declarations with clear errors', () => {
    const s = new ParameterStore({ tasks: 2 });
    s.declare('a', [2], { group: 0, init: 'zeros' });
    expect(() => s.declare('a', [2], { group: 0, init: 'zeros' })).toThrow(/duplicate/);
    expect(() => s.declare('b', [2], { group: 2, init: 'zeros' })).toThrow(/task index/);
    expect(() => s.declare('c', [2, 3, 4], { group: 'shared', init: 'zeros', sparse: true })).toThrow(/table/);
    s.allocate();
    expect(() => s.declare('d', [1], { group: 0, init: 'zeros' })).toThrow(/already allocated/);
  });
});

describe('touched rows', () => {
  it('the compact shared view equals the dense gradient restricted to touched rows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(49)), { minLength: 0, maxLength: 40 }), fc.integer(), (touches, seed) => {
        const s = toyStore();
        const rng = new Rng(seed);
        const emb = s.get('emb'), emb2 = s.get('emb2');
        // Dense shared grads random; rows get gradient through the row API only.
        for (const p of s.groupParams('shared')) if (!p.sparse) for (let i = 0; i < p.size; i++) p.grad[i] = rng.normal();
        for (const [first, r0] of touches) {
          const p = first ? emb : emb2;
          const r = r0 % p.rows;
          s.touchRow(p, r);
          const row = s.rowGrad(p, r);
          for (let j = 0; j < p.width; j++) row[j] += rng.normal();
        }
        const v = s.sharedView();
        const out = new Float32Array(v.length);
        s.gatherShared(out);
        // Dense part is the flat buffer's slice.
        expect(Array.from(out.subarray(0, v.denseLength))).toEqual(Array.from(s.sharedDenseGrad()));
        // Each touched row is that row of the dense gradient; untouched rows are zero.
        let expectedNorm = 0;
        for (let i = 0; i < v.denseLength; i++) expectedNorm += out[i]! * out[i]!;
        for (const seg of v.segments) {
          const p = seg.param;
          const touched = new Set(seg.rows);
          for (let r = 0; r < p.rows; r++) {
            const row = Array.from(p.grad.subarray(r * p.width, (r + 1) * p.width));
            if (!touched.has(r)) expect(row.every((x) => x === 0)).toBe(true);
          }
          seg.rows.forEach((r, i) => {
            expect(Array.from(out.subarray(seg.offset + i * p.width, seg.offset + (i + 1) * p.width))).toEqual(
              Array.from(p.grad.subarray(r * p.width, (r + 1) * p.width)),
            );
          });
        }
        // Norms over the support equal the dense norms.
        let dense = 0;
        for (const x of s.sharedGrad()) dense += x * x;
        expect(s.gradSqNorm('shared')).toBeCloseTo(dense, 6);
        let compact = 0;
        for (const x of out) compact += x * x;
        expect(compact).toBeCloseTo(dense, 6);
        // scatter back round-trips; zeroGrad clears everything in O(touched).
        const before = Float32Array.from(s.grads);
        s.grads.fill(0);
        s.scatterShared(out);
        expect(Array.from(s.sharedGrad())).toEqual(Array.from(before.subarray(0, s.range('shared').length)));
        s.zeroGrad();
        expect(s.grads.every((x) => x === 0)).toBe(true);
        expect(s.touchedCount()).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('touchRows: the strided rows touched in order, repeats once, as one touchRow each', () => {
    const a = toyStore(2), b = toyStore(2);
    const rows = Int32Array.from([9, 1, 3, 1, 9, 4, 7, 2, 3, 0]);
    a.touchRows(a.get('emb'), rows, 1, 2, 5);
    for (let i = 1; i < rows.length; i += 2) b.touchRow(b.get('emb'), rows[i]!);
    expect(Array.from(a.touched(a.get('emb')))).toEqual([1, 4, 2, 0]);
    expect(Array.from(a.touched(a.get('emb')))).toEqual(Array.from(b.touched(b.get('emb'))));
  });

  it('deferred touches: every use of the touched rows makes them first, in order, once; zeroGrad zeroes their rows', () => {
    const s = toyStore(2), emb = s.get('emb'), emb2 = s.get('emb2');
    let runs = 0;
    const owed = { touchNow: () => { runs++; s.touchRows(emb, Int32Array.of(5, 2, 5, 7), 0, 1, 4); } };
    const uses: [string, () => unknown][] = [
      ['touched', () => s.touched(emb)], ['touchedCount', () => s.touchedCount()], ['sharedView', () => s.sharedView()],
      ['forEachRun', () => s.forEachRun(() => {})], ['touchRow', () => s.touchRow(emb, 9)], ['touchRows', () => s.touchRows(emb2, Int32Array.of(1), 0, 1, 1)],
      ['sharedInto', () => s.sharedInto(new Float32Array(1000))], ['flushTouches', () => s.flushTouches()],
    ];
    for (const [name, use] of uses) {
      s.zeroGrad();
      runs = 0;
      s.deferTouches(owed);
      s.deferTouches(owed); // once, however often deferred before a flush
      expect(runs, name).toBe(0);
      use();
      expect(runs, name).toBe(1);
      // The deferred rows come before any touched by the use itself.
      expect(Array.from(s.touched(emb)).slice(0, 3), name).toEqual([5, 2, 7]);
      expect(runs, name).toBe(1);
    }
    // zeroGrad makes the owed touches before zeroing, so the rows a backward wrote are zeroed.
    s.zeroGrad();
    s.deferTouches(owed);
    emb.grad.fill(3);
    s.zeroGrad();
    for (const r of [5, 2, 7]) expect(Array.from(emb.grad.subarray(r * 4, r * 4 + 4))).toEqual([0, 0, 0, 0]);
    expect(emb.grad[0]).toBe(3); // an untouched row is not the store's to zero
    expect(s.touchedCount()).toBe(0);
    // A touch that throws stays owed, with those deferred after it.
    const later = { touchNow: () => s.touchRow(emb, 11) };
    let fail = true;
    s.deferTouches({ touchNow: () => { if (fail) throw new Error('boom'); s.touchRow(emb, 4); } });
    s.deferTouches(later);
    expect(() => s.touchedCount()).toThrow(/boom/);
    fail = false;
    expect(Array.from(s.touched(emb))).toEqual([4, 11]);
  });

  it('versions each table\'s slot map in sharedInto: a newly touched row or a zeroGrad moves it, a repeat does not', () => {
    const s = toyStore(2);
    const emb = s.get('emb');
    const version = () => s.sharedInto(new Float32Array(s.sharedView().length)).rows(emb.leaf)!.version;
    s.touchRow(emb, 7);
    const v1 = version();
    s.touchRow(emb, 7);
    expect(version()).toBe(v1);
    s.touchRow(emb, 3);
    const v2 = version();
    expect(v2).not.toBe(v1);
    s.zeroGrad();
    s.touchRow(emb, 3);
    expect(version()).not.toBe(v2);
  });

  it('sends the shared group into a caller row with no copy (dense and rows), for one backward call', () => {
    const s = toyStore(2);
    const emb = s.get('emb'), w = s.get('shared.w'), t0 = s.get('t0.w');
    s.touchRow(emb, 7);
    s.touchRow(emb, 3);
    const v = s.sharedView();
    expect(v.length).toBe(20 + 2 * 4);
    const G = new Float32Array(2 * v.length);
    const row1 = G.subarray(v.length, 2 * v.length);
    // An op writing through the sink: shared.w[2], row `r` of emb, task 0's t0.w[0].
    const probe = (r: number) => customOp({
      name: 'probe', inputs: [w.leaf, emb.leaf, t0.leaf] as const, forward: (_w, _e, _t) => tensor([0]),
      backward: (_g, grads) => {
        grads.buffer(0)[2] += 5;
        grads.addRows(1, Int32Array.of(r), Float32Array.of(0, 9, 0, 0), 1, 4);
        grads.buffer(2)[0] += 1;
      },
    });
    backward(probe(3), undefined, { into: s.sharedInto(row1) });
    expect(row1[2]).toBe(5);
    expect(row1[20 + 4 + 1]).toBe(9); // row 3 is the second touched row: slot 1
    expect(s.sharedGrad().every((x) => x === 0)).toBe(true);
    expect(t0.grad[0]).toBe(1); // task groups keep the flat buffer
    expect(() => backward(probe(11), undefined, { into: s.sharedInto(row1) })).toThrow(/row 11 .*touched in forward/);
    // Nothing stays redirected: the next call without a resolver writes the flat buffer.
    s.zeroGrad();
    s.touchRow(emb, 3);
    backward(probe(3));
    expect(w.grad[2]).toBe(5);
    expect(emb.grad[3 * 4 + 1]).toBe(9);
    expect(w.grad.buffer).toBe(s.grads.buffer);
  });
});

describe('L2', () => {
  it('is l2 * sum(w^2) over decayed params and touched rows; gradient 2 l2 w', () => {
    const s = toyStore(2, 'float64');
    const emb = s.get('emb');
    s.touchRow(emb, 4);
    let expect2 = 0;
    for (const p of s.params) {
      if (!p.decay) continue;
      if (p.sparse) {
        if (p === emb) for (let j = 0; j < 4; j++) expect2 += p.value[16 + j]! ** 2;
        continue;
      }
      for (const x of p.value) expect2 += x * x;
    }
    expect(l2Penalty(s, 1e-3)).toBeCloseTo(1e-3 * expect2, 12);
    addL2Grad(s, 1e-3);
    expect(s.get('shared.b').grad.every((x) => x === 0)).toBe(true);
    expect(s.get('shared.w').grad[1]).toBeCloseTo(2e-3 * s.get('shared.w').value[1]!, 14);
    expect(emb.grad[16]).toBeCloseTo(2e-3 * emb.value[16]!, 14);
    expect(emb.grad[0]).toBe(0);
  });
});
