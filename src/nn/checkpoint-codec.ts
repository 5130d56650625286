import type { Storage } from '../tensor/backend.ts';
import { CheckpointError, DAMAGED_FIX } from './checkpoint-error.ts';
import { checkHeader, END, FORMAT_VERSION, LEAD_BYTES, type CheckpointHeader } from './checkpoint-header.ts';
import { crc32 } from './crc32.ts';
import type { Optimizer } from './optim/optimizer.ts';
import type { ParameterStore } from './store.ts';

/**
 * The checkpoint format's bytes, apart from where they are kept: writing to a sink and reading
 * from a random-access source, so files (./io.ts) and bytes in memory (a browser's download,
 * IndexedDB) share every check. The format itself is described in ./io.ts.
 *
 * `name` is what errors call the source: the file's path, or whatever the caller says.
 */
export interface ByteSource {
  size(): number;
  /** Reads up to `into.length` bytes at `position`; returns how many (0 at the end). */
  read(into: Uint8Array, position: number): number;
}

export interface ByteSink {
  write(bytes: Uint8Array): void;
}

export const MAGIC = 'MTLKPAR2';
const OLD_MAGIC = 'MTLKPAR1';
const CHUNK = 1 << 24;

const bytesOf = (s: Storage): Uint8Array => new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

function writeAll(sink: ByteSink, buf: Uint8Array): void {
  for (let off = 0; off < buf.length; off += CHUNK) sink.write(buf.subarray(off, Math.min(buf.length, off + CHUNK)));
}

/** Reads into `into` from `position`, returning the CRC-32 of what was read continued from `crc`. */
function readAll(src: ByteSource, into: Uint8Array, position: number, name: string, section: string, crc = 0): number {
  for (let off = 0; off < into.length; ) {
    const n = src.read(into.subarray(off, off + Math.min(CHUNK, into.length - off)), position + off);
    if (n === 0) throw new CheckpointError(name, section, 'truncated', 'the file ended while reading it', DAMAGED_FIX);
    crc = crc32(into.subarray(off, off + n), crc);
    off += n;
  }
  return crc;
}

/** CRC-32 of `length` bytes at `position`, read in chunks (buffers nobody asked to load). */
function crcOfRange(src: ByteSource, position: number, length: number, name: string, section: string): number {
  const scratch = new Uint8Array(Math.min(CHUNK, Math.max(1, length)));
  let crc = 0;
  for (let off = 0; off < length; ) {
    const part = scratch.subarray(0, Math.min(scratch.length, length - off));
    crc = readAll(src, part, position + off, name, section, crc);
    off += part.length;
  }
  return crc;
}

function buildHeader(store: ParameterStore, optimizer: Optimizer | null, meta: Record<string, unknown>): { header: CheckpointHeader; bufs: [string, Storage][]; headerBytes: number } {
  const el = store.dtype === 'float64' ? 8 : 4;
  const bufs: [string, Storage][] = [['values', store.values]];
  const st = optimizer?.state() ?? null;
  if (st) for (const [k, b] of Object.entries(st.buffers)) bufs.push([`optimizer.${k}`, b]);
  const header: CheckpointHeader = {
    format: 'mtlkit-params', version: FORMAT_VERSION, dtype: store.dtype, tasks: store.tasks, size: store.size,
    layout: store.layout(),
    optimizer: st ? { name: st.name, options: st.options, step: st.step } : null,
    buffers: [], totalBytes: 0, meta,
  };
  const crcs = bufs.map(([, b]) => crc32(bytesOf(b)));
  // The header's length depends on the offsets it records: fix the header size first with
  // placeholders wide enough, then fill in.
  const dataBytes = bufs.reduce((a, [, b]) => a + b.length * el, 0);
  let headerBytes = 0;
  for (let iter = 0; iter < 4; iter++) {
    const start = LEAD_BYTES + headerBytes;
    let off = start;
    header.buffers = bufs.map(([name, b], i) => {
      const e = { name, length: b.length, byteOffset: off, crc32: crcs[i]! };
      off += b.length * el;
      return e;
    });
    header.totalBytes = start + dataBytes + END.length;
    const raw = new TextEncoder().encode(JSON.stringify(header)).length;
    const padded = Math.ceil((LEAD_BYTES + raw) / 8) * 8 - LEAD_BYTES;
    if (padded === headerBytes) break;
    headerBytes = padded;
  }
  return { header, bufs, headerBytes };
}

/** Writes the whole checkpoint to `sink`, in order; returns its header. */
export function writeCheckpointTo(sink: ByteSink, store: ParameterStore, optimizer: Optimizer | null, meta: Record<string, unknown>): CheckpointHeader {
  const { header, bufs, headerBytes } = buildHeader(store, optimizer, meta);
  const json = new Uint8Array(headerBytes).fill(0x20);
  json.set(new TextEncoder().encode(JSON.stringify(header)));
  const lead = new Uint8Array(LEAD_BYTES);
  lead.set(ascii(MAGIC));
  const view = new DataView(lead.buffer);
  view.setUint32(8, headerBytes, true);
  view.setUint32(12, crc32(json), true);
  writeAll(sink, lead);
  writeAll(sink, json);
  for (const [, b] of bufs) writeAll(sink, bytesOf(b));
  writeAll(sink, ascii(END));
  return header;
}

const elBytes = (h: CheckpointHeader): number => (h.dtype === 'float64' ? 8 : 4);
const bufferSection = (name: string): string => `buffer '${name}'`;
const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;

function checkCrc(name: string, buffer: string, got: number, want: number): void {
  if (got !== want) {
    throw new CheckpointError(name, bufferSection(buffer), 'checksum', `CRC-32 is ${hex(got)}, the header recorded ${hex(want)}`, DAMAGED_FIX);
  }
}

/** Reads and checks the lead, the header (CRC and schema), the size and the end marker. */
export function readHeaderFrom(src: ByteSource, name: string): CheckpointHeader {
  const fileBytes = src.size();
  const head = new Uint8Array(Math.min(LEAD_BYTES, fileBytes));
  readAll(src, head, 0, name, 'lead');
  const magic = latin1(head.subarray(0, Math.min(8, head.length)));
  const short = (): CheckpointError =>
    new CheckpointError(name, 'lead', 'truncated', `the file is ${fileBytes} bytes, too short to be an mtlkit checkpoint`, DAMAGED_FIX);
  if (fileBytes < 8) {
    if (MAGIC.startsWith(magic) || OLD_MAGIC.startsWith(magic)) throw short();
  } else if (magic === OLD_MAGIC) {
    throw new CheckpointError(name, 'lead', 'version', 'format version 1 (written before checkpoints had checksums); this mtlkit reads version 2 only and has no converter', 'start the run again (without --resume)');
  } else if (magic !== MAGIC && magic.startsWith('MTLKPAR')) {
    throw new CheckpointError(name, 'lead', 'version', `unknown format '${magic}'; this mtlkit reads '${MAGIC}'`, 'use the mtlkit that wrote it');
  }
  if (magic !== MAGIC) {
    throw new CheckpointError(name, 'lead', 'magic', `not an mtlkit checkpoint (it does not start with '${MAGIC}')`, 'check the path');
  }
  if (fileBytes < LEAD_BYTES) throw short();
  const hb = u32(head, 8);
  if (LEAD_BYTES + hb > fileBytes) {
    throw new CheckpointError(name, 'header', 'truncated', `the header needs ${LEAD_BYTES + hb} bytes, the file has ${fileBytes}`, DAMAGED_FIX);
  }
  const json = new Uint8Array(hb);
  const got = readAll(src, json, LEAD_BYTES, name, 'header');
  const want = u32(head, 12);
  if (got !== want) throw new CheckpointError(name, 'header', 'checksum', `CRC-32 is ${hex(got)}, the lead recorded ${hex(want)}`, DAMAGED_FIX);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new CheckpointError(name, 'header', 'header', 'is not JSON', DAMAGED_FIX);
  }
  const header = checkHeader(raw, name, LEAD_BYTES + hb);
  if (fileBytes < header.totalBytes) {
    throw new CheckpointError(name, 'file', 'truncated', `expected ${header.totalBytes} bytes, the file has ${fileBytes} (cut short by a copy or a full disk?)`, DAMAGED_FIX);
  }
  if (fileBytes > header.totalBytes) {
    throw new CheckpointError(name, 'file', 'trailing', `${fileBytes - header.totalBytes} unexpected bytes after the ${header.totalBytes} the header records`, DAMAGED_FIX);
  }
  const end = new Uint8Array(END.length);
  readAll(src, end, header.totalBytes - END.length, name, 'end marker');
  if (latin1(end) !== END) throw new CheckpointError(name, 'end marker', 'checksum', `is not '${END}'`, DAMAGED_FIX);
  return header;
}

/** Every check, every buffer's CRC included, without touching any store; returns the header. */
export function verifyFrom(src: ByteSource, name: string): CheckpointHeader {
  const h = readHeaderFrom(src, name);
  for (const b of h.buffers) checkCrc(name, b.name, crcOfRange(src, b.byteOffset, b.length * elBytes(h), name, bufferSection(b.name)), b.crc32);
  return h;
}

function mismatch(name: string, section: string, detail: string, fix = 'build the same model config before loading'): CheckpointError {
  return new CheckpointError(name, section, 'mismatch', detail, fix);
}

/**
 * Loads parameters (and optimizer state, when `optimizer` is given and the source has it) into
 * an allocated store of the same layout, reading straight into the flat buffers and checking
 * each buffer's CRC-32, including those not loaded.
 */
export function loadFrom(src: ByteSource, name: string, store: ParameterStore, optimizer: Optimizer | null): CheckpointHeader {
  const h = readHeaderFrom(src, name);
  if (h.dtype !== store.dtype) throw mismatch(name, 'header', `holds ${h.dtype}, the store is ${store.dtype}`);
  const mine = store.layout();
  if (h.tasks !== store.tasks || h.size !== store.size || h.layout.length !== mine.length) {
    throw mismatch(name, 'layout', `has ${h.layout.length} parameters (${h.size} values, ${h.tasks} tasks), the store ${mine.length} (${store.size} values, ${store.tasks} tasks)`);
  }
  for (let i = 0; i < mine.length; i++) {
    const a = h.layout[i]!, b = mine[i]!;
    if (a.name !== b.name || a.group !== b.group || a.offset !== b.offset || a.sparse !== b.sparse || a.shape.join('x') !== b.shape.join('x')) {
      throw mismatch(name, 'layout', `parameter ${i} differs: file has '${a.name}' [${a.shape.join('x')}] (${a.group}), the store '${b.name}' [${b.shape.join('x')}] (${b.group})`);
    }
  }
  const targets = new Map<string, Storage>([['values', store.values]]);
  if (optimizer) {
    if (!h.optimizer) throw mismatch(name, 'header', 'has no optimizer state', 'load it without an optimizer');
    const st = optimizer.state();
    if (st.name !== h.optimizer.name) throw mismatch(name, 'header', `has ${h.optimizer.name} state, the optimizer is ${st.name}`, `use the ${h.optimizer.name} optimizer`);
    for (const [k, b] of Object.entries(st.buffers)) targets.set(`optimizer.${k}`, b);
    for (const k of targets.keys()) {
      if (!h.buffers.some((b) => b.name === k)) throw mismatch(name, bufferSection(k), 'is not in the file', `use the ${h.optimizer.name} optimizer with the same options`);
    }
  }
  for (const b of h.buffers) {
    const t = targets.get(b.name);
    if (t && t.length !== b.length) throw mismatch(name, bufferSection(b.name), `has ${b.length} entries, expected ${t.length}`);
  }
  for (const b of h.buffers) {
    const t = targets.get(b.name);
    const got = t
      ? readAll(src, bytesOf(t), b.byteOffset, name, bufferSection(b.name))
      : crcOfRange(src, b.byteOffset, b.length * elBytes(h), name, bufferSection(b.name));
    checkCrc(name, b.name, got, b.crc32);
  }
  if (optimizer && h.optimizer) {
    const st = optimizer.state();
    optimizer.loadState({ ...st, step: h.optimizer.step, options: h.optimizer.options });
  }
  return h;
}

/** Bytes in memory as a source. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: () => bytes.length,
    read(into, position) {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/** The checkpoint as bytes in memory (what `saveCheckpoint` writes to a file). */
export function encodeCheckpoint(store: ParameterStore, optimizer: Optimizer | null = null, meta: Record<string, unknown> = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  writeCheckpointTo({ write: (b) => parts.push(b.slice()) }, store, optimizer, meta);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

/** Checks `bytes` and loads them as `loadCheckpoint` loads a file; `name` is what errors call them. */
export function decodeCheckpoint(bytes: Uint8Array, store: ParameterStore, optimizer: Optimizer | null = null, name = 'checkpoint'): CheckpointHeader {
  return loadFrom(bytesSource(bytes), name, store, optimizer);
}
