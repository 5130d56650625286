/**
 * The page's side of the training Worker: starts one Worker per run (a new run gets a fresh
 * engine), sends the panel's requests and hands the Worker's messages to `onMessage`.
 */
import type { RunConfig } from '../worker/config.ts';
import type { Engine, FromWorker, ToWorker } from '../worker/protocol.ts';

export class TrainingClient {
  private worker: Worker | null = null;

  constructor(private readonly workerUrl: string, private readonly onMessage: (m: FromWorker) => void) {}

  get active(): boolean {
    return this.worker !== null;
  }

  start(config: RunConfig, engine: Engine, assetsBase: string, threads: number): void {
    this.stop();
    const w = new Worker(this.workerUrl, { type: 'module', name: 'mtlkit training' });
    w.addEventListener('message', (e: MessageEvent<FromWorker>) => this.onMessage(e.data));
    w.addEventListener('error', (e) => this.onMessage({ type: 'error', name: 'WorkerError', message: `the training Worker failed: ${e.message || 'its script did not load'}` }));
    this.worker = w;
    this.send({ type: 'start', config, engine, assetsBase, threads });
  }

  send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  /** Ends the run and its Worker (and the kernel threads it started). */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}
