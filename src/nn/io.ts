import {
  closeSync, existsSync, fstatSync, fsyncSync, linkSync, openSync, readSync, renameSync, unlinkSync, writeSync, copyFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Storage } from '../tensor/backend.ts';
import { CheckpointError, DAMAGED_FIX } from './checkpoint-error.ts';
import { checkHeader, END, FORMAT_VERSION, LEAD_BYTES, type CheckpointHeader } from './checkpoint-header.ts';
import { crc32 } from './crc32.ts';
import type { Optimizer } from './optim/optimizer.ts';
import type { ParameterStore } from './store.ts';

export { CheckpointError, type CheckpointFault } from './checkpoint-error.ts';
export type { CheckpointHeader } from './checkpoint-header.ts';

/**
 * Checkpoint file, format 2: parameters and (optionally) optimizer state.
 *
 *   "MTLKPAR2" | u32 LE header length | u32 LE CRC-32 of the header bytes |
 *   JSON header (space-padded to 8 bytes) |
 *   buffers, in header order, raw little-endian float32/float64 | "MTLKEND1"
 *
 * The header (checkpoint-header.ts) names the layout, each buffer's byte offset, length and
 * CRC-32, and the total file size. Every byte of the file is covered: the lead by the magic and
 * the header's CRC, the header by its CRC, each buffer by its own CRC, the end by its marker and
 * the size. Any mismatch is a CheckpointError naming the file and the section; nothing from a
 * file that fails a check is trusted (on such an error the store's values are unspecified).
 *
 * Format 1 (magic "MTLKPAR1", no checksums) is refused with its version named: it never had
 * users outside this repository, so there is nothing to migrate.
 *
 * Writes go to a temporary file in the same directory, fsynced, read back and verified, and
 * only then renamed over the target, so a crash or a bad write leaves the old file in place.
 */
const MAGIC = 'MTLKPAR2';
const OLD_MAGIC = 'MTLKPAR1';
const CHUNK = 1 << 24;

function bytesOf(s: Storage): Buffer {
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, Math.min(CHUNK, buf.length - off));
}

/** Reads into `into` from `position`, returning the CRC-32 of what was read continued from `crc`. */
function readAll(fd: number, into: Buffer, position: number, file: string, section: string, crc = 0): number {
  for (let off = 0; off < into.length; ) {
    const n = readSync(fd, into, off, Math.min(CHUNK, into.length - off), position + off);
    if (n === 0) throw new CheckpointError(file, section, 'truncated', 'the file ended while reading it', DAMAGED_FIX);
    crc = crc32(into.subarray(off, off + n), crc);
    off += n;
  }
  return crc;
}

/** CRC-32 of `length` bytes at `position`, read in chunks (buffers nobody asked to load). */
function crcOfRange(fd: number, position: number, length: number, file: string, section: string): number {
  const scratch = Buffer.alloc(Math.min(CHUNK, Math.max(1, length)));
  let crc = 0;
  for (let off = 0; off < length; ) {
    const part = scratch.subarray(0, Math.min(scratch.length, length - off));
    crc = readAll(fd, part, position + off, file, section, crc);
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
    const raw = Buffer.byteLength(JSON.stringify(header));
    const padded = Math.ceil((LEAD_BYTES + raw) / 8) * 8 - LEAD_BYTES;
    if (padded === headerBytes) break;
    headerBytes = padded;
  }
  return { header, bufs, headerBytes };
}

export interface SaveOptions {
  /**
   * Keep the file now at `path` under this name (a hard link, or a copy where links are not
   * supported) before the new one replaces it: the trainer's state.prev.ckpt.
   */
  previous?: string;
}

export function saveCheckpoint(
  path: string, store: ParameterStore, optimizer: Optimizer | null = null, meta: Record<string, unknown> = {}, opts: SaveOptions = {},
): CheckpointHeader {
  const { header, bufs, headerBytes } = buildHeader(store, optimizer, meta);
  const json = Buffer.alloc(headerBytes, 0x20);
  json.write(JSON.stringify(header), 0, 'utf8');
  const lead = Buffer.alloc(LEAD_BYTES);
  lead.write(MAGIC, 0, 'latin1');
  lead.writeUInt32LE(headerBytes, 8);
  lead.writeUInt32LE(crc32(json), 12);

  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, lead);
    writeAll(fd, json);
    for (const [, b] of bufs) writeAll(fd, bytesOf(b));
    writeAll(fd, Buffer.from(END, 'latin1'));
    fsyncSync(fd);
    closeSync(fd);
    verifyCheckpoint(tmp);
  } catch (err) {
    try { closeSync(fd); } catch { /* closed above */ }
    try { unlinkSync(tmp); } catch { /* already gone */ }
    if (err instanceof CheckpointError) {
      throw new CheckpointError(path, err.section, err.fault, `the new file did not read back as written (${err.detail})`, 'the disk may be full or failing; the previous file was kept');
    }
    throw err;
  }
  if (opts.previous && existsSync(path)) keepPrevious(path, opts.previous);
  renameSync(tmp, path);
  syncDir(dirname(path));
  return header;
}

/** `previous` becomes the file now at `path`, atomically, while `path` itself stays in place. */
function keepPrevious(path: string, previous: string): void {
  const tmp = join(dirname(previous), `.${basename(previous)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    linkSync(path, tmp);
  } catch {
    copyFileSync(path, tmp);
  }
  renameSync(tmp, previous);
}

function syncDir(dir: string): void {
  // Makes the renames durable; not every platform can open a directory, and it is not needed
  // for atomicity, only for surviving a power cut.
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}

function open(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(path, 'file', 'missing', 'no such file', 'check the path');
    throw e;
  }
}

/** Reads and checks the lead, the header (CRC and schema), the size and the end marker. */
export function readCheckpointHeader(path: string): CheckpointHeader {
  const fd = open(path);
  try {
    return readHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** Every check, every buffer's CRC included, without touching any store; returns the header. */
export function verifyCheckpoint(path: string): CheckpointHeader {
  const fd = open(path);
  try {
    const h = readHeader(fd, path);
    for (const b of h.buffers) checkCrc(path, b.name, crcOfRange(fd, b.byteOffset, b.length * elBytes(h), path, bufferSection(b.name)), b.crc32);
    return h;
  } finally {
    closeSync(fd);
  }
}

const elBytes = (h: CheckpointHeader): number => (h.dtype === 'float64' ? 8 : 4);
const bufferSection = (name: string): string => `buffer '${name}'`;

function checkCrc(file: string, name: string, got: number, want: number): void {
  if (got !== want) {
    throw new CheckpointError(file, bufferSection(name), 'checksum', `CRC-32 is ${hex(got)}, the header recorded ${hex(want)}`, DAMAGED_FIX);
  }
}

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`;

function readHeader(fd: number, path: string): CheckpointHeader {
  const fileBytes = fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(LEAD_BYTES, fileBytes));
  readAll(fd, head, 0, path, 'lead');
  const magic = head.toString('latin1', 0, Math.min(8, head.length));
  const short = (): CheckpointError =>
    new CheckpointError(path, 'lead', 'truncated', `the file is ${fileBytes} bytes, too short to be an mtlkit checkpoint`, DAMAGED_FIX);
  if (fileBytes < 8) {
    if (MAGIC.startsWith(magic) || OLD_MAGIC.startsWith(magic)) throw short();
  } else if (magic === OLD_MAGIC) {
    throw new CheckpointError(path, 'lead', 'version', 'format version 1 (written before checkpoints had checksums); this mtlkit reads version 2 only and has no converter', 'start the run again (without --resume)');
  } else if (magic !== MAGIC && magic.startsWith('MTLKPAR')) {
    throw new CheckpointError(path, 'lead', 'version', `unknown format '${magic}'; this mtlkit reads '${MAGIC}'`, 'use the mtlkit that wrote it');
  }
  if (magic !== MAGIC) {
    throw new CheckpointError(path, 'lead', 'magic', `not an mtlkit checkpoint (it does not start with '${MAGIC}')`, 'check the path');
  }
  if (fileBytes < LEAD_BYTES) throw short();
  const hb = head.readUInt32LE(8);
  if (LEAD_BYTES + hb > fileBytes) {
    throw new CheckpointError(path, 'header', 'truncated', `the header needs ${LEAD_BYTES + hb} bytes, the file has ${fileBytes}`, DAMAGED_FIX);
  }
  const json = Buffer.alloc(hb);
  const got = readAll(fd, json, LEAD_BYTES, path, 'header');
  const want = head.readUInt32LE(12);
  if (got !== want) throw new CheckpointError(path, 'header', 'checksum', `CRC-32 is ${hex(got)}, the lead recorded ${hex(want)}`, DAMAGED_FIX);
  let raw: unknown;
  try {
    raw = JSON.parse(json.toString('utf8'));
  } catch {
    throw new CheckpointError(path, 'header', 'header', 'is not JSON', DAMAGED_FIX);
  }
  const header = checkHeader(raw, path, LEAD_BYTES + hb);
  if (fileBytes < header.totalBytes) {
    throw new CheckpointError(path, 'file', 'truncated', `expected ${header.totalBytes} bytes, the file has ${fileBytes} (cut short by a copy or a full disk?)`, DAMAGED_FIX);
  }
  if (fileBytes > header.totalBytes) {
    throw new CheckpointError(path, 'file', 'trailing', `${fileBytes - header.totalBytes} unexpected bytes after the ${header.totalBytes} the header records`, DAMAGED_FIX);
  }
  const end = Buffer.alloc(END.length);
  readAll(fd, end, header.totalBytes - END.length, path, 'end marker');
  if (end.toString('latin1') !== END) throw new CheckpointError(path, 'end marker', 'checksum', `is not '${END}'`, DAMAGED_FIX);
  return header;
}

function mismatch(path: string, section: string, detail: string, fix = 'build the same model config before loading'): CheckpointError {
  return new CheckpointError(path, section, 'mismatch', detail, fix);
}

/**
 * Loads parameters (and optimizer state, when `optimizer` is given and the file has it) into an
 * allocated store of the same layout, reading straight into the flat buffers and checking each
 * buffer's CRC-32, including those not loaded.
 */
export function loadCheckpoint(path: string, store: ParameterStore, optimizer: Optimizer | null = null): CheckpointHeader {
  const fd = open(path);
  try {
    const h = readHeader(fd, path);
    if (h.dtype !== store.dtype) throw mismatch(path, 'header', `holds ${h.dtype}, the store is ${store.dtype}`);
    const mine = store.layout();
    if (h.tasks !== store.tasks || h.size !== store.size || h.layout.length !== mine.length) {
      throw mismatch(path, 'layout', `has ${h.layout.length} parameters (${h.size} values, ${h.tasks} tasks), the store ${mine.length} (${store.size} values, ${store.tasks} tasks)`);
    }
    for (let i = 0; i < mine.length; i++) {
      const a = h.layout[i]!, b = mine[i]!;
      if (a.name !== b.name || a.group !== b.group || a.offset !== b.offset || a.sparse !== b.sparse || a.shape.join('x') !== b.shape.join('x')) {
        throw mismatch(path, 'layout', `parameter ${i} differs: file has '${a.name}' [${a.shape.join('x')}] (${a.group}), the store '${b.name}' [${b.shape.join('x')}] (${b.group})`);
      }
    }
    const targets = new Map<string, Storage>([['values', store.values]]);
    if (optimizer) {
      if (!h.optimizer) throw mismatch(path, 'header', 'has no optimizer state', 'load it without an optimizer');
      const st = optimizer.state();
      if (st.name !== h.optimizer.name) throw mismatch(path, 'header', `has ${h.optimizer.name} state, the optimizer is ${st.name}`, `use the ${h.optimizer.name} optimizer`);
      for (const [k, b] of Object.entries(st.buffers)) targets.set(`optimizer.${k}`, b);
      for (const k of targets.keys()) {
        if (!h.buffers.some((b) => b.name === k)) throw mismatch(path, bufferSection(k), 'is not in the file', `use the ${h.optimizer.name} optimizer with the same options`);
      }
    }
    for (const b of h.buffers) {
      const t = targets.get(b.name);
      if (t && t.length !== b.length) throw mismatch(path, bufferSection(b.name), `has ${b.length} entries, expected ${t.length}`);
    }
    for (const b of h.buffers) {
      const t = targets.get(b.name);
      const got = t
        ? readAll(fd, bytesOf(t), b.byteOffset, path, bufferSection(b.name))
        : crcOfRange(fd, b.byteOffset, b.length * elBytes(h), path, bufferSection(b.name));
      checkCrc(path, b.name, got, b.crc32);
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
