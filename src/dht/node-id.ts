/**
 * Node ids: BEP 42 secure ids (first 21 bits from CRC-32C of the masked external IP) and
 * the XOR metric helpers of BEP 5.
 */
import { randomBytes } from 'node:crypto';
import { familyOf, ipBytes } from './compact.js';
import { ID_LEN } from './compact.js';

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as BEP 42 uses it. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const MASK4 = [0x03, 0x0f, 0x3f, 0xff];
const MASK6 = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

/** The BEP 42 CRC for an IP (4 or 16 bytes) and r in 0..7. */
export function bep42Crc(ip: Uint8Array, r: number): number {
  const mask = ip.length === 4 ? MASK4 : MASK6;
  const b = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) b[i] = ip[i]! & mask[i]!;
  b[0] = b[0]! | ((r & 7) << 5);
  return crc32c(b);
}

/**
 * A BEP 42 node id for our external IP: bytes 0-1 and the top 5 bits of byte 2 from the CRC,
 * the rest random, byte 19 = `rand` (r = rand & 7). Local addresses get a plain random id.
 */
export function secureNodeId(ip: string, rand = randomBytes(1)[0]!): Buffer {
  const id = randomBytes(ID_LEN);
  const bytes = ipBytes(ip);
  if (!bytes || isLocalAddress(ip)) return id;
  const crc = bep42Crc(bytes, rand & 7);
  id[0] = (crc >>> 24) & 0xff;
  id[1] = (crc >>> 16) & 0xff;
  id[2] = ((crc >>> 8) & 0xf8) | (id[2]! & 0x07);
  id[19] = rand & 0xff;
  return id;
}

/** Whether `id` is a valid BEP 42 id for `ip` (always true for local addresses, which BEP 42 exempts). */
export function isSecureNodeId(id: Uint8Array, ip: string): boolean {
  if (id.length !== ID_LEN) return false;
  if (isLocalAddress(ip)) return true;
  const bytes = ipBytes(ip);
  if (!bytes) return false;
  const crc = bep42Crc(bytes, id[19]! & 7);
  return id[0] === ((crc >>> 24) & 0xff) && id[1] === ((crc >>> 16) & 0xff) && (id[2]! & 0xf8) === ((crc >>> 8) & 0xf8);
}

/**
 * Addresses BEP 42 exempts (10/8, 172.16/12, 192.168/16, 169.254/16, 127/8) plus their
 * IPv6 counterparts (loopback, link-local fe80::/10, unique-local fc00::/7).
 */
export function isLocalAddress(host: string): boolean {
  const fam = familyOf(host);
  const b = ipBytes(host);
  if (!b) return false;
  if (fam === 4) {
    const [a, c] = [b[0]!, b[1]!];
    return a === 10 || a === 127 || (a === 172 && (c & 0xf0) === 16) || (a === 192 && c === 168) || (a === 169 && c === 254);
  }
  if (b.every((x, i) => (i === 15 ? x === 1 : x === 0))) return true; // ::1
  return (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) || (b[0]! & 0xfe) === 0xfc;
}

/** XOR distance of a and b (20 bytes each). */
export function distance(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(ID_LEN);
  for (let i = 0; i < ID_LEN; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Negative when a is closer to target than b, positive when farther, 0 when equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_LEN; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits a and b share (160 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_LEN; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_LEN * 8;
}

export function idEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function randomId(): Buffer {
  return randomBytes(ID_LEN);
}

/** A random id sharing the first `bits` bits with `id` (used to refresh a bucket). */
export function randomIdInBucket(id: Uint8Array, bits: number): Buffer {
  const out = randomBytes(ID_LEN);
  const whole = Math.min(bits >> 3, ID_LEN);
  for (let i = 0; i < whole; i++) out[i] = id[i]!;
  const rest = bits & 7;
  if (whole < ID_LEN && rest > 0) {
    const keep = 0xff << (8 - rest);
    out[whole] = (id[whole]! & keep) | (out[whole]! & ~keep & 0xff);
  }
  // Flip the next bit so the id falls in the bucket at depth `bits`, not deeper.
  if (bits < ID_LEN * 8) {
    const byte = bits >> 3;
    const bit = 0x80 >> (bits & 7);
    out[byte] = (id[byte]! & bit) ^ bit | (out[byte]! & ~bit & 0xff);
  }
  return out;
}
