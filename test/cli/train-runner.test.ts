/** The CLI's default sweep trial command (the sweep layer itself names no CLI script). */
import { describe, expect, it } from 'vitest';
import { trainCommand, trainerRunner } from '../../src/cli/train-runner.ts';

describe('trainCommand', () => {
  it('gives the trainer as the default trial runner', () => {
    const argv = trainCommand();
    expect(argv.at(-2)).toMatch(/\/src\/cli\/main\.ts$/);
    expect(argv.at(-1)).toBe('train');
    expect(trainerRunner().slice(-2)).toEqual(['--out', '{trialDir}/run']);
  });
});
