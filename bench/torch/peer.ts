/**
 * Drives PyTorch's side of the race (bench/torch/serve.py) as a child process: one JSON
 * command per line on its stdin, one JSON answer per line on its stdout. The two processes
 * take turns (we wait for each answer), so a step of one side never overlaps the other's.
 *
 * PyTorch is not a dependency of mtlkit: `probeTorch` says whether it imports and, if not, the
 * exact command that installs the CPU wheel the machine image carries.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVE = join(dirname(fileURLToPath(import.meta.url)), 'serve.py');

/** The Python that runs PyTorch's side: --python, else MTLKIT_TORCH_PYTHON, else python3. */
export function defaultPython(): string {
  return process.env.MTLKIT_TORCH_PYTHON || 'python3';
}

export type TorchProbe = { ok: true; version: string; python: string } | { ok: false; message: string; python: string };

/** The wheel directory pip's find-links setting names, if any (read from `pip config list`). */
function findLinks(python: string): string | null {
  // The given Python's pip first; a Python that does not run still leaves the system's pip.
  for (const [cmd, pre] of [[python, ['-m', 'pip']], ['pip', []], ['python3', ['-m', 'pip']]] as const) {
    const r = spawnSync(cmd, [...pre, 'config', 'list'], { encoding: 'utf8', timeout: 30_000 });
    const m = /find-links='([^']+)'/.exec(r.stdout ?? '');
    if (m) return m[1]!.split(/\s+/)[0]!;
  }
  return null;
}

/** The install line; `runs`: whether `python` itself starts (else the plain `pip`). */
export function installCommand(python: string, runs = true): string {
  const dir = findLinks(python);
  return `${runs ? `${python} -m pip` : 'pip'} install --no-deps ${dir ?? '<the directory of pip\'s find-links setting, see `pip config list`>'}/torch-*.whl`;
}

export function probeTorch(python = defaultPython()): TorchProbe {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) return { ok: true, version: r.stdout.trim(), python };
  const why = r.error ? `${python} did not run (${r.error.message})` : `\`import torch\` failed in ${python}: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? ''}`;
  return {
    ok: false, python,
    message: `compare-torch: skipped, PyTorch is not available (${why}). PyTorch is not a dependency of mtlkit; ` +
      `install the CPU wheel offline with: ${installCommand(python, !r.error)}  (its other requirements are already present), ` +
      `then check with: ${r.error ? 'python3' : python} -c "import torch"`,
  };
}

type Answer = Record<string, unknown>;

export class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((a: Answer) => void)[] = [];
  private readonly early: Answer[] = [];
  private stderr = '';
  private exited: string | null = null;

  private constructor(python: string) {
    this.child = spawn(python, [SERVE], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let a: Answer;
      try {
        a = JSON.parse(line) as Answer;
      } catch {
        a = { error: `not JSON from serve.py: ${line.slice(0, 200)}` };
      }
      const w = this.waiting.shift();
      if (w) w(a);
      else this.early.push(a);
    });
    this.child.stderr.on('data', (d: Buffer) => void (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.child.on('exit', (code, sig) => {
      this.exited = `exited with ${code ?? sig}`;
      for (const w of this.waiting.splice(0)) w({ error: `serve.py ${this.exited}: ${this.stderr.slice(-800)}` });
    });
  }

  /** Starts serve.py and waits for its ready line (torch version, default threads). */
  static async start(python = defaultPython()): Promise<{ peer: TorchPeer; version: string }> {
    const peer = new TorchPeer(python);
    const hello = await peer.next();
    if (hello.error) throw new Error(String(hello.error));
    return { peer, version: String(hello.torch) };
  }

  private next(): Promise<Answer> {
    const a = this.early.shift();
    if (a) return Promise.resolve(a);
    if (this.exited) return Promise.resolve({ error: `serve.py ${this.exited}: ${this.stderr.slice(-800)}` });
    return new Promise((r) => this.waiting.push(r));
  }

  /** Sends one command and returns its answer; an answer with `error` throws. */
  /** The serving process's id (for /proc readings of what it runs while we step), or null once it has none. */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  async send(cmd: Record<string, unknown>): Promise<Answer> {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const a = await this.next();
    if (a.error) throw new Error(`torch side, ${String(cmd.cmd)}: ${String(a.error)}`);
    return a;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.child.stdin.end();
    await gone;
  }
}
