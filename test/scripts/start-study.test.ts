import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'report', 'fixtures', 'exp-table2');

function study(...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start-study.ts'), ...args], { cwd: root, encoding: 'utf8' });
}

describe('scripts/start-study.ts', () => {
  it('prints, per seed count, the ranking agreement, the interval width and the resolved pairs', () => {
    const out = study(fixture);
    // Two seeds: n = 1 (each seed alone) and n = 2 (all of them, tau 1 by definition).
    expect(out).toMatch(/\| 1 \| 0\.\d\d \(/);
    expect(out).toMatch(/\| 2 \| 1\.00 \(1\.00-1\.00\) \| 0\.0045 \| 14\.0 of 66 \|/);
    expect(out).toMatch(/GradCraft place/);
  });

  it('compares the all-seed rankings of several folders', () => {
    const out = study(fixture, fixture, '--metric', 'av_g');
    expect(out).toMatch(/AV-G: how the all-seed ranking moves between folders/);
    expect(out).toMatch(/\| 1\.00 \| 1\.00 \|/);
  });

  it('refuses a folder that is not table2', () => {
    expect(() => study(join(root, 'test', 'report', 'fixtures', 'exp-multibalance'))).toThrow(/a table2 experiment folder is needed/);
  });
});
