/**
 * The gradient of a 2-layer MLP's loss, computed by backward and checked by gradcheck.
 * Run: npx tsx examples/autodiff.ts
 */
import { add, backward, bceWithLogits, gradcheck, matmul, relu } from '../src/autograd/index.ts';
import { Rng, Tensor, randn, rand } from '../src/tensor/index.ts';

const rng = new Rng(42);
const x = randn([8, 5], rng, { dtype: 'float64' }); // a batch of 8 examples, 5 features
const y = rand([8, 1], rng, { dtype: 'float64' }).data.map((v) => (v < 0.5 ? 0 : 1)); // binary labels
const labels = new Tensor(y, [8, 1]);

const w1 = randn([5, 16], rng, { dtype: 'float64', std: 0.5, requiresGrad: true });
const b1 = randn([16], rng, { dtype: 'float64', std: 0.1, requiresGrad: true });
const w2 = randn([16, 1], rng, { dtype: 'float64', std: 0.5, requiresGrad: true });
const b2 = randn([1], rng, { dtype: 'float64', std: 0.1, requiresGrad: true });

const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor =>
  bceWithLogits(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2), labels);

const l = loss(w1, b1, w2, b2);
backward(l);
console.log(`loss = ${l.item().toFixed(6)}`);
console.log(`dL/db2 = ${b2.grad!.data[0].toFixed(6)}`);
console.log(`dL/dw2[0..3] = ${Array.from(w2.grad!.data.subarray(0, 4), (v) => v.toFixed(6)).join(', ')}`);
console.log(`|dL/dw1| = ${Math.hypot(...w1.grad!.data).toFixed(6)}`);

const check = gradcheck(loss, [w1, b1, w2, b2]);
console.log(check.message);
if (!check.ok) process.exit(1);
