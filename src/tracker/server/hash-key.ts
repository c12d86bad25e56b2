/** A 20-byte info-hash as a 20-char latin1 string: a cheap Map key. */
export function hashKey(h: Uint8Array): string {
  return Buffer.from(h.buffer, h.byteOffset, 20).toString('latin1');
}
