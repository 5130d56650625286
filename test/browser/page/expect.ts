/**
 * The part of vitest's `expect` that test/tensor/backends/harness.ts uses, for the browser
 * bundle (vitest itself does not run in a page): the bundler maps 'vitest' here, so the page
 * runs the very property definitions the Node suite runs.
 */
class ExpectationError extends Error {
  override name = 'ExpectationError';
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

export function expect(actual: unknown, message = '') {
  const fail = (what: string): never => { throw new ExpectationError(`${message ? message + ': ' : ''}${what}`); };
  return {
    toBe(want: unknown) { if (!Object.is(actual, want)) fail(`${show(actual)} is not ${show(want)}`); },
    toEqual(want: unknown) { if (show(actual) !== show(want)) fail(`${show(actual)} does not equal ${show(want)}`); },
    toBeLessThanOrEqual(bound: number) { if (!((actual as number) <= bound)) fail(`${show(actual)} > ${bound}`); },
    toThrow(want: (new (...args: never[]) => Error) | RegExp) {
      const what = want instanceof RegExp ? `an error matching ${String(want)}` : `a ${want.name}`;
      try {
        (actual as () => unknown)();
      } catch (e) {
        const ok = want instanceof RegExp ? want.test(e instanceof Error ? e.message : String(e)) : e instanceof want;
        if (!ok) fail(`threw ${String(e)}, not ${what}`);
        return;
      }
      fail(`did not throw (${what} expected)`);
    },
  };
}

expect.fail = (message: string): never => { throw new ExpectationError(message); };
