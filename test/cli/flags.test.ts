import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyValue, parseValue, readJson, readJsonObject, setDotted } from '../../src/cli/flags.ts';

describe('cli flags', () => {
  it('values are JSON when they parse, strings otherwise', () => {
    expect(parseValue('0.5')).toBe(0.5);
    expect(parseValue('[1,2]')).toEqual([1, 2]);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('gradcraft')).toBe('gradcraft');
    expect(keyValue(' tau = 0.3', 'train', '--opt')).toEqual(['tau', 0.3]);
    expect(() => keyValue('=3', 'train', '--opt')).toThrow("train: --opt expects key=value, got '=3'");
    expect(() => keyValue('tau', 'experiment', '--set')).toThrow(/experiment: --set/);
  });

  it('dotted paths create and replace intermediate nodes', () => {
    const o: Record<string, unknown> = { a: 3, b: { c: 1 } };
    setDotted(o, 'a.x', 1);
    setDotted(o, 'b.d.e', 'z');
    expect(o).toEqual({ a: { x: 1 }, b: { c: 1, d: { e: 'z' } } });
  });

  it('JSON files: errors name the command, flag and file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-flags-'));
    const good = join(dir, 'a.json'), arr = join(dir, 'b.json'), bad = join(dir, 'c.json');
    writeFileSync(good, '{"lr": 0.01}');
    writeFileSync(arr, '[1]');
    writeFileSync(bad, '{lr');
    expect(readJsonObject(good, 'train', '--config', '')).toEqual({ lr: 0.01 });
    expect(() => readJsonObject(arr, 'train', '--config', ' (TrainConfig fields)')).toThrow(`train: --config ${arr} must hold a JSON object (TrainConfig fields)`);
    expect(() => readJson(bad, 'experiment', '--grid')).toThrow(`experiment: cannot read --grid ${bad}`);
    expect(() => readJson(join(dir, 'none.json'), 'experiment', '--grid')).toThrow(/cannot read --grid/);
  });
});
