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
    toThrow(type: new (...args: never[]) => Error) {
      try {
        (actual as () => unknown)();
      } catch (e) {
        if (!(e instanceof type)) fail(`threw ${String(e)}, not a ${type.name}`);
        return;
      }
      fail(`did not throw (a ${type.name} expected)`);
    },
  };
}

expect.fail = (message: string): never => { throw new ExpectationError(message); };
