/**
 * mtlkit's public API for Node: the platform-neutral core (./core.ts) with the Node host
 * installed, plus the parts that need Node (CSV files, the trainer and its run folders).
 * Each folder exports its own surface from its index.ts.
 */
export { nodeHost } from './platform/install-node.ts';
export * from './core.ts';
export * from './data/index.ts';
export * from './train/index.ts';
