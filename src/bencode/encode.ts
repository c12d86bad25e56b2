import { BencodeEncodeError } from './errors.js';
import type { BEncodable } from './types.js';
import { C_COLON, C_D, C_E, C_I, C_L, C_MINUS } from './bytes.js';

/**
 * Encodes a value as canonical bencoding: dict keys sorted by their bytes, integers in
 * shortest form. Strings are UTF-8; Map keys are taken as latin1 (as `decode` yields them,
 * so a key char above U+00FF is an error), plain-object keys as UTF-8. `undefined` dict
 * values are skipped; booleans become 0/1. Numbers must be safe integers (bigints may be
 * any size). Throws `BencodeEncodeError` for anything it cannot encode.
 *
 * The exact length is computed first (validating the value), then the bytes are written
 * once into a Buffer of that size.
 */
export function encode(value: BEncodable): Buffer {
  const n = encodedLength(value);
  const w = new Writer(Buffer.allocUnsafe(n));
  try {
    w.value(value);
  } catch (e) {
    // The writer trusts what lengthOf validated; a getter or a mutation that changes the value
    // in between surfaces here (writes past the end, or a value of another type).
    if (e instanceof RangeError || e instanceof TypeError) throw new BencodeEncodeError('value changed while it was being encoded');
    throw e;
  }
  if (w.pos !== n) throw new BencodeEncodeError('value changed while it was being encoded');
  return w.buf;
}

/** The number of bytes `encode(value)` produces; throws `BencodeEncodeError` where `encode` would. */
export function encodedLength(value: BEncodable): number {
  return lengthOf(value, 0);
}

const MAX_DEPTH = 1000;

type Obj = { readonly [key: string]: BEncodable | undefined };
type AnyMap = ReadonlyMap<unknown, BEncodable | undefined>;

function digitCount(n: number): number {
  if (n < 100_000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
  let count = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) count++;
  return count;
}

/** Length of the encoding; also validates everything the writer relies on. */
function lengthOf(v: BEncodable, depth: number): number {
  if (v instanceof Uint8Array) return digitCount(v.length) + 1 + v.length;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new BencodeEncodeError(`cannot encode ${v}: numbers must be safe integers (use a bigint beyond 2^53)`);
    return v < 0 ? digitCount(-v) + 3 : digitCount(v) + 2;
  }
  if (typeof v === 'string') {
    const n = Buffer.byteLength(v, 'utf8');
    return digitCount(n) + 1 + n;
  }
  if (typeof v === 'bigint') return v.toString().length + 2;
  if (typeof v === 'boolean') return 3;
  if (typeof v !== 'object' || v === null) throw new BencodeEncodeError(`cannot encode ${describe(v)}`);
  if (depth >= MAX_DEPTH) throw new BencodeEncodeError('value nested too deeply (or cyclic) to encode');
  let total = 2;
  if (Array.isArray(v)) {
    const list = v as readonly BEncodable[];
    for (let i = 0; i < list.length; i++) total += lengthOf(list[i]!, depth + 1);
  } else if (v instanceof Map) {
    for (const [k, val] of v as AnyMap) {
      if (typeof k !== 'string') throw new BencodeEncodeError(`dict (Map) keys must be strings, got ${typeof k}`);
      for (let i = 0; i < k.length; i++) {
        if (k.charCodeAt(i) > 0xff) throw new BencodeEncodeError(`Map key ${JSON.stringify(k)} is not latin1 (one char per byte)`);
      }
      if (val !== undefined) total += digitCount(k.length) + 1 + k.length + lengthOf(val, depth + 1);
    }
  } else if (isPlainObject(v)) {
    const o = v as Obj;
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const val = o[k];
      if (val === undefined) continue;
      const n = Buffer.byteLength(k, 'utf8');
      total += digitCount(n) + 1 + n + lengthOf(val, depth + 1);
    }
  } else {
    throw new BencodeEncodeError(`cannot encode ${describe(v)}`);
  }
  return total;
}

/** Writes a value already validated by `lengthOf` into a buffer of exactly the right size. */
class Writer {
  readonly buf: Buffer;
  pos = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Writes the decimal digits of a non-negative safe integer. */
  private digits(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 0x30 + n;
      return;
    }
    let p = this.pos + digitCount(n);
    this.pos = p;
    let t = n;
    while (t >= 10) {
      const q = Math.floor(t / 10);
      buf[--p] = 0x30 + (t - q * 10);
      t = q;
    }
    buf[--p] = 0x30 + t;
  }

  value(v: BEncodable): void {
    const buf = this.buf;
    if (v instanceof Uint8Array) {
      this.bytes(v);
    } else if (typeof v === 'number') {
      buf[this.pos++] = C_I;
      if (v < 0) {
        buf[this.pos++] = C_MINUS;
        this.digits(-v);
      } else {
        this.digits(v); // -0 lands here and encodes as i0e
      }
      buf[this.pos++] = C_E;
    } else if (typeof v === 'string') {
      this.string(v);
    } else if (Array.isArray(v)) {
      buf[this.pos++] = C_L;
      const list = v as readonly BEncodable[];
      for (let i = 0; i < list.length; i++) this.value(list[i]!);
      buf[this.pos++] = C_E;
    } else if (v instanceof Map) {
      this.map(v as AnyMap);
    } else if (typeof v === 'bigint') {
      buf[this.pos++] = C_I;
      this.pos += buf.write(v.toString(), this.pos, 'latin1');
      buf[this.pos++] = C_E;
    } else if (typeof v === 'boolean') {
      buf[this.pos++] = C_I;
      buf[this.pos++] = v ? 0x31 : 0x30;
      buf[this.pos++] = C_E;
    } else {
      this.object(v as Obj);
    }
  }

  private bytes(b: Uint8Array): void {
    const n = b.length;
    const buf = this.buf;
    this.digits(n);
    buf[this.pos++] = C_COLON;
    if (n <= 32) {
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    } else {
      buf.set(b, this.pos);
    }
    this.pos += n;
  }

  /** A JS string as UTF-8 bytes with its byte-length prefix. */
  private string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.digits(n);
    this.buf[this.pos++] = C_COLON;
    // byteLength === length exactly when every char is ASCII.
    this.pos += this.buf.write(s, this.pos, n === s.length ? 'latin1' : 'utf8');
  }

  /** A key whose chars are all <= 0xFF, one byte each. */
  private latin1(s: string): void {
    const n = s.length;
    const buf = this.buf;
    this.digits(n);
    buf[this.pos++] = C_COLON;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private map(m: AnyMap): void {
    this.buf[this.pos++] = C_D;
    let sorted = true;
    let prev: string | undefined;
    for (const k of m.keys()) {
      if (prev !== undefined && (k as string) <= prev) {
        sorted = false;
        break;
      }
      prev = k as string;
    }
    if (sorted) {
      for (const [k, val] of m) {
        if (val === undefined) continue;
        this.latin1(k as string);
        this.value(val);
      }
    } else {
      // For latin1 strings the default (UTF-16 code unit) order is the byte order; Map keys are unique.
      const keys = [...m.keys()] as string[];
      keys.sort();
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const val = m.get(k);
        if (val === undefined) continue;
        this.latin1(k);
        this.value(val);
      }
    }
    this.buf[this.pos++] = C_E;
  }

  private object(o: Obj): void {
    const keys = Object.keys(o);
    this.buf[this.pos++] = C_D;
    if (!keys.some(hasSurrogate)) {
      // Without surrogates, UTF-16 code unit order is code point order is UTF-8 byte order,
      // and distinct strings have distinct UTF-8 bytes.
      keys.sort();
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const val = o[k];
        if (val === undefined) continue;
        this.string(k);
        this.value(val);
      }
    } else {
      const raw = keys.map((k) => [Buffer.from(k, 'utf8'), k] as const);
      raw.sort((a, b) => Buffer.compare(a[0], b[0]));
      for (let i = 0; i < raw.length; i++) {
        const [kb, k] = raw[i]!;
        if (i > 0 && raw[i - 1]![0].equals(kb)) {
          throw new BencodeEncodeError(`duplicate dict key ${JSON.stringify(k)} (lone surrogates encode as U+FFFD)`);
        }
        const val = o[k];
        if (val === undefined) continue;
        this.bytes(kb);
        this.value(val);
      }
    }
    this.buf[this.pos++] = C_E;
  }
}

function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain'} object`;
  return `a value of type ${typeof v}`;
}
