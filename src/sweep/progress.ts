/**
 * The sweep's progress display on stderr: a live bar (done / running / failed, ETA) on a terminal,
 * one plain line per finished trial otherwise (CI, logs). stdout stays free for `--json`.
 */
import cliProgress from 'cli-progress';

export interface ProgressCounts {
  done: number;
  running: number;
  failed: number;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Live bar when true; defaults to whether the stream is a terminal. */
  tty?: boolean;
  quiet?: boolean;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly quiet: boolean;
  private readonly multi?: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;
  private readonly startedAt = Date.now();
  private last: ProgressCounts = { done: 0, running: 0, failed: 0 };

  /** `total` counts the trials this run will execute (skipped ones are already finished). */
  constructor(private readonly total: number, opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.quiet = opts.quiet ?? false;
    const tty = opts.tty ?? Boolean(this.stream.isTTY);
    if (!this.quiet && tty && total > 0) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: this.stream,
          format: 'sweep |{bar}| {value}/{total} finished | {done} done, {running} running, {failed} failed | ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(total, 0, { done: 0, running: 0, failed: 0 });
    }
  }

  update(c: ProgressCounts): void {
    const finishedChanged = c.done + c.failed !== this.last.done + this.last.failed;
    this.last = { ...c };
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(c.done + c.failed, { ...c });
      return;
    }
    if (finishedChanged) this.stream.write(`sweep: ${this.line(c)}\n`);
  }

  /** A message above the bar (or a plain line). */
  log(message: string): void {
    if (this.quiet) return;
    if (this.multi) this.multi.log(message + '\n');
    else this.stream.write(message + '\n');
  }

  stop(): void {
    if (this.multi) this.multi.stop();
  }

  private line(c: ProgressCounts): string {
    const finished = c.done + c.failed;
    let eta = '';
    if (finished > 0 && finished < this.total) {
      const perTrial = (Date.now() - this.startedAt) / finished;
      eta = `, ETA ${formatDuration(perTrial * (this.total - finished))}`;
    }
    return `${finished}/${this.total} finished (${c.done} done, ${c.running} running, ${c.failed} failed${eta})`;
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
