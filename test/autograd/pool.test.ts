import { afterAll, describe, expect, it, vi } from 'vitest';
import { backward } from '../../src/autograd/backward.ts';
import { allFinite } from '../../src/tensor/finite.ts';
import { GradBufferPool, gradBuffers } from '../../src/autograd/pool.ts';
import { log, relu, tanh } from '../../src/autograd/ops/unary.ts';
import { add, mul } from '../../src/autograd/ops/arithmetic.ts';
import { matmul } from '../../src/autograd/ops/matmul.ts';
import { sum } from '../../src/autograd/ops/reduce.ts';
import { bceWithLogits } from '../../src/autograd/ops/loss.ts';
import { reshape } from '../../src/autograd/ops/layout.ts';
import { softmax } from '../../src/autograd/ops/softmax.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

function randn(shape: number[], rng: Rng, requiresGrad = false): Tensor {
  const t = Tensor.empty(shape, 'float32');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  t.requiresGrad = requiresGrad;
  return t;
}

/** A small MLP-like graph with several intermediates of equal shape (the pool's favourite case). */
function loss(x: Tensor, w1: Tensor, w2: Tensor): Tensor {
  const h = relu(matmul(x, w1));
  const h2 = tanh(matmul(h, w2));
  const h3 = add(mul(h2, h2), h2); // h2 read by three consumers
  return sum(mul(h3, relu(matmul(x, w1))));
}

describe('gradient buffer pool', () => {
  it('take gives distinct zeroed buffers while they are out; give makes one reusable', () => {
    const pool = new GradBufferPool();
    const a = pool.take('float32', 5000), b = pool.take('float32', 5000);
    expect(a).not.toBe(b);
    a.fill(7);
    pool.give(a);
    pool.give(a); // twice: ignored
    const c = pool.take('float32', 5000);
    expect(c).toBe(a);
    expect(c.every((v) => v === 0)).toBe(true);
    const d = pool.take('float32', 5000);
    expect(d).not.toBe(a);
    expect(d).not.toBe(b);
    pool.give(new Float32Array(5000)); // not from the pool: ignored
    expect(pool.stats().freeBuffers).toBe(0);
    expect(pool.take('float64', 5000)).toBeInstanceOf(Float64Array);
  });

  it('drops buffers no pass has used for keepPasses passes', () => {
    const pool = new GradBufferPool(2);
    pool.give(pool.take('float32', 100));
    expect(pool.stats().freeBuffers).toBe(1);
    pool.endPass();
    pool.endPass();
    expect(pool.stats().freeBuffers).toBe(1);
    pool.endPass();
    expect(pool.stats().freeBuffers).toBe(0);
  });

  it('repeated backward passes reuse buffers and give bit-identical gradients (no aliasing of live buffers)', () => {
    const rng = new Rng(3);
    const x = randn([64, 48], rng), w1 = randn([48, 40], rng, true), w2 = randn([40, 40], rng, true);
    const grads: Float32Array[][] = [];
    for (let step = 0; step < 4; step++) {
      w1.zeroGrad();
      w2.zeroGrad();
      backward(loss(x, w1, w2));
      grads.push([Float32Array.from(w1.grad!.data), Float32Array.from(w2.grad!.data)]);
      if (step === 1) expect(gradBuffers.stats().freeBuffers).toBeGreaterThan(0);
    }
    for (const g of grads.slice(1)) {
      expect(g[0]).toEqual(grads[0]![0]);
      expect(g[1]).toEqual(grads[0]![1]);
    }
    // The same gradients from a pool that starts empty (every buffer fresh).
    gradBuffers.clear();
    w1.zeroGrad();
    w2.zeroGrad();
    backward(loss(x, w1, w2));
    expect(Float32Array.from(w1.grad!.data)).toEqual(grads[0]![0]);
  });

  it('an intermediate\'s first gradient is written into a recycled buffer that is not zeroed first; a second one is added', () => {
    // mul -> softmax -> reshape -> BCE: each intermediate takes its first gradient from one
    // op's backward (softmax's, the sweep's add for reshape, BCE's), written whole.
    const rng = new Rng(5);
    const x = randn([6, 3], rng, true), y = Tensor.empty([18], 'float32');
    for (let i = 0; i < 18; i++) y.data[i] = rng.int(0, 2);
    const run = (): Float32Array => {
      x.zeroGrad();
      backward(bceWithLogits(reshape(softmax(mul(x, 2), -1), [18]), y));
      return Float32Array.from(x.grad!.data);
    };
    const first = run();
    const be = getBackend(), zero = vi.spyOn(be, 'zero');
    // Recycled buffers left NaN: a backward that read one instead of writing it would show it.
    for (let i = 0; i < 3; i++) gradBuffers.give(gradBuffers.take('float32', 18, false).fill(NaN));
    const again = run();
    const zeroed = zero.mock.calls.filter(([, s, e]) => e - s > 1);
    zero.mockRestore();
    expect(zeroed, 'no pass zeroes a buffer that is then written whole').toEqual([]);
    expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    // An input with two consumers: the first writes, the second adds (h + h's gradient is 2 g).
    const h = mul(x, 1.5);
    x.zeroGrad();
    backward(sum(add(h, h)));
    expect(Array.from(x.grad!.data)).toEqual(Array.from({ length: 18 }, () => 3));
  });

  it('a retained gradient is a copy, not a recycled buffer', () => {
    const rng = new Rng(4);
    const x = randn([70, 70], rng, true);
    const h = tanh(x).retainGrad();
    backward(sum(mul(h, h)));
    const kept = Float32Array.from(h.grad!.data);
    backward(sum(mul(relu(x), 3))); // another pass that reuses the pool's buffers
    expect(Float32Array.from(h.grad!.data)).toEqual(kept);
  });
});

describe('NaN / Inf detection', () => {
  it('names the op, the input and the element for large buffers on the js backend', () => {
    const x = Tensor.empty([100, 100], 'float32');
    x.data.fill(1);
    x.data[4321] = 0;
    x.requiresGrad = true;
    expect(() => backward(sum(log(x)))).toThrow(/gradient of op 'log' with respect to its input 0 \(shape \[100, 100\]\) is not finite \(Infinity at element 4321\)/);
  });

  describe('on the wasm backend (SIMD check of resident buffers)', () => {
    const before = getBackend().name;
    afterAll(() => void setBackend(before));

    it('names the op, the input and the element', () => {
      expect(setBackend('wasm').name).toBe('wasm');
      const x = Tensor.empty([300, 100], 'float32');
      expect(x.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      x.data.fill(2);
      x.data[29_999] = -1;
      x.requiresGrad = true;
      // log(-1) is NaN in forward; its gradient 1/x is finite: the NaN shows in no gradient.
      expect(() => backward(sum(log(x)))).not.toThrow();
      x.data[17_000] = 0;
      x.grad = null;
      expect(() => backward(sum(log(x)))).toThrow(/gradient of op 'log' with respect to its input 0 \(shape \[300, 100\]\) is not finite \(Infinity at element 17000\)/);
    });

    it('a NaN in the middle of a matmul gradient is found', () => {
      setBackend('wasm');
      const rng = new Rng(9);
      const a = randn([128, 64], rng, true), b = randn([64, 96], rng, true);
      const y = matmul(a, b);
      const up = Tensor.empty([128, 96], 'float32');
      up.data.fill(1);
      up.data[5000] = NaN;
      expect(() => backward(y, up)).toThrow(/upstream gradient passed to backward is not finite \(NaN at element 5000\)/);
    });

    it('huge finite values (squares overflow float32) are not reported', () => {
      setBackend('wasm');
      const big = getBackend().alloc('float32', 8192);
      big.fill(3e30);
      expect(allFinite(big)).toBe(true);
      big[8000] = -Infinity;
      expect(allFinite(big)).toBe(false);
      big[8000] = NaN;
      expect(allFinite(big)).toBe(false);
    });
  });
});
