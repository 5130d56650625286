/** Whether two float32 arrays hold the same bits (NaN payloads, -0 and all): the kernels' contract with their twins. */
export function sameBits(x: Float32Array, y: Float32Array): boolean {
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
}
