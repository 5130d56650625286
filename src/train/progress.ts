/**
 * Progress of a training run, on stderr (stdout stays free for `--json`'s last line):
 * - on a terminal, a cli-progress bar with ETA (over the epoch limit: early stopping can only
 *   make it shorter), the epoch, running per-task losses and the last validation AUC;
 * - otherwise (CI, logs), one plain line per epoch;
 * - `quiet`: nothing.
 */
import cliProgress from 'cli-progress';

export interface EpochLine {
  epoch: number;
  epochs: number;
  trainLoss: number[];
  validMeanAuc: number | null;
  bestEpoch: number;
  bestScore: number | null;
  improved: boolean;
  seconds: number;
  samplesPerS: number;
}

export interface Progress {
  start(info: { label: string; epochs: number; stepsPerEpoch: number; startEpoch: number; tasks: readonly string[] }): void;
  /** After each training step: the step within the run and this step's losses. */
  step(done: number, losses: ArrayLike<number>): void;
  epoch(e: EpochLine): void;
  /** A line of its own (restored weights, resume). */
  note(msg: string): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, step() {}, epoch() {}, note() {}, stop() {} };

const f4 = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(4));

/** The plain one-line-per-epoch progress (non-TTY). */
export function lineProgress(write: (s: string) => void = (s) => process.stderr.write(s)): Progress {
  let tasks: readonly string[] = [], label = '';
  return {
    start(i) {
      tasks = i.tasks;
      label = i.label;
      write(`${label}: ${i.epochs} epochs max, ${i.stepsPerEpoch} steps per epoch${i.startEpoch > 0 ? `, resuming after epoch ${i.startEpoch}` : ''}\n`);
    },
    step() {},
    epoch(e) {
      const loss = tasks.map((t, k) => `${t} ${f4(e.trainLoss[k] ?? null)}`).join(' ');
      write(
        `${label} epoch ${e.epoch}/${e.epochs}  loss ${loss}  valid AUC ${f4(e.validMeanAuc)}${e.improved ? ' *' : ''}` +
          `  (best ${f4(e.bestScore)} @${e.bestEpoch})  ${e.seconds.toFixed(1)} s  ${Math.round(e.samplesPerS)} samples/s\n`,
      );
    },
    note(msg) {
      write(`${label}: ${msg}\n`);
    },
    stop() {},
  };
}

/** The terminal bar. */
export function barProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let tasks: readonly string[] = [], label = '', spe = 1, ema: number[] = [], valid = '-', epochs = 0, total = 0, at = 0;
  const losses = (): string => tasks.map((t, k) => `${t} ${(ema[k] ?? NaN).toFixed(3)}`).join(' ');
  return {
    start(i) {
      tasks = i.tasks;
      label = i.label;
      spe = i.stepsPerEpoch;
      epochs = i.epochs;
      ema = [];
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} |{bar}| {percentage}% | epoch {ep}/${epochs} | ETA {eta_formatted} | loss {losses} | valid AUC {valid}`,
          hideCursor: true,
          etaBuffer: Math.max(10, spe),
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      total = i.epochs * spe;
      at = i.startEpoch * spe;
      bar.start(total, at, { ep: i.startEpoch + 1, losses: '', valid });
    },
    step(done, l) {
      for (let k = 0; k < l.length; k++) ema[k] = ema[k] === undefined ? l[k]! : 0.9 * ema[k]! + 0.1 * l[k]!;
      at = done;
      bar?.update(done, { ep: Math.min(epochs, Math.floor(done / spe) + 1), losses: losses() });
    },
    epoch(e) {
      valid = `${f4(e.validMeanAuc)} (best ${f4(e.bestScore)} @${e.bestEpoch})`;
      at = e.epoch * spe;
      bar?.update(at, { ep: Math.min(epochs, e.epoch + 1), losses: losses(), valid });
    },
    note(msg) {
      // A line of its own above the bar: stop the bar (it ends its line), write, and start it
      // again where it was, so the steps after a note still show.
      if (!bar) {
        stream.write(`${label}: ${msg}\n`);
        return;
      }
      bar.stop();
      stream.write(`${label}: ${msg}\n`);
      bar.start(total, at, { ep: Math.min(epochs, Math.floor(at / spe) + 1), losses: losses(), valid });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** Bar on a TTY, lines otherwise, nothing when quiet. */
export function autoProgress(opts: { quiet?: boolean } = {}): Progress {
  if (opts.quiet) return silentProgress;
  return process.stderr.isTTY ? barProgress(process.stderr) : lineProgress();
}
