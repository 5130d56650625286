import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Storage } from '../tensor/backend.ts';
import type { Optimizer } from './optim/optimizer.ts';
import type { ParameterStore } from './store.ts';

/**
 * Checkpoint file: parameters and (optionally) optimizer state.
 *
 *   "MTLKPAR1" | u32 LE header length | JSON header (space-padded to 8 bytes) |
 *   buffers, in header order, raw little-endian float32/float64 | "MTLKEND1"
 *
 * The header names the layout (parameter names, shapes, groups, offsets) and each buffer's
 * byte offset and length, and the total file size: a file shorter than that is reported as
 * truncated, naming both sizes. Writes go to a temporary file in the same directory, which is
 * fsynced and then renamed over the target, so a crash leaves the old file or the new one,
 * never half of one.
 */
const MAGIC = 'MTLKPAR1';
const END = 'MTLKEND1';
const CHUNK = 1 << 28;

export interface CheckpointHeader {
  format: 'mtlkit-params';
  version: 1;
  dtype: 'float32' | 'float64';
  tasks: number;
  size: number;
  layout: ReturnType<ParameterStore['layout']>;
  optimizer: { name: string; options: Record<string, number | boolean>; step: number } | null;
  buffers: { name: string; length: number; byteOffset: number }[];
  totalBytes: number;
  meta: Record<string, unknown>;
}

function bytesOf(s: Storage): Buffer {
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) {
    const n = writeSync(fd, buf, off, Math.min(CHUNK, buf.length - off));
    off += n;
  }
}

function readAll(fd: number, into: Buffer, position: number, path: string): void {
  for (let off = 0; off < into.length; ) {
    const n = readSync(fd, into, off, Math.min(CHUNK, into.length - off), position + off);
    if (n === 0) throw new Error(`loadCheckpoint: '${path}' ended early while reading (truncated file)`);
    off += n;
  }
}

export function saveCheckpoint(path: string, store: ParameterStore, optimizer: Optimizer | null = null, meta: Record<string, unknown> = {}): CheckpointHeader {
  const el = store.dtype === 'float64' ? 8 : 4;
  const bufs: [string, Storage][] = [['values', store.values]];
  const st = optimizer?.state() ?? null;
  if (st) for (const [k, b] of Object.entries(st.buffers)) bufs.push([`optimizer.${k}`, b]);
  const header: CheckpointHeader = {
    format: 'mtlkit-params', version: 1, dtype: store.dtype, tasks: store.tasks, size: store.size,
    layout: store.layout(),
    optimizer: st ? { name: st.name, options: st.options, step: st.step } : null,
    buffers: [], totalBytes: 0, meta,
  };
  // The header's length depends on the offsets it records: fix the header size first with
  // placeholders wide enough, then fill in.
  const dataBytes = bufs.reduce((a, [, b]) => a + b.length * el, 0);
  let headerBytes = 0;
  for (let iter = 0; iter < 3; iter++) {
    const start = 12 + headerBytes;
    let off = start;
    header.buffers = bufs.map(([name, b]) => {
      const e = { name, length: b.length, byteOffset: off };
      off += b.length * el;
      return e;
    });
    header.totalBytes = start + dataBytes + END.length;
    const raw = Buffer.byteLength(JSON.stringify(header));
    const padded = Math.ceil((12 + raw) / 8) * 8 - 12;
    if (padded === headerBytes) break;
    headerBytes = padded;
  }
  const json = Buffer.alloc(headerBytes, 0x20);
  json.write(JSON.stringify(header), 0, 'utf8');
  const lead = Buffer.alloc(12);
  lead.write(MAGIC, 0, 'latin1');
  lead.writeUInt32LE(headerBytes, 8);

  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, lead);
    writeAll(fd, json);
    for (const [, b] of bufs) writeAll(fd, bytesOf(b));
    writeAll(fd, Buffer.from(END, 'latin1'));
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  renameSync(tmp, path);
  return header;
}

/** Reads and checks the header (magic, size) without touching any store. */
export function readCheckpointHeader(path: string): CheckpointHeader {
  const fd = openSync(path, 'r');
  try {
    return readHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

function readHeader(fd: number, path: string): CheckpointHeader {
  const fileBytes = fstatSync(fd).size;
  if (fileBytes < 12) throw new Error(`loadCheckpoint: '${path}' is ${fileBytes} bytes, too short to be an mtlkit checkpoint (truncated file?)`);
  const lead = Buffer.alloc(12);
  readAll(fd, lead, 0, path);
  if (lead.toString('latin1', 0, 8) !== MAGIC) throw new Error(`loadCheckpoint: '${path}' is not an mtlkit checkpoint (bad magic)`);
  const hb = lead.readUInt32LE(8);
  if (12 + hb > fileBytes) {
    throw new Error(`loadCheckpoint: '${path}' is truncated: its header needs ${12 + hb} bytes, the file has ${fileBytes}`);
  }
  const json = Buffer.alloc(hb);
  readAll(fd, json, 12, path);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as CheckpointHeader;
  } catch {
    throw new Error(`loadCheckpoint: '${path}' has a corrupt header (not JSON)`);
  }
  if (header.format !== 'mtlkit-params' || header.version !== 1) {
    throw new Error(`loadCheckpoint: '${path}' has format ${header.format} v${header.version}; this mtlkit reads mtlkit-params v1`);
  }
  if (fileBytes < header.totalBytes) {
    throw new Error(`loadCheckpoint: '${path}' is truncated: expected ${header.totalBytes} bytes, the file has ${fileBytes} (cut short by a copy or a full disk?); use an earlier checkpoint`);
  }
  if (fileBytes > header.totalBytes) {
    throw new Error(`loadCheckpoint: '${path}' has ${fileBytes - header.totalBytes} unexpected trailing bytes`);
  }
  const end = Buffer.alloc(END.length);
  readAll(fd, end, header.totalBytes - END.length, path);
  if (end.toString('latin1') !== END) throw new Error(`loadCheckpoint: '${path}' lacks its end marker (corrupt or truncated)`);
  return header;
}

/**
 * Loads parameters (and optimizer state, when `optimizer` is given and the file has it) into an
 * allocated store of the same layout, reading straight into the flat buffers.
 */
export function loadCheckpoint(path: string, store: ParameterStore, optimizer: Optimizer | null = null): CheckpointHeader {
  const fd = openSync(path, 'r');
  try {
    const h = readHeader(fd, path);
    if (h.dtype !== store.dtype) throw new Error(`loadCheckpoint: '${path}' holds ${h.dtype}, the store is ${store.dtype}`);
    const mine = store.layout();
    if (h.size !== store.size || h.layout.length !== mine.length) {
      throw new Error(`loadCheckpoint: '${path}' has ${h.layout.length} parameters (${h.size} values), the store ${mine.length} (${store.size}); build the same model config before loading`);
    }
    for (let i = 0; i < mine.length; i++) {
      const a = h.layout[i]!, b = mine[i]!;
      if (a.name !== b.name || a.group !== b.group || a.offset !== b.offset || a.shape.join('x') !== b.shape.join('x')) {
        throw new Error(`loadCheckpoint: parameter ${i} differs: file has '${a.name}' [${a.shape.join('x')}] (${a.group}), the store '${b.name}' [${b.shape.join('x')}] (${b.group})`);
      }
    }
    const targets = new Map<string, Storage>([['values', store.values]]);
    if (optimizer) {
      if (!h.optimizer) throw new Error(`loadCheckpoint: '${path}' has no optimizer state`);
      const st = optimizer.state();
      if (st.name !== h.optimizer.name) throw new Error(`loadCheckpoint: '${path}' has ${h.optimizer.name} state, the optimizer is ${st.name}`);
      for (const [k, b] of Object.entries(st.buffers)) targets.set(`optimizer.${k}`, b);
      for (const k of targets.keys()) {
        if (!h.buffers.some((b) => b.name === k)) throw new Error(`loadCheckpoint: '${path}' lacks buffer '${k}'`);
      }
    }
    for (const b of h.buffers) {
      const t = targets.get(b.name);
      if (!t) continue;
      if (t.length !== b.length) throw new Error(`loadCheckpoint: buffer '${b.name}' has ${b.length} entries, expected ${t.length}`);
      readAll(fd, bytesOf(t), b.byteOffset, path);
    }
    if (optimizer && h.optimizer) {
      const st = optimizer.state();
      optimizer.loadState({ ...st, step: h.optimizer.step, options: h.optimizer.options });
    }
    return h;
  } finally {
    closeSync(fd);
  }
}
