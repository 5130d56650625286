import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterStore } from '../../src/nn/store.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import fc from 'fast-check';
import { CheckpointError, loadCheckpoint, readCheckpointHeader, saveCheckpoint, verifyCheckpoint, type CheckpointFault } from '../../src/nn/io.ts';
import { crc32, crc32Portable } from '../../src/nn/crc32.ts';

function refusal(f: () => unknown): CheckpointError {
  try {
    f();
  } catch (e) {
    if (e instanceof CheckpointError) return e;
    throw e;
  }
  throw new Error('expected a CheckpointError, the call succeeded');
}

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
      a.touchRow(e, 5 + k);
      for (let j = 0; j < 8; j++) a.rowGrad(e, 5 + k)[j] = j - k;
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

  it('reports a truncated file, a short file and a foreign file with a typed error naming the file and section', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    const a = build(1);
    saveCheckpoint(path, a);
    const full = readFileSync(path);
    const cases: [string, Buffer, CheckpointFault, string][] = [
      ['cut.bin', full.subarray(0, full.length - 100), 'truncated', 'file'],
      ['cut2.bin', full.subarray(0, 20), 'truncated', 'header'],
      ['cut3.bin', full.subarray(0, 5), 'truncated', 'lead'],
      ['junk.bin', Buffer.from('hello world, not a checkpoint'), 'magic', 'lead'],
      ['long.bin', Buffer.concat([full, Buffer.from('xx')]), 'trailing', 'file'],
    ];
    for (const [name, bytes, fault, section] of cases) {
      writeFileSync(join(dir, name), bytes);
      const e = refusal(() => loadCheckpoint(join(dir, name), build(3)));
      expect(e, name).toMatchObject({ fault, section, file: join(dir, name) });
      expect(e.message).toContain(join(dir, name));
    }
    expect(refusal(() => readCheckpointHeader(join(dir, 'nope.bin')))).toMatchObject({ fault: 'missing' });
  });

  it('refuses a format-1 checkpoint (no checksums) naming its version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'old.ckpt');
    const v1 = Buffer.alloc(64, 0x20);
    v1.write('MTLKPAR1', 0, 'latin1');
    writeFileSync(path, v1);
    const e = refusal(() => readCheckpointHeader(path));
    expect(e).toMatchObject({ fault: 'version', section: 'lead' });
    expect(e.detail).toMatch(/format version 1/);
  });

  it('a damaged buffer the caller did not ask for is refused too (every CRC is checked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    const a = build(1);
    const oa = new Adam(a, { lr: 1e-3 });
    const h = saveCheckpoint(path, a, oa);
    const bytes = readFileSync(path);
    const v = h.buffers.find((b) => b.name === 'optimizer.v')!;
    bytes[v.byteOffset + 5]! ^= 0x40;
    writeFileSync(path, bytes);
    expect(refusal(() => loadCheckpoint(path, build(2)))).toMatchObject({ fault: 'checksum', section: "buffer 'optimizer.v'" });
    expect(refusal(() => verifyCheckpoint(path))).toMatchObject({ fault: 'checksum' });
  });

  it('keeps the previous file under `previous` when asked; the new one replaces the target only after it verified', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'state.ckpt'), prev = join(dir, 'state.prev.ckpt');
    saveCheckpoint(path, build(1), null, { n: 1 }, { previous: prev });
    expect(readdirSync(dir)).toEqual(['state.ckpt']);
    saveCheckpoint(path, build(2), null, { n: 2 }, { previous: prev });
    expect(readdirSync(dir).sort()).toEqual(['state.ckpt', 'state.prev.ckpt']);
    expect(verifyCheckpoint(path).meta).toEqual({ n: 2 });
    expect(verifyCheckpoint(prev).meta).toEqual({ n: 1 });
  });

  it('CRC-32: the portable twin matches zlib and the check value, also in chunks', () => {
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (b, cut) => {
      const k = Math.min(cut, b.length);
      const whole = crc32Portable(b);
      expect(crc32(b)).toBe(whole);
      expect(crc32Portable(b.subarray(k), crc32Portable(b.subarray(0, k)))).toBe(whole);
    }), { seed: 11, numRuns: 200 });
  });

  it('refuses a different layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-io-'));
    const path = join(dir, 'ckpt.bin');
    saveCheckpoint(path, build(1));
    const other = new ParameterStore({ tasks: 2 });
    other.declare('emb', [100, 8], { group: 'shared', init: 'normal', sparse: true });
    other.declare('w', [8, 5], { group: 'shared', init: 'zeros' });
    other.allocate();
    expect(refusal(() => loadCheckpoint(path, other))).toMatchObject({ fault: 'mismatch', section: 'layout' });
  });
});
