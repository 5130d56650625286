import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterStore } from '../../src/nn/store.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import { loadCheckpoint, readCheckpointHeader, saveCheckpoint } from '../../src/nn/io.ts';

function build(seed: number): ParameterStore {
  const s = new ParameterStore({ tasks: 2 });
  s.declare('emb', [100, 8], { group: 'shared', init: 'normal', sparse: true });
  s.declare('w', [8, 4], { group: 'shared', init: 'xavier_uniform' });
  s.declare('t0', [4, 1], { group: 0, init: 'he_normal' });
  s.declare('t1', [4, 1], { group: 1, init: 'he_normal' });
  return s.allocate(seed);
}

describe('save / load', () => {
  it('round-trips parameters and Adam state bit-exactly, atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    const a = build(1);
    const oa = new Adam(a, { lr: 3e-3 });
    for (let k = 0; k < 3; k++) {
      a.zeroGrad();
      for (let i = 0; i < a.get('w').size; i++) a.get('w').grad[i] = Math.sin(i + k);
      const e = a.get('emb');
      const off = a.rowGradOffset(e, 5 + k);
      for (let j = 0; j < 8; j++) a.rowGradBuffer(e)[off + j] = j - k;
      oa.step();
    }
    saveCheckpoint(path, a, oa, { note: 'test' });
    expect(readdirSync(dir)).toEqual(['ckpt.bin']);
    const b = build(2);
    const ob = new Adam(b, { lr: 1 });
    expect(Array.from(b.values)).not.toEqual(Array.from(a.values));
    const h = loadCheckpoint(path, b, ob);
    expect(h.meta).toEqual({ note: 'test' });
    expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(true);
    const sa = oa.state(), sb = ob.state();
    expect(sb.step).toBe(3);
    expect(ob.lr).toBe(3e-3);
    for (const k of ['m', 'v']) {
      expect(Buffer.from(sb.buffers[k]!.buffer).equals(Buffer.from(sa.buffers[k]!.buffer))).toBe(true);
    }
    // Overwriting goes through a temp file + rename: the directory holds one file afterwards.
    saveCheckpoint(path, b, ob);
    expect(readdirSync(dir)).toEqual(['ckpt.bin']);
  });

  it('reports a truncated file clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    const a = build(1);
    saveCheckpoint(path, a);
    const full = readFileSync(path);
    writeFileSync(join(dir, 'cut.bin'), full.subarray(0, full.length - 100));
    expect(() => loadCheckpoint(join(dir, 'cut.bin'), build(3))).toThrow(/truncated: expected \d+ bytes, the file has \d+/);
    writeFileSync(join(dir, 'cut2.bin'), full.subarray(0, 20));
    expect(() => readCheckpointHeader(join(dir, 'cut2.bin'))).toThrow(/truncated/);
    writeFileSync(join(dir, 'cut3.bin'), full.subarray(0, 5));
    expect(() => readCheckpointHeader(join(dir, 'cut3.bin'))).toThrow(/too short/);
    writeFileSync(join(dir, 'junk.bin'), Buffer.from('hello world, not a checkpoint'));
    expect(() => readCheckpointHeader(join(dir, 'junk.bin'))).toThrow(/not an mtlkit checkpoint/);
  });

  it('refuses a different layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    saveCheckpoint(path, build(1));
    const other = new ParameterStore({ tasks: 2 });
    other.declare('emb', [100, 8], { group: 'shared', init: 'normal', sparse: true });
    other.declare('w', [8, 5], { group: 'shared', init: 'zeros' });
    other.allocate();
    expect(() => loadCheckpoint(path, other)).toThrow(/build the same model/);
  });
});
