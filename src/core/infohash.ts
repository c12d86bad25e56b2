import { ShoalError } from './errors.js';

/** A 20-byte SHA-1 info-hash (v1) with hex and base32 forms. */
export class InfoHash {
  readonly bytes: Buffer;
  readonly hex: string;

  private constructor(bytes: Buffer) {
    this.bytes = bytes;
    this.hex = bytes.toString('hex');
  }

  static fromBytes(b: Uint8Array): InfoHash {
    if (b.length !== 20) throw new ShoalError('EINFOHASH', `info-hash must be 20 bytes, got ${b.length}`);
    return new InfoHash(Buffer.from(b));
  }

  /** Accepts 40 hex characters or 32 base32 characters (RFC 4648, case-insensitive). */
  static parse(s: string): InfoHash {
    if (/^[0-9a-fA-F]{40}$/.test(s)) return new InfoHash(Buffer.from(s, 'hex'));
    if (/^[A-Za-z2-7]{32}$/.test(s)) return new InfoHash(base32Decode(s));
    throw new ShoalError('EINFOHASH', `not an info-hash (40 hex or 32 base32 characters): ${s.slice(0, 64)}`);
  }

  get base32(): string {
    return base32Encode(this.bytes);
  }

  equals(other: InfoHash): boolean {
    return this.bytes.equals(other.bytes);
  }

  toString(): string {
    return this.hex;
  }
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes unpadded RFC 4648 base32; throws on characters outside the alphabet. */
export function base32Decode(s: string): Buffer {
  const out = Buffer.alloc(Math.floor((s.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (const ch of s.toUpperCase()) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new ShoalError('EBASE32', `invalid base32 character ${JSON.stringify(ch)}`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}
