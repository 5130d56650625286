/** Whether ops record the graph. `noGrad` turns recording off for evaluation and updates. */
let disabledDepth = 0;

export function isGradEnabled(): boolean {
  return disabledDepth === 0;
}

/** Run `fn` without recording a graph (nested calls fine; restored even if `fn` throws). */
export function noGrad<T>(fn: () => T): T {
  disabledDepth++;
  try {
    return fn();
  } finally {
    disabledDepth--;
  }
}
