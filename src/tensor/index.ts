export { Tensor, type NestedArray, type OpNode, type TensorOptions } from './tensor.ts';
export {
  arange, fromArray, full, ones, onesLike, rand, randint, randn, scalar, tensor, zeros, zerosLike,
  type RandomOptions,
} from './create.ts';
export {
  broadcastShapes, broadcastStrides, formatShape, normAxes, normAxis, shapesEqual, sizeOf, splitAt, stridesOf,
  type Shape,
} from './shape.ts';
export { concatAlong, inferShape, reshapeTo, sliceAlong, stackAlong, transposeTo } from './layout.ts';
export { expandInto, reduceInto, sumAxes } from './reduce.ts';
export { Rng } from './rng.ts';
export { allFinite } from './finite.ts';
export type { AdamRunSet, AdamScalars, Backend, BackendName, BinaryOp, Capabilities, DType, KernelName, Kernels, LinearForwardCall, LinearReluBackwardCall, Storage, UnaryOp } from './backend.ts';
export { BINARY_OPS, isFloat64, KERNEL_NAMES, UNARY_OPS } from './backend.ts';
export {
  getBackend, initBackend, registerBackend, registeredBackends, setBackend, type BackendFactory,
} from './backends/registry.ts';
export { createJsBackend } from './backends/js.ts';
