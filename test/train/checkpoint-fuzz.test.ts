import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/nn/crc32.ts';
import { CheckpointError, loadCheckpoint, saveCheckpoint, verifyCheckpoint, type CheckpointHeader } from '../../src/nn/io.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import { ParameterStore } from '../../src/nn/store.ts';

/**
 * The checkpoint reader against damage and against hostile input: every flipped byte, every
 * truncation, arbitrary bytes and structured edits of a valid header are refused with a
 * CheckpointError (never a TypeError or RangeError from deeper down), and none loads.
 * Seeded, so a failure replays.
 */
const dir = mkdtempSync(join(tmpdir(), 'mtlkit-ckpt-fuzz-'));

function build(seed: number): { store: ParameterStore; opt: Adam } {
  const s = new ParameterStore({ tasks: 2 });
  s.declare('emb', [40, 4], { group: 'shared', init: 'normal', sparse: true });
  s.declare('w', [4, 3], { group: 'shared', init: 'xavier_uniform' });
  s.declare('t0', [3, 1], { group: 0, init: 'he_normal' });
  s.declare('t1', [3, 1], { group: 1, init: 'he_normal' });
  s.allocate(seed);
  const opt = new Adam(s, { lr: 1e-3 });
  for (let i = 0; i < s.get('w').size; i++) s.get('w').grad[i] = Math.cos(i);
  opt.step();
  return { store: s, opt };
}

const good = join(dir, 'good.ckpt');
const src = build(1);
const header: CheckpointHeader = saveCheckpoint(good, src.store, src.opt, { train: { epoch: 1 } });
const bytes = readFileSync(good);
const target = build(2);
let n = 0;

/** Writes `b` and loads it: the CheckpointError it must raise (anything else fails the test). */
function refusal(b: Uint8Array): CheckpointError {
  const file = join(dir, `m${n++ % 8}.ckpt`);
  writeFileSync(file, b);
  try {
    loadCheckpoint(file, target.store, target.opt);
  } catch (e) {
    if (e instanceof CheckpointError) {
      expect(e.file).toBe(file);
      return e;
    }
    throw e;
  }
  throw new Error('a damaged checkpoint loaded');
}

/** Section boundaries: the lead's fields, the header, each buffer, the end marker. */
function boundaries(): number[] {
  const hEnd = header.buffers[0]!.byteOffset;
  const out = [0, 1, 7, 8, 12, 15, 16, hEnd - 1, hEnd, header.totalBytes - 8, header.totalBytes - 1];
  for (const b of header.buffers) out.push(b.byteOffset - 1, b.byteOffset, b.byteOffset + 1, b.byteOffset + b.length * 4 - 1);
  return [...new Set(out)].filter((x) => x >= 0 && x < bytes.length).sort((a, b) => a - b);
}

describe('checkpoint reader: damage', () => {
  it('the unmodified file loads (the baseline every case below departs from)', () => {
    expect(() => verifyCheckpoint(good)).not.toThrow();
    expect(() => loadCheckpoint(good, build(3).store, build(3).opt)).not.toThrow();
  });

  it('1 to 8 bytes flipped anywhere: refused, naming a section', () => {
    const flip = fc.record({ at: fc.nat(bytes.length - 1), x: fc.integer({ min: 1, max: 255 }) });
    fc.assert(fc.property(fc.array(flip, { minLength: 1, maxLength: 8 }), (flips) => {
      const b = Buffer.from(bytes);
      for (const { at, x } of flips) b[at]! ^= x;
      if (b.equals(bytes)) return; // two flips of one byte that cancel
      expect(['checksum', 'truncated', 'trailing', 'magic', 'version', 'header']).toContain(refusal(b).fault);
    }), { seed: 20, numRuns: 1000 });
  });

  it('one byte flipped in each section: the fault names that section', () => {
    const hEnd = header.buffers[0]!.byteOffset;
    const bufferOf = (at: number): string => `buffer '${header.buffers.find((x) => at >= x.byteOffset && at < x.byteOffset + x.length * 4)!.name}'`;
    const where = (at: number): string => (at < 8 ? 'lead' : at < 16 ? 'lead|header' : at < hEnd ? 'header' : at < header.totalBytes - 8 ? bufferOf(at) : 'end marker');
    for (let at = 0; at < bytes.length; at += 7) {
      const b = Buffer.from(bytes);
      b[at]! ^= 0x10;
      const e = refusal(b);
      const want = where(at);
      if (want === 'lead|header') expect(['lead', 'header']).toContain(e.section);
      else expect(e.section, `byte ${at}`).toBe(want);
    }
  });

  it('truncated at every section boundary and at random offsets: refused as truncated', () => {
    for (const cut of boundaries()) expect(refusal(bytes.subarray(0, cut)).fault, `cut at ${cut}`).toBe('truncated');
    fc.assert(fc.property(fc.nat(bytes.length - 1), (cut) => {
      expect(refusal(bytes.subarray(0, cut)).fault).toBe('truncated');
    }), { seed: 21, numRuns: 300 });
  });

  it('arbitrary bytes, bare or behind a valid magic and header length: refused', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (b, lead) => {
      const file = lead ? Buffer.concat([bytes.subarray(0, 12), b]) : Buffer.from(b);
      refusal(file);
    }), { seed: 22, numRuns: 800 });
  });
});

// ---- structured edits of the header --------------------------------------------------------

/** Room for edits that lengthen the header: the base file carries this many spaces of padding. */
const SLACK = 512;

/** A file with `h` as header, padded to the fixed length (so buffers stay where `h` says). */
function withHeader(h: unknown, hb: number): Buffer | null {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  if (json.length > hb) return null;
  const padded = Buffer.alloc(hb, 0x20);
  json.copy(padded);
  const lead = Buffer.alloc(16);
  lead.write('MTLKPAR2', 0, 'latin1');
  lead.writeUInt32LE(hb, 8);
  lead.writeUInt32LE(crc32(padded), 12);
  const data = bytes.subarray(header.buffers[0]!.byteOffset);
  return Buffer.concat([lead, padded, data]);
}

/** The good header re-laid-out with SLACK more bytes of padding (a valid file: checked below). */
const hb = header.buffers[0]!.byteOffset - 16 + SLACK;
const base: CheckpointHeader = {
  ...header,
  buffers: header.buffers.map((b) => ({ ...b, byteOffset: b.byteOffset + SLACK })),
  totalBytes: header.totalBytes + SLACK,
};

type Path = (string | number)[];
/** Every path into the header except inside meta and the optimizer's step and options (free values). */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = at.length ? [at] : [];
  if (at[0] === 'meta' || (at[0] === 'optimizer' && (at[1] === 'step' || at[1] === 'options'))) return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}
const PATHS = paths(base);

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const json = fc.jsonValue({ maxDepth: 2 });

type Edit =
  | { op: 'delete' | 'rename' | 'add-key'; path: Path }
  | { op: 'retype'; path: Path; value: unknown }
  | { op: 'nudge'; path: Path; delta: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'rename' as const, 'add-key' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('retype' as const), path: fc.constantFrom(...PATHS), value: json }),
  fc.record({ op: fc.constant('nudge' as const), path: fc.constantFrom(...PATHS), delta: fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0) }),
);

function apply(h: unknown, e: Edit): unknown | null {
  const copy = structuredClone(h) as Record<string | number, unknown>;
  const parentPath = e.path.slice(0, -1), key = e.path[e.path.length - 1]!;
  let parent: Record<string | number, unknown> = copy;
  for (const k of parentPath) {
    parent = parent[k] as Record<string | number, unknown>;
    if (typeof parent !== 'object' || parent === null) return null; // an earlier edit removed it
  }
  const old = parent[key];
  switch (e.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return copy;
    case 'rename':
      if (Array.isArray(parent)) return null;
      delete parent[key];
      parent[`${String(key)}_`] = old;
      return copy;
    case 'add-key':
      if (kind(old) !== 'object' || key === 'meta' || key === 'options') return null; // free-form objects
      (old as Record<string, unknown>).extra = 1;
      return copy;
    case 'retype':
      if (kind(e.value) === kind(old)) return null; // a same-typed value may be a valid header
      parent[key] = e.value;
      return copy;
    case 'nudge':
      if (key === 'step' || key === 'meta') return null; // free values: another number is valid
      if (typeof old === 'number') parent[key] = old + e.delta;
      else if (typeof old === 'string') parent[key] = `${old}${e.delta}`;
      else if (typeof old === 'boolean') parent[key] = !old;
      else return null;
      return copy;
  }
}

describe('checkpoint reader: structured header edits (valid CRC, so only the schema stands between)', () => {
  it('the re-padded base header loads', () => {
    const file = join(dir, 'base.ckpt');
    writeFileSync(file, withHeader(base, hb)!);
    expect(() => loadCheckpoint(file, build(3).store, build(3).opt)).not.toThrow();
  });

  it('deleted, renamed, retyped, added or nudged keys: refused with a CheckpointError, never loaded', () => {
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
      let h: unknown = base;
      for (const e of edits) {
        const next = apply(h, e);
        if (next === null) return;
        h = next;
      }
      if (JSON.stringify(h) === JSON.stringify(base)) return; // edits that undid each other
      const b = withHeader(h, hb);
      if (b === null) return;
      const f = refusal(b);
      expect(['header', 'mismatch', 'checksum', 'truncated', 'trailing', 'version']).toContain(f.fault);
    }), { seed: 23, numRuns: 1000 });
  });

  it('a renamed top-level key names the key (the report in issue 20 crashed with a TypeError)', () => {
    const h = apply(base, { op: 'rename', path: ['layout'] });
    const e = refusal(withHeader(h, hb)!);
    expect(e).toMatchObject({ fault: 'header', section: 'header' });
    expect(e.detail).toMatch(/lacks key 'layout'/);
  });
});
