import { need, type HostFile, type HostFiles } from '../platform/host.ts';
import { CheckpointError } from './checkpoint-error.ts';
import type { CheckpointHeader } from './checkpoint-header.ts';
import { loadFrom, readHeaderFrom, verifyFrom, writeCheckpointTo, type ByteSource } from './checkpoint-codec.ts';
import type { Optimizer } from './optim/optimizer.ts';
import type { ParameterStore } from './store.ts';

export { CheckpointError, type CheckpointFault } from './checkpoint-error.ts';
export type { CheckpointHeader } from './checkpoint-header.ts';
export { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.ts';

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
 *
 * This file is the part that touches files, through the host's file capability
 * (../platform); the bytes themselves are ./checkpoint-codec.ts, which also reads and writes
 * them in memory (`encodeCheckpoint`, `decodeCheckpoint`) where there is no file system.
 */
const files = (): HostFiles => need('files', 'keep checkpoints as bytes with encodeCheckpoint / decodeCheckpoint');

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
  const fs = files();
  const tmp = fs.tempBeside(path);
  const f = fs.open(tmp, 'w');
  let header: CheckpointHeader;
  try {
    header = writeCheckpointTo(f, store, optimizer, meta);
    f.sync();
    f.close();
    verifyCheckpoint(tmp);
  } catch (err) {
    try { f.close(); } catch { /* closed above */ }
    try { fs.remove(tmp); } catch { /* already gone */ }
    if (err instanceof CheckpointError) {
      throw new CheckpointError(path, err.section, err.fault, `the new file did not read back as written (${err.detail})`, 'the disk may be full or failing; the previous file was kept');
    }
    throw err;
  }
  if (opts.previous && fs.exists(path)) keepPrevious(fs, path, opts.previous);
  fs.rename(tmp, path);
  fs.syncDir(fs.dirname(path));
  return header;
}

/** `previous` becomes the file now at `path`, atomically, while `path` itself stays in place. */
function keepPrevious(fs: HostFiles, path: string, previous: string): void {
  const tmp = fs.tempBeside(previous);
  fs.linkOrCopy(path, tmp);
  fs.rename(tmp, previous);
}

/** Runs `fn` on the file at `path` opened for reading; a missing file is a CheckpointError. */
function withFile<T>(path: string, fn: (src: ByteSource) => T): T {
  let f: HostFile;
  try {
    f = files().open(path, 'r');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new CheckpointError(path, 'file', 'missing', 'no such file', 'check the path');
    throw e;
  }
  try {
    return fn(f);
  } finally {
    f.close();
  }
}

/** Reads and checks the lead, the header (CRC and schema), the size and the end marker. */
export function readCheckpointHeader(path: string): CheckpointHeader {
  return withFile(path, (src) => readHeaderFrom(src, path));
}

/** Every check, every buffer's CRC included, without touching any store; returns the header. */
export function verifyCheckpoint(path: string): CheckpointHeader {
  return withFile(path, (src) => verifyFrom(src, path));
}

/**
 * Loads parameters (and optimizer state, when `optimizer` is given and the file has it) into an
 * allocated store of the same layout, reading straight into the flat buffers and checking each
 * buffer's CRC-32, including those not loaded.
 */
export function loadCheckpoint(path: string, store: ParameterStore, optimizer: Optimizer | null = null): CheckpointHeader {
  return withFile(path, (src) => loadFrom(src, path, store, optimizer));
}
