/**
 * mtlkit's public API. Each folder exports its own surface from its index.ts; this file
 * gathers them (one line per folder).
 */
export * from './tensor/index.ts';
export * from './autograd/index.ts';
export * from './nn/index.ts';
export * from './mtl/index.ts';
export * from './data/index.ts';
export * from './metrics/index.ts';
export * from './train/index.ts';
