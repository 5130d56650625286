/**
 * The Training panel: pick a model, data, a balancer and a mode; train in a Web Worker on the
 * library itself (worker/train-worker.ts: the preset models, BalancedStep, the balancers, the
 * metrics) with wasm kernels (threaded when the page is cross-origin isolated), js or gpu.js;
 * watch per-task loss, validation AUC, gradient norms, the cosine heat map and the task weights
 * as they come; pause, resume, change the balancer mid-run; download the run folder the CLI
 * would write (a zip that `mtlkit report` reads once unpacked).
 *
 * For tests, the returned Panel also has `status()` (what the panel shows, as data) and
 * `dropFiles(files)` (what a drop does).
 */
import { balancerIds, balancers } from '../../../src/core.ts';
import type { MountPanel, Panel } from '../panel.ts';
import { MODELS } from '../worker/config.ts';
import { ENGINES, type FromWorker } from '../worker/protocol.ts';
import { TrainingClient } from './client.ts';
import { el, numberInput, select } from './dom.ts';
import { CsvDrop } from './drop.ts';
import { LiveCharts } from './live-charts.ts';
import { DATA_KINDS, runConfig, settingsFrom, type TrainingSettings } from './settings.ts';
import type { TrainingStatus } from './status.ts';
import { addTrainingStyles } from './style.ts';

export type { TrainingStatus } from './status.ts';


export interface TrainingPanel extends Panel {
  status(): TrainingStatus;
  dropFiles(files: File[]): Promise<void>;
}

export const mountTraining: MountPanel = (root, ctx): TrainingPanel => {
  addTrainingStyles();
  const settings: TrainingSettings = settingsFrom(ctx.state.get());
  const status: TrainingStatus = { phase: 'idle', step: 0, engine: '', method: '', mode: '', meanAuc: null, evalStep: 0, error: '', counts: {} };
  let charts: LiveCharts | null = null;
  let zipUrl = '';

  const ids: string[] = [...balancerIds];
  const summaries = Object.fromEntries(ids.map((id) => [id, (balancers as Record<string, { summary?: string }>)[id]?.summary ?? '']));
  const model = select('model', 'model', MODELS, settings.model);
  const data = select('data', 'data', DATA_KINDS, settings.data, { synthetic: 'the synthetic short-video world (its knobs below)', census: 'UCI Adult census, built in', csv: 'a CSV and its schema, dropped below' });
  const method = select('balancer', 'method', ids, settings.method, summaries);
  const mode = select('mode', 'mode', ['param', 'rep'], settings.mode);
  const engine = select('engine', 'engine', ENGINES, settings.engine, { wasm: 'WebAssembly SIMD kernels (threads when cross-origin isolated)', js: 'plain TypeScript kernels', gpu: 'gpu.js on WebGPU, behind the synchronous bridge' });
  const lr = numberInput('lr', 'lr', settings.lr, { min: 0, step: 'any' });
  const batch = numberInput('batch', 'batchSize', settings.batchSize, { min: 1, step: 1 });
  const steps = numberInput('steps', 'steps', settings.steps, { min: 0, step: 1 });
  const seed = numberInput('seed', 'seed', settings.seed, { min: 0, step: 1 });
  const knobs = {
    rows: numberInput('rows', 'rows', settings.rows, { min: 100, step: 1000 }),
    users: numberInput('users', 'users', settings.users, { min: 1, step: 1 }),
    items: numberInput('items', 'items', settings.items, { min: 1, step: 1 }),
    conflict: numberInput('conflict', 'conflict', settings.conflict, { min: 0, step: 0.1 }),
    noise: numberInput('noise', 'noise', settings.noise, { min: 0, step: 0.1 }),
    dataSeed: numberInput('data seed', 'dataSeed', settings.dataSeed, { min: 0, step: 1 }),
  };
  const drop = new CsvDrop((ready) => {
    if (ready) {
      data.input.value = 'csv';
      readForm();
    }
  });
  const startBtn = el('button', { type: 'button', textContent: 'Start', dataset: { action: 'start' } });
  const pauseBtn = el('button', { type: 'button', textContent: 'Pause', disabled: true, dataset: { action: 'pause' } });
  const applyBtn = el('button', { type: 'button', textContent: 'Use this balancer now', disabled: true, dataset: { action: 'apply' }, title: 'switch the running model to the balancer and mode above from the next step' });
  const downloadBtn = el('button', { type: 'button', textContent: 'Download run folder (.zip)', disabled: true, dataset: { action: 'download' } });
  const statusLine = el('div', { className: 'mtl-status', dataset: { role: 'status' } }, 'Pick a setup and press Start.');
  const errorBox = el('div', { className: 'error', hidden: true, dataset: { role: 'error' } });
  const chartBox = el('div', { className: 'mtl-charts' });
  const synthRow = el('div', { className: 'mtl-row' }, 'synthetic world: ', ...Object.values(knobs).map((k) => k.wrap));

  root.append(
    el('div', { className: 'mtl-row' }, model.wrap, data.wrap, method.wrap, mode.wrap, engine.wrap),
    el('div', { className: 'mtl-row' }, lr.wrap, batch.wrap, steps.wrap, seed.wrap, el('span', { className: 'muted', textContent: ctx.isolated ? 'cross-origin isolated: wasm runs on several threads' : 'not cross-origin isolated: wasm runs on one thread' })),
    synthRow,
    drop.el,
    el('div', { className: 'mtl-row' }, startBtn, pauseBtn, applyBtn, downloadBtn),
    statusLine, errorBox, chartBox,
  );

  function readForm(): void {
    settings.model = model.input.value as TrainingSettings['model'];
    settings.data = data.input.value as TrainingSettings['data'];
    settings.method = method.input.value;
    settings.mode = mode.input.value as TrainingSettings['mode'];
    settings.engine = engine.input.value as TrainingSettings['engine'];
    settings.lr = lr.input.valueAsNumber;
    settings.batchSize = batch.input.valueAsNumber;
    settings.steps = steps.input.valueAsNumber;
    settings.seed = seed.input.valueAsNumber;
    for (const [k, v] of Object.entries(knobs)) (settings as unknown as Record<string, number>)[k] = v.input.valueAsNumber;
    synthRow.hidden = settings.data !== 'synthetic';
    drop.el.hidden = settings.data !== 'csv';
    ctx.state.set({ ...settings });
  }
  root.addEventListener('change', (e) => {
    if ((e.target as HTMLElement).closest('.mtl-drop')) return;
    readForm();
    buttons();
  });
  readForm();

  const show = (text: string): void => {
    statusLine.textContent = text;
  };
  const showError = (message: string): void => {
    status.error = message;
    errorBox.textContent = message;
    errorBox.hidden = message === '';
  };
  function buttons(): void {
    const live = status.phase === 'running' || status.phase === 'paused' || status.phase === 'done';
    pauseBtn.disabled = !live;
    pauseBtn.textContent = status.phase === 'running' ? 'Pause' : 'Resume';
    downloadBtn.disabled = !live || status.step === 0;
    applyBtn.disabled = !live || (settings.method === status.method && settings.mode === status.mode);
    pauseBtn.dataset.action = status.phase === 'running' ? 'pause' : 'resume';
  }
  const describe = (): void => {
    const auc = status.meanAuc === null ? '' : `; validation mean AUC ${status.meanAuc.toFixed(4)} at step ${status.evalStep}`;
    show(`${status.phase} · step ${status.step} · ${status.method} (${status.mode}) · ${status.engine}${auc}`);
  };

  const client = new TrainingClient(new URL('./worker/train-worker.js', location.href).href, (m: FromWorker) => {
    switch (m.type) {
      case 'ready':
        status.engine = m.engine;
        status.method = m.method;
        status.mode = m.mode;
        charts?.destroy();
        charts = new LiveCharts(chartBox, m.tasks);
        show(`training on ${m.trainRows} rows (${m.stepsPerEpoch} steps per pass) · ${m.engine}`);
        break;
      case 'steps':
        charts?.steps(m.points);
        status.step = m.points[m.points.length - 1]!.step + 1;
        describe();
        break;
      case 'eval':
        charts?.evaluation(m.step, m.auc, m.meanAuc);
        status.meanAuc = m.meanAuc;
        status.evalStep = m.step;
        describe();
        break;
      case 'epoch':
        break;
      case 'state':
        if (m.method !== status.method || m.mode !== status.mode) charts?.mark(m.step, `${m.method} (${m.mode})`);
        status.phase = m.running ? 'running' : /steps$/.test(m.why) ? 'done' : 'paused';
        status.step = m.step;
        status.method = m.method;
        status.mode = m.mode;
        describe();
        buttons();
        break;
      case 'zip': {
        URL.revokeObjectURL(zipUrl);
        zipUrl = URL.createObjectURL(new Blob([m.bytes], { type: 'application/zip' }));
        const a = el('a', { href: zipUrl, download: m.name });
        a.click();
        downloadBtn.dataset.bytes = String(m.bytes.byteLength);
        downloadBtn.dataset.name = m.name;
        break;
      }
      case 'error':
        status.phase = 'error';
        showError(m.message);
        show(`stopped: ${m.name}`);
        buttons();
        break;
    }
  });

  startBtn.addEventListener('click', () => {
    readForm();
    showError('');
    let config;
    try {
      config = runConfig(settings, drop.data());
    } catch (e) {
      showError((e as Error).message);
      return;
    }
    charts?.destroy();
    charts = null;
    Object.assign(status, { phase: 'starting', step: 0, meanAuc: null, evalStep: 0, method: settings.method, mode: settings.mode });
    show('starting the Worker and the engine...');
    buttons();
    const threads = ctx.isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    client.start(config, settings.engine, ctx.assetsBase, threads);
  });
  pauseBtn.addEventListener('click', () => {
    const pausing = status.phase === 'running';
    client.send({ type: pausing ? 'pause' : 'resume' });
    // Said at once; the Worker confirms at its next step boundary.
    pauseBtn.textContent = pausing ? 'Pausing...' : 'Resuming...';
  });
  applyBtn.addEventListener('click', () => client.send({ type: 'balancer', method: settings.method, mode: settings.mode }));
  downloadBtn.addEventListener('click', () => client.send({ type: 'download' }));

  return {
    title: 'Training',
    hide() {
      if (charts) charts.visible = false;
    },
    show() {
      if (charts) {
        charts.visible = true;
        charts.flushNow();
      }
    },
    status: () => ({ ...status, counts: charts?.counts() ?? {} }),
    dropFiles: (files) => drop.take(files),
  };
};
