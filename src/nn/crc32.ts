import { host } from '../platform/host.ts';

/**
 * CRC-32 (the zlib / PNG polynomial, reflected 0xEDB88320), for the checkpoint format's section
 * checksums. Node has zlib.crc32 from 20.15 on, which the Node host offers; this file carries
 * a slicing-by-8 twin for older Nodes and for hosts without one (a browser). Both give the
 * same numbers (test/nn/io.test.ts).
 * `crc32(b, crc32(a))` equals `crc32(a ++ b)`, so large buffers can be checked in chunks.
 */
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** The portable implementation (exported for the parity test). */
export function crc32Portable(data: Uint8Array, prev = 0): number {
  const t = TABLES;
  let c = ~prev >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t[7 * 256 + (a & 0xff)]! ^ t[6 * 256 + ((a >>> 8) & 0xff)]! ^ t[5 * 256 + ((a >>> 16) & 0xff)]! ^ t[4 * 256 + (a >>> 24)]!
      ^ t[3 * 256 + data[i + 4]!]! ^ t[2 * 256 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32(data: Uint8Array, prev = 0): number {
  const native = host().crc32;
  return native ? native(data, prev) : crc32Portable(data, prev);
}
