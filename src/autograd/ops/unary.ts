import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';
import { unaryKernel } from './util.ts';

/**
 * Elementwise functions. Forward runs the backend's kernel; backward is one fused loop that
 * accumulates straight into the input's gradient buffer (same shape, so no reduction).
 */

/** e^x; d/dx = e^x = y. */
export function exp(x: Tensor): Tensor {
  const y = unaryKernel('exp', x);
  return record('exp', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] * y.data[i];
  });
}

/** ln x; d/dx = 1/x. */
export function log(x: Tensor): Tensor {
  const y = unaryKernel('log', x);
  return record('log', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] / x.data[i];
  });
}

/** sqrt x; d/dx = 1 / (2 sqrt x). */
export function sqrt(x: Tensor): Tensor {
  const y = unaryKernel('sqrt', x);
  return record('sqrt', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] / (2 * y.data[i]);
  });
}

/** |x|; d/dx = sign x (0 at 0, the subgradient PyTorch uses). */
export function abs(x: Tensor): Tensor {
  const y = unaryKernel('abs', x);
  return record('abs', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] * Math.sign(x.data[i]);
  });
}

/** 1 / (1 + e^-x); d/dx = y (1 - y). */
export function sigmoid(x: Tensor): Tensor {
  const y = unaryKernel('sigmoid', x);
  return record('sigmoid', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] * y.data[i] * (1 - y.data[i]);
  });
}

/** max(x, 0); d/dx = [x > 0]. */
export function relu(x: Tensor): Tensor {
  const y = unaryKernel('relu', x);
  return record('relu', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) if (x.data[i] > 0) dx[i] += g.data[i];
  });
}

/** x if x > 0 else slope x; d/dx = 1 or slope. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  const y = Tensor.empty(x.shape, x.dtype);
  for (let i = 0; i < y.size; i++) {
    const v = x.data[i];
    y.data[i] = v > 0 ? v : slope * v;
  }
  return record('leakyRelu', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += x.data[i] > 0 ? g.data[i] : slope * g.data[i];
  });
}

/** tanh x; d/dx = 1 - y^2. */
export function tanh(x: Tensor): Tensor {
  const y = unaryKernel('tanh', x);
  return record('tanh', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] * (1 - y.data[i] * y.data[i]);
  });
}
