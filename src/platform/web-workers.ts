import type { HostWorker, WorkerRole } from './host.ts';

/**
 * Browser Workers for mtlkit's worker scripts, started ahead of use.
 *
 * The engine starts its threads synchronously and then blocks in Atomics.wait until they have
 * loaded. A browser does not load a Worker while the thread that created it is blocked (the
 * start needs that thread's event loop), so the web host starts them in `initBackend`'s
 * asynchronous preparation and waits there for each to say it has loaded; `take` then hands
 * one out and sends its start data. Messages go through a MessageChannel given to the Worker
 * at its start: Chromium holds back a Worker's own postMessage while the posting thread is
 * blocked in Atomics.wait (which the engine is, right after), but delivers a port's.
 */
export type WorkerSource = string | URL | Blob;

// The few members of the DOM's Worker and MessageChannel used here (the project compiles
// without the DOM types).
interface Port {
  postMessage(message: unknown): void;
  close(): void;
}
interface WebWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
  addEventListener(type: 'error', fn: (e: { message?: string }) => void, opts: { once: boolean }): void;
  removeEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
}
type WorkerCtor = new (url: string, opts: { type: 'module'; name: string }) => WebWorker;

/** The browser's Worker constructor, or undefined where there is none. */
export function webWorkerCtor(): WorkerCtor | undefined {
  const g = globalThis as { Worker?: WorkerCtor; MessageChannel?: unknown };
  return g.MessageChannel ? g.Worker : undefined;
}

type Started = { worker: WebWorker; port: Port };

export class WorkerReserve {
  private readonly ready = new Map<WorkerRole, Started[]>();
  private readonly failures = new Map<WorkerRole, string>();
  private readonly given = new Map<WorkerRole, number>();

  constructor(private readonly source: (role: WorkerRole) => WorkerSource) {}

  /**
   * Starts Workers until `count` of `role` have been loaded in all (handed out or waiting):
   * the backends are process-wide, so a second `initBackend` starts none. A failure is kept
   * for `take` to report, not thrown.
   */
  async fill(role: WorkerRole, count: number): Promise<void> {
    const have = this.ready.get(role) ?? [];
    this.ready.set(role, have);
    const starting: Promise<Started>[] = [];
    for (let i = have.length + (this.given.get(role) ?? 0); i < count; i++) starting.push(this.launch(role));
    for (const r of await Promise.allSettled(starting)) {
      if (r.status === 'fulfilled') have.push(r.value);
      else this.failures.set(role, r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
  }

  /** A loaded Worker of `role`, now sent `data`; throws when none was started ahead. */
  take(role: WorkerRole, data: Record<string, unknown>): HostWorker {
    const w = this.ready.get(role)?.pop();
    if (!w) {
      const why = this.failures.get(role);
      throw new Error(why ? `a ${role} Worker failed to load: ${why}`
        : `no ${role} Worker was started ahead: await initBackend(...) before the engine needs its threads`);
    }
    this.given.set(role, (this.given.get(role) ?? 0) + 1);
    w.port.postMessage(data);
    return {
      post: (m) => w.port.postMessage(m),
      terminate: () => { w.port.close(); w.worker.terminate(); },
    };
  }

  private launch(role: WorkerRole): Promise<Started> {
    const src = this.source(role);
    // A Blob must hold a self-contained script: relative imports do not resolve from blob: URLs.
    const url = src instanceof Blob ? URL.createObjectURL(src) : String(src);
    const Ctor = webWorkerCtor();
    return new Promise((resolve, reject) => {
      if (!Ctor) {
        reject(new Error('this runtime has no Worker'));
        return;
      }
      let w: WebWorker;
      try {
        w = new Ctor(url, { type: 'module', name: `mtlkit ${role}` });
      } catch (e) {
        reject(e);
        return;
      }
      const channel = new (globalThis as unknown as { MessageChannel: new () => { port1: Port; port2: Port } }).MessageChannel();
      const onMessage = (e: { data: unknown }): void => {
        if (e.data !== 'mtlkit:loaded') return;
        w.removeEventListener('message', onMessage);
        resolve({ worker: w, port: channel.port1 });
      };
      w.addEventListener('message', onMessage);
      w.postMessage(channel.port2, [channel.port2]);
      w.addEventListener('error', (e) => {
        w.terminate();
        reject(new Error(`${url}: ${e.message || 'the script did not load'}`));
      }, { once: true });
    });
  }
}

/** Whether this thread may block in Atomics.wait (a Worker may; a page's main thread may not). */
export function threadCanBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
