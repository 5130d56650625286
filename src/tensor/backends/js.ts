import type { Backend, DType, Storage } from '../backend.ts';
import {
  adamRunSetsVia, adamRunsJs, adamRunThen, biasReluJs, claimSlotsJs, binaryJs, dropoutMaskJs, gatherAtJs, mixtureBackwardJs, linearBackwardVia, linearForwardPairVia, linearForwardVia, linearStackForwardVia, linearReluBackwardPairVia, linearReluBackwardVia, matmulCheckedVia, mixtureJs, mulAddJs, reluGradColumnSumsJs, scatterAddAtJs, scatterAtJs, unaryJs, zeroJs,
} from './elementwise-js.ts';
import { matmulJs } from './matmul-js.ts';
import { dotJs, gatherRowsJs, gramJs, maxAxisJs, scatterAddRowsJs, sumAxisJs } from './reduce-js.ts';

/**
 * The reference backend: plain TypeScript loops over ordinary typed arrays. Every other
 * backend is tested against it, and inherits from it whatever it does not speed up
 * (spread `createJsBackend()` and override the kernels you have).
 */
export function createJsBackend(): Backend {
  const twin = {
    matmul: matmulJs, biasRelu: biasReluJs, dot: dotJs, fastFiniteCheck: false, reluGradColumnSums: reluGradColumnSumsJs,
    matmulChecked: (a: Storage, b: Storage, c: Storage, m: number, k: number, n: number, ta: boolean, tb: boolean, acc: boolean) =>
      matmulCheckedVia(twin, a, b, c, m, k, n, ta, tb, acc),
  };
  const own: Pick<Backend, 'linearForward' | 'linearForwardPair' | 'linearReluBackward'> = {
    linearForward: (x, w, b, y, rows, k, n, relu) => linearForwardVia(twin, x, w, b, y, rows, k, n, relu),
    linearForwardPair: (first, second, meanwhile) => linearForwardPairVia(own, first, second, meanwhile),
    linearReluBackward: (x, w, y, g, gz, dw, dx, db, rows, k, n, acc) => linearReluBackwardVia(twin, x, w, y, g, gz, dw, dx, db, rows, k, n, acc),
  };
  return {
    name: 'js',
    alloc(dtype: DType, n: number): Storage {
      return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    },
    describe: () => 'js: plain TypeScript loops, single thread (the reference backend)',
    resident: () => false,
    fastFiniteCheck: false,
    rowSumByMatmul: () => false,
    threads: 1,
    maxThreads: 1,
    setThreads: () => {},
    matmul: matmulJs,
    matmulChecked: twin.matmulChecked,
    sumAxis: sumAxisJs,
    maxAxis: maxAxisJs,
    gram: gramJs,
    dot: dotJs,
    unary: unaryJs,
    binary: binaryJs,
    gatherRows: gatherRowsJs,
    scatterAddRows: scatterAddRowsJs,
    gatherAt: gatherAtJs,
    scatterAddAt: scatterAddAtJs,
    scatterAt: scatterAtJs,
    claimSlots: claimSlotsJs,
    reluGradColumnSums: reluGradColumnSumsJs,
    biasRelu: biasReluJs,
    linearForward: own.linearForward,
    linearForwardPair: own.linearForwardPair,
    linearStackForward: (first, second, meanwhile) => linearStackForwardVia(own, first, second, meanwhile),
    linearBackward: (x, w, g, dw, dx, rows, k, n, acc) => linearBackwardVia(twin, x, w, g, dw, dx, rows, k, n, acc),
    linearReluBackward: own.linearReluBackward,
    linearReluBackwardPair: (first, second) => linearReluBackwardPairVia(own, first, second),
    adamRuns: adamRunsJs,
    adamRunSets: (w, g, sets, h) => adamRunSetsVia({ adamRuns: adamRunsJs }, w, g, sets, h),
    adamRunAlongside: (w, g, m, v, at, sAt, width, h, meanwhile) => adamRunThen({ adamRuns: adamRunsJs }, w, g, m, v, at, sAt, width, h, meanwhile),
    mixture: mixtureJs,
    mixtureBackward: mixtureBackwardJs,
    dropoutMask: dropoutMaskJs,
    mulAdd: mulAddJs,
    zero: zeroJs,
  };
}
