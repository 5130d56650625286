import { describe, expect, it } from 'vitest';
import { KERNEL_SOURCES } from '../../src/platform/wasm-kernels.ts';

describe('the wasm kernels\' sources', () => {
  it('the build script and the Node host agree on what makes a .wasm stale', async () => {
    // @ts-expect-error: a plain-JavaScript build script without type declarations.
    const { SOURCES } = await import('../../scripts/build-wasm.mjs') as { SOURCES: string[] };
    expect(SOURCES).toEqual([...KERNEL_SOURCES]);
  });
});
