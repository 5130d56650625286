import { describe, expect, it } from 'vitest';
import { autoProgress, barProgress, lineProgress, silentProgress, type EpochLine } from '../../src/train/progress.ts';

/** A terminal as cli-progress sees it: isTTY, a width, cursor calls; output captured. */
function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = {
    isTTY: true, columns: 200,
    write(s: string) { out += s; return true; },
    cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; },
    on() { return stream; }, removeListener() { return stream; },
  };
  // Drop ANSI control sequences so the test reads what a person sees.
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => out.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '') };
}

const epochLine = (epoch: number): EpochLine => ({
  epoch, epochs: 2, trainLoss: [0.5, 0.6], validMeanAuc: 0.7, bestEpoch: 1, bestScore: 0.7, improved: true, seconds: 1.5, samplesPerS: 1234,
});
const info = { label: 'run', epochs: 2, stepsPerEpoch: 4, startEpoch: 0, tasks: ['ctr', 'like'] };

describe('training progress', () => {
  it('the terminal bar shows percentage, epoch, losses and AUC, and keeps going after a note', () => {
    const { stream, text } = fakeTty();
    const p = barProgress(stream);
    p.start(info);
    for (let i = 1; i <= 4; i++) p.step(i, [0.5, 0.6]);
    p.epoch(epochLine(1));
    p.note('restored best weights');
    for (let i = 5; i <= 8; i++) p.step(i, [0.4, 0.5]);
    p.stop();
    const t = text();
    expect(t).toMatch(/run \|[░]+\| 0% \| epoch 1\/2/);
    expect(t).toContain('run: restored best weights\n');
    const after = t.slice(t.indexOf('restored best weights'));
    // The bar is back after the note and reaches the end with the later steps' losses.
    expect(after).toMatch(/100% \| epoch 2\/2 \| ETA \S+ \| loss ctr 0\.4\d\d like 0\.5\d\d \| valid AUC 0\.7000 \(best 0\.7000 @1\)/);
  });

  it('a resumed run starts its bar at the epochs already done', () => {
    const { stream, text } = fakeTty();
    const p = barProgress(stream);
    p.start({ ...info, startEpoch: 1 });
    p.stop();
    expect(text()).toMatch(/50% \| epoch 2\/2/);
  });

  it('lines (not a terminal) give one line per epoch; quiet gives nothing', () => {
    let out = '';
    const p = lineProgress((s) => (out += s));
    p.start(info);
    p.step(1, [0.5, 0.6]);
    p.epoch(epochLine(1));
    p.note('done');
    expect(out).toBe(
      'run: 2 epochs max, 4 steps per epoch\n' +
        'run epoch 1/2  loss ctr 0.5000 like 0.6000  valid AUC 0.7000 *  (best 0.7000 @1)  1.5 s  1234 samples/s\n' +
        'run: done\n',
    );
    expect(autoProgress({ quiet: true })).toBe(silentProgress);
  });
});
