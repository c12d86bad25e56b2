import { BencodeEncodeError } from './errors.js';
import type { BEncodable } from './types.js';

/**
 * Encodes a value as canonical bencoding: dict keys sorted by their bytes, integers in
 * shortest form. Strings are UTF-8; Map keys are taken as latin1 (as `decode` yields them),
 * plain-object keys as UTF-8. `undefined` dict values are skipped; booleans become 0/1.
 */
export function encode(value: BEncodable): Buffer {
  const w = new Writer();
  w.value(value, 0);
  return w.finish();
}

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ascii(`${b.length}:`);
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  value(v: BEncodable, depth: number): void {
    if (depth > 1000) throw new BencodeEncodeError('value nested too deeply to encode');
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new BencodeEncodeError(`cannot encode non-integer or unsafe number ${v}`);
      this.ascii(`i${v}e`);
    } else if (typeof v === 'bigint') {
      this.ascii(`i${v}e`);
    } else if (typeof v === 'string') {
      this.bytes(Buffer.from(v, 'utf8'));
    } else if (typeof v === 'boolean') {
      this.ascii(v ? 'i1e' : 'i0e');
    } else if (v instanceof Uint8Array) {
      this.bytes(v);
    } else if (Array.isArray(v)) {
      this.byte(0x6c);
      for (const item of v as readonly BEncodable[]) this.value(item, depth + 1);
      this.byte(0x65);
    } else if (v instanceof Map) {
      const entries: [Buffer, BEncodable][] = [];
      for (const [k, val] of v as ReadonlyMap<string, BEncodable | undefined>) {
        if (val !== undefined) entries.push([Buffer.from(k, 'latin1'), val]);
      }
      this.dict(entries, depth);
    } else if (typeof v === 'object' && v !== null) {
      const entries: [Buffer, BEncodable][] = [];
      for (const [k, val] of Object.entries(v as { [key: string]: BEncodable | undefined })) {
        if (val !== undefined) entries.push([Buffer.from(k, 'utf8'), val]);
      }
      this.dict(entries, depth);
    } else {
      throw new BencodeEncodeError(`cannot encode a value of type ${typeof v}`);
    }
  }

  private dict(entries: [Buffer, BEncodable][], depth: number): void {
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    this.byte(0x64);
    for (let i = 0; i < entries.length; i++) {
      const [k, val] = entries[i]!;
      if (i > 0 && entries[i - 1]![0].equals(k)) throw new BencodeEncodeError(`duplicate dict key ${JSON.stringify(k.toString('latin1'))}`);
      this.bytes(k);
      this.value(val, depth + 1);
    }
    this.byte(0x65);
  }
}
