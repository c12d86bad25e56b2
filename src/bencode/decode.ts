import { BencodeError } from './errors.js';
import type { BDict, BList, BValue } from './types.js';

export interface DecodeOptions {
  /**
   * Strict BEP 3 (default): integers and lengths canonical (no leading zeros, no -0),
   * dict keys sorted and unique. Lenient mode accepts those soft errors, as real-world
   * torrents need; on duplicate keys the first one wins.
   */
  readonly strict?: boolean;
  /** Allow bytes after the root value (they are ignored). Default false. */
  readonly allowTrailing?: boolean;
  /** Maximum nesting of lists and dicts. Default 100. */
  readonly maxDepth?: number;
  /** Maximum number of values (ints, strings, lists, dicts) in the whole input. Default 4,000,000. */
  readonly maxItems?: number;
  /** Record the [start, end) byte span of every dict, read back with `spanOf`. Default false. */
  readonly spans?: boolean;
}

export interface Decoded {
  readonly value: BValue;
  /** Bytes consumed by the root value. */
  readonly end: number;
  /** Raw spans of dicts when `spans` was set. */
  readonly spans: WeakMap<BDict, readonly [number, number]> | undefined;
}

const C_0 = 0x30;
const C_9 = 0x39;
const C_COLON = 0x3a;
const C_MINUS = 0x2d;
const C_E = 0x65;
const C_I = 0x69;
const C_L = 0x6c;
const C_D = 0x64;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Decodes one bencoded value. Throws `BencodeError` (with a byte offset) on any malformed input. */
export function decode(input: Uint8Array, opts: DecodeOptions = {}): BValue {
  return decodeFull(input, opts).value;
}

/** Decodes and also reports where the value ended and, optionally, the raw span of every dict. */
export function decodeFull(input: Uint8Array, opts: DecodeOptions = {}): Decoded {
  const d = new Decoder(input, opts);
  if (input.length === 0) throw new BencodeError('unexpected_eof', 0, 'empty input');
  const value = d.value(0);
  if (d.pos !== input.length && !opts.allowTrailing) {
    throw new BencodeError('trailing_bytes', d.pos, `${input.length - d.pos} trailing byte(s) after the value`);
  }
  return { value, end: d.pos, spans: d.spans };
}

class Decoder {
  pos = 0;
  private items = 0;
  private readonly buf: Uint8Array;
  private readonly len: number;
  private readonly strict: boolean;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  readonly spans: WeakMap<BDict, readonly [number, number]> | undefined;

  constructor(buf: Uint8Array, opts: DecodeOptions) {
    this.buf = buf;
    this.len = buf.length;
    this.strict = opts.strict ?? true;
    this.maxDepth = opts.maxDepth ?? 100;
    this.maxItems = opts.maxItems ?? 4_000_000;
    this.spans = opts.spans ? new WeakMap() : undefined;
  }

  value(depth: number): BValue {
    if (this.pos >= this.len) throw new BencodeError('unexpected_eof', this.pos);
    if (++this.items > this.maxItems) throw new BencodeError('limit_exceeded', this.pos, 'too many values');
    const c = this.buf[this.pos]!;
    if (c >= C_0 && c <= C_9) return this.string();
    if (c === C_I) return this.integer();
    if (c === C_L) return this.list(depth);
    if (c === C_D) return this.dict(depth);
    throw new BencodeError(c === C_E ? 'unexpected_eof' : 'expected_value', this.pos, `unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  }

  /** Reads a string's length prefix and returns the payload view. */
  string(): Uint8Array {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let n = 0;
    while (p < this.len) {
      const c = buf[p]!;
      if (c === C_COLON) break;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_colon', p);
      n = n * 10 + (c - C_0);
      // Any length beyond the input is an EOF error, and stopping early keeps `n` exact.
      if (n > this.len) throw new BencodeError(p - start > 18 ? 'overflow' : 'unexpected_eof', start, 'string longer than the input');
      p++;
    }
    if (p >= this.len) throw new BencodeError('unexpected_eof', p);
    if (p === start) throw new BencodeError('expected_digit', p);
    if (this.strict && buf[start] === C_0 && p - start > 1) throw new BencodeError('non_canonical', start, 'leading zero in string length');
    p++;
    if (p + n > this.len) throw new BencodeError('unexpected_eof', start, 'string longer than the input');
    this.pos = p + n;
    return buf.subarray(p, p + n);
  }

  integer(): number | bigint {
    const buf = this.buf;
    const start = this.pos;
    let p = start + 1;
    let neg = false;
    if (p < this.len && buf[p] === C_MINUS) {
      neg = true;
      p++;
    }
    const digits = p;
    let n = 0;
    while (p < this.len) {
      const c = buf[p]!;
      if (c === C_E) break;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', p);
      n = n * 10 + (c - C_0);
      p++;
    }
    if (p >= this.len) throw new BencodeError('unexpected_eof', p);
    const count = p - digits;
    if (count === 0) throw new BencodeError('expected_digit', p);
    if (this.strict) {
      if (buf[digits] === C_0 && (count > 1 || neg)) throw new BencodeError('non_canonical', start, neg ? 'negative zero' : 'leading zero in integer');
    }
    this.pos = p + 1;
    if (count <= 15) return neg ? (n === 0 ? 0 : -n) : n;
    if (count > 19 && !(buf[digits] === C_0)) throw new BencodeError('overflow', start, 'integer out of 64-bit range');
    let big = 0n;
    for (let i = digits; i < p; i++) big = big * 10n + BigInt(buf[i]! - C_0);
    if (neg) big = -big;
    if (big > INT64_MAX || big < INT64_MIN) throw new BencodeError('overflow', start, 'integer out of 64-bit range');
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  list(depth: number): BList {
    if (depth >= this.maxDepth) throw new BencodeError('depth_exceeded', this.pos);
    this.pos++;
    const out: BList = [];
    for (;;) {
      if (this.pos >= this.len) throw new BencodeError('unexpected_eof', this.pos);
      if (this.buf[this.pos] === C_E) {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
    }
  }

  dict(depth: number): BDict {
    if (depth >= this.maxDepth) throw new BencodeError('depth_exceeded', this.pos);
    const start = this.pos++;
    const out: BDict = new Map();
    const buf = this.buf;
    let prev: Uint8Array | undefined;
    for (;;) {
      if (this.pos >= this.len) throw new BencodeError('unexpected_eof', this.pos);
      const c = buf[this.pos]!;
      if (c === C_E) {
        this.pos++;
        this.spans?.set(out, [start, this.pos]);
        return out;
      }
      const keyAt = this.pos;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', keyAt, 'dict key must be a string');
      if (++this.items > this.maxItems) throw new BencodeError('limit_exceeded', keyAt, 'too many values');
      const kb = this.string();
      if (this.pos >= this.len) throw new BencodeError('unexpected_eof', this.pos);
      if (buf[this.pos] === C_E) throw new BencodeError('expected_value', this.pos, 'dict key without a value');
      if (prev !== undefined) {
        const cmp = compareBytes(prev, kb);
        if (cmp >= 0 && this.strict) throw new BencodeError(cmp === 0 ? 'duplicate_key' : 'unsorted_keys', keyAt);
      }
      prev = kb;
      const key = latin1(kb);
      const v = this.value(depth + 1);
      if (!out.has(key)) out.set(key, v);
    }
  }
}

/** Byte-wise comparison, as BEP 3 orders dict keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function latin1(b: Uint8Array): string {
  if (b.length <= 16) {
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}
