/**
 * mtlkit's public API. Each folder exports its own surface from its index.ts; this file
 * gathers them (one line per folder).
 */
export * from './tensor/index.ts';
export * from './autograd/index.ts';
