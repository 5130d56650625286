/**
 * The Training panel's Web Worker: the engine runs here, off the page's thread, so the page
 * stays responsive while it trains, and wasm threads may block (Atomics.wait is refused on a
 * page's main thread). The run goes a slice of steps at a time and yields between slices, so
 * pause, resume, a balancer change or a download request is handled at the next step boundary.
 */
import { createWebHost, initBackend, getBackend, useHost } from '../../../src/core.ts';
import { CENSUS } from './census.ts';
import { checkRunConfig, type RunConfig } from './config.ts';
import { loadCsvData } from './csv.ts';
import { loadRunData } from './data.ts';
import type { Engine, FromWorker, StepPoint, ToWorker } from './protocol.ts';
import { runFolderFiles, runFolderName } from './run-folder.ts';
import { TrainingSession } from './session.ts';
import { zipFolder } from './zip.ts';

const scope = globalThis as unknown as {
  addEventListener(type: 'message', fn: (e: { data: ToWorker }) => void): void;
  postMessage(m: FromWorker, transfer?: ArrayBuffer[]): void;
};
const send = (m: FromWorker, transfer?: ArrayBuffer[]): void => scope.postMessage(m, transfer);

/** Steps between two looks at the message queue are bounded by time, not count. */
const SLICE_SECONDS = 0.05;

let session: TrainingSession | null = null;
let running = false;
let looping = false;
let trainSeconds = 0;
let schema: unknown = null;

function fail(e: unknown): void {
  running = false;
  const err = e instanceof Error ? e : new Error(String(e));
  send({ type: 'error', name: err.name, message: err.message });
}

function state(why: string): void {
  if (session) send({ type: 'state', running, step: session.step, method: session.method, mode: session.mode, why });
}

async function setup(engine: Engine, assetsBase: string, threads: number): Promise<string> {
  const env: Record<string, string> = { MTLKIT_THREADS: String(threads) };
  if (engine === 'gpu') env.MTLKIT_GPU_MODE = 'webgpu';
  useHost(createWebHost({
    env, kernelsUrl: `${assetsBase}kernels/`, gpuJsUrl: `${assetsBase}gpu.js`,
    workerUrls: { 'wasm-kernels': `${assetsBase}tensor/wasm/worker.mjs`, 'gpu-bridge': `${assetsBase}tensor/gpu/worker.mjs` },
  }));
  await initBackend(engine);
  return getBackend().describe();
}

async function start(config: RunConfig, engine: Engine, assetsBase: string, threads: number): Promise<void> {
  checkRunConfig(config);
  const described = await setup(engine, assetsBase, threads);
  const splits = await loadRunData(config.data, async (d) => {
    const loaded = await loadCsvData(d.kind === 'census' ? CENSUS : d);
    schema = loaded.schema;
    return loaded.dataset;
  });
  session = new TrainingSession(config, splits);
  send({ type: 'ready', engine: described, tasks: session.tasks, stepsPerEpoch: session.stepsPerEpoch, trainRows: splits.train.rows, method: session.method, mode: session.mode });
  running = true;
  state('started');
  void loop();
}

function point(r: ReturnType<TrainingSession['next']>['step']): StepPoint {
  const p: StepPoint = { step: r.step, losses: r.losses };
  const d = r.diagnostics;
  if (d) {
    p.normsBefore = d.normsBefore;
    p.normsAfter = d.normsAfter ?? undefined;
    p.cosine = d.cosine;
    p.weights = d.taskWeights ?? d.weights;
  }
  return p;
}

async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (running && session) {
      const s = session;
      const t0 = performance.now() / 1000;
      const points: StepPoint[] = [];
      do {
        const { step, epoch } = s.next();
        points.push(point(step));
        if (epoch) send({ type: 'epoch', record: epoch });
        if (s.step % s.config.evalEvery === 0) {
          send({ type: 'steps', points: points.splice(0) });
          const { report } = s.evaluate();
          send({ type: 'eval', step: report.step, auc: report.auc, meanAuc: report.meanAuc });
        }
        if (s.config.maxSteps > 0 && s.step >= s.config.maxSteps) running = false;
      } while (running && performance.now() / 1000 - t0 < SLICE_SECONDS);
      trainSeconds += performance.now() / 1000 - t0;
      if (points.length) send({ type: 'steps', points });
      // Let queued messages (pause, a balancer change, a download) in before the next slice.
      await new Promise((r) => setTimeout(r, 0));
    }
  } catch (e) {
    fail(e);
    return;
  } finally {
    looping = false;
  }
  // Stopped between slices, by a pause or by the step limit: say which.
  const s = session;
  if (s) state(s.config.maxSteps > 0 && s.step >= s.config.maxSteps ? `reached ${s.config.maxSteps} steps` : 'paused');
}

scope.addEventListener('message', (e) => {
  const m = e.data;
  try {
    switch (m.type) {
      case 'start':
        if (session) throw new Error('this Worker already runs a session; the panel starts a new Worker for a new run');
        start(m.config, m.engine, m.assetsBase, m.threads).catch(fail);
        break;
      case 'pause':
        running = false;
        break;
      case 'resume':
        if (!session) throw new Error('no run to resume: start one first');
        if (session.config.maxSteps > 0 && session.step >= session.config.maxSteps) session.config.maxSteps = 0;
        running = true;
        state('resumed');
        void loop();
        break;
      case 'balancer':
        if (!session) throw new Error('no run: start one first');
        session.use(m.method, m.mode);
        state(`balancer ${m.method} (${m.mode}) from step ${session.step}`);
        break;
      case 'download': {
        if (!session) throw new Error('no run to download: start one first');
        const bytes = zipFolder(runFolderName(session), runFolderFiles(session, trainSeconds, schema));
        const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        send({ type: 'zip', name: `${runFolderName(session)}.zip`, bytes: buf }, [buf]);
        break;
      }
    }
  } catch (err) {
    fail(err);
  }
});
