/** How mtlkit starts its own scripts: through tsx from the sources (the packed build: test/package). */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILT, scriptArgv } from '../../src/sweep/entry.ts';

describe('scriptArgv', () => {
  it('runs a sibling .ts script through the tsx loader that mtlkit itself resolves', () => {
    expect(BUILT).toBe(false);
    const argv = scriptArgv('../experiments/worker.ts', new URL('../../src/sweep/entry.ts', import.meta.url));
    expect(argv.slice(0, 2)).toEqual([process.execPath, '--import']);
    // Under vitest import.meta.resolve is missing, and the bare name resolves from the cwd.
    expect(argv[2]).toMatch(/^(tsx|file:.*\/node_modules\/tsx\/.*)$/);
    expect(argv[3]).toMatch(/\/src\/experiments\/worker\.ts$/);
    expect(existsSync(argv[3]!)).toBe(true);
  });
});
