/**
 * The checkpoint header's schema, checked key by key before anything reads it: a renamed or
 * missing key, a wrong type or offsets that do not add up are a CheckpointError('header')
 * naming the key, never a TypeError further on. The header's CRC-32 already catches damage;
 * this catches files that were written wrong or edited by hand.
 */
import { CheckpointError, DAMAGED_FIX } from './checkpoint-error.ts';

export const FORMAT_VERSION = 2;
/** Bytes before the header: magic (8), header length (u32), header CRC-32 (u32). */
export const LEAD_BYTES = 16;
export const END = 'MTLKEND1';

export interface LayoutEntry { name: string; shape: number[]; group: string; offset: number; sparse: boolean }
export interface BufferEntry { name: string; length: number; byteOffset: number; crc32: number }

export interface CheckpointHeader {
  format: 'mtlkit-params';
  version: typeof FORMAT_VERSION;
  dtype: 'float32' | 'float64';
  tasks: number;
  size: number;
  layout: LayoutEntry[];
  optimizer: { name: string; options: Record<string, number | boolean>; step: number } | null;
  buffers: BufferEntry[];
  totalBytes: number;
  meta: Record<string, unknown>;
}

const HEADER_KEYS = ['format', 'version', 'dtype', 'tasks', 'size', 'layout', 'optimizer', 'buffers', 'totalBytes', 'meta'];
const LAYOUT_KEYS = ['name', 'shape', 'group', 'offset', 'sparse'];
const BUFFER_KEYS = ['name', 'length', 'byteOffset', 'crc32'];
const OPTIMIZER_KEYS = ['name', 'options', 'step'];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks `raw` (the parsed header JSON) against the schema; `headerEnd` is where buffers start. */
export function checkHeader(raw: unknown, file: string, headerEnd: number): CheckpointHeader {
  const bad = (where: string, what: string): never => {
    throw new CheckpointError(file, 'header', 'header', `${where} ${what}`, DAMAGED_FIX);
  };
  const keys = (where: string, v: unknown, want: readonly string[]): Record<string, unknown> => {
    if (!isPlainObject(v)) return bad(where, 'is not a JSON object');
    for (const k of want) if (!(k in v)) bad(where, `lacks key '${k}'`);
    for (const k of Object.keys(v)) if (!want.includes(k)) bad(where, `has an unknown key '${k}'`);
    return v;
  };
  const count = (where: string, v: unknown): number => (isCount(v) ? v : bad(where, `must be a non-negative integer, got ${JSON.stringify(v)}`));
  const str = (where: string, v: unknown): string => (typeof v === 'string' ? v : bad(where, `must be a string, got ${JSON.stringify(v)}`));

  const h = keys('the header', raw, HEADER_KEYS);
  if (h.format !== 'mtlkit-params') bad('format', `must be "mtlkit-params", got ${JSON.stringify(h.format)}`);
  if (h.version !== FORMAT_VERSION) bad('version', `must be ${FORMAT_VERSION} (as the file's magic says), got ${JSON.stringify(h.version)}`);
  if (h.dtype !== 'float32' && h.dtype !== 'float64') bad('dtype', `must be "float32" or "float64", got ${JSON.stringify(h.dtype)}`);
  const el = h.dtype === 'float64' ? 8 : 4;
  const tasks = count('tasks', h.tasks);
  if (tasks < 1) bad('tasks', 'must be at least 1');
  const size = count('size', h.size);

  if (!Array.isArray(h.layout)) bad('layout', 'must be a list');
  (h.layout as unknown[]).forEach((e, i) => {
    const where = `layout[${i}]`;
    const p = keys(where, e, LAYOUT_KEYS);
    str(`${where}.name`, p.name);
    str(`${where}.group`, p.group);
    if (typeof p.sparse !== 'boolean') bad(`${where}.sparse`, 'must be true or false');
    if (!Array.isArray(p.shape) || p.shape.length === 0) bad(`${where}.shape`, 'must be a non-empty list of sizes');
    const n = (p.shape as unknown[]).reduce<number>((a, d, j) => a * count(`${where}.shape[${j}]`, d), 1);
    const off = count(`${where}.offset`, p.offset);
    if (off + n > size) bad(where, `ends at ${off + n}, past the store's size ${size}`);
  });

  if (h.optimizer !== null) {
    const o = keys('optimizer', h.optimizer, OPTIMIZER_KEYS);
    str('optimizer.name', o.name);
    count('optimizer.step', o.step);
    if (!isPlainObject(o.options)) bad('optimizer.options', 'must be a JSON object');
    for (const [k, v] of Object.entries(o.options as object)) {
      if (typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) bad(`optimizer.options.${k}`, `must be a number or true/false, got ${JSON.stringify(v)}`);
    }
  }

  if (!Array.isArray(h.buffers) || h.buffers.length === 0) bad('buffers', 'must be a non-empty list');
  let at = headerEnd;
  const seen = new Set<string>();
  (h.buffers as unknown[]).forEach((e, i) => {
    const where = `buffers[${i}]`;
    const b = keys(where, e, BUFFER_KEYS);
    const name = str(`${where}.name`, b.name);
    if (seen.has(name)) bad(`${where}.name`, `repeats '${name}'`);
    seen.add(name);
    if (i === 0 && name !== 'values') bad(`${where}.name`, `must be 'values', got '${name}'`);
    if (i > 0 && !name.startsWith('optimizer.')) bad(`${where}.name`, `must start with 'optimizer.', got '${name}'`);
    if (i > 0 && h.optimizer === null) bad(where, 'holds optimizer state, but the header has no optimizer');
    const length = count(`${where}.length`, b.length);
    if (i === 0 && length !== size) bad(`${where}.length`, `is ${length}, the store's size is ${size}`);
    if (count(`${where}.byteOffset`, b.byteOffset) !== at) bad(`${where}.byteOffset`, `is ${String(b.byteOffset)}, the buffers before it end at ${at}`);
    const crc = count(`${where}.crc32`, b.crc32);
    if (crc > 0xffffffff) bad(`${where}.crc32`, 'is not a 32-bit number');
    at += length * el;
  });
  if (count('totalBytes', h.totalBytes) !== at + END.length) bad('totalBytes', `is ${String(h.totalBytes)}, the buffers and end marker make ${at + END.length}`);
  if (!isPlainObject(h.meta)) bad('meta', 'must be a JSON object');
  return h as unknown as CheckpointHeader;
}
