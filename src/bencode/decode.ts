import { BencodeError } from './errors.js';
import { latin1Key } from './keys.js';
import type { BDict, BList, BValue } from './types.js';
import { C_0, C_9, C_COLON, C_D, C_E, C_I, C_L, C_MINUS } from './bytes.js';

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
  /** Maximum number of values (ints, strings, lists, dicts, dict keys) in the whole input. Default 4,000,000. */
  readonly maxItems?: number;
  /** Record the [start, end) byte span of every dict, read back from `Decoded.spans`. Default false. */
  readonly spans?: boolean;
}

export interface Decoded {
  readonly value: BValue;
  /** Bytes consumed by the root value. */
  readonly end: number;
  /** Raw spans of dicts when `spans` was set. */
  readonly spans: WeakMap<BDict, readonly [number, number]> | undefined;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * Decodes one bencoded value. Throws `BencodeError` (with a byte offset) on any malformed
 * input and on nothing else. Byte strings in the result are plain `Uint8Array` views of
 * `input` (also when it is a Buffer), not copies. Error names and offsets follow libtorrent's
 * bdecode where it defines them (e.g. an over-long string is `unexpected_eof` at its colon).
 */
export function decode(input: Uint8Array, opts: DecodeOptions = {}): BValue {
  return decodeFull(input, opts).value;
}

/** Decodes and also reports where the value ended and, optionally, the raw span of every dict. */
export function decodeFull(input: Uint8Array, opts: DecodeOptions = {}): Decoded {
  if (!(input instanceof Uint8Array)) throw new TypeError('decode expects a Uint8Array or Buffer');
  if (input.length === 0) throw new BencodeError('unexpected_eof', 0, 'empty input');
  const d = new Decoder(input, opts);
  let value: BValue;
  try {
    value = d.value(0);
  } catch (e) {
    // Only reachable with a maxDepth far above the default: report it as a depth error.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new BencodeError('depth_exceeded', d.pos, 'nesting too deep for the call stack');
    }
    throw e;
  }
  if (d.pos !== input.length && !opts.allowTrailing) {
    throw new BencodeError('trailing_bytes', d.pos, `${input.length - d.pos} trailing byte(s) after the value`);
  }
  return { value, end: d.pos, spans: d.spans };
}

class Decoder {
  pos = 0;
  private items = 0;
  private readonly stack: BValue[] = [];
  private sp = 0;
  /** A plain Uint8Array over the input (Buffer's own subarray is slower). */
  private readonly buf: Uint8Array;
  private readonly ab: ArrayBufferLike;
  private readonly base: number;
  private readonly len: number;
  private readonly strict: boolean;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  readonly spans: WeakMap<BDict, readonly [number, number]> | undefined;

  constructor(input: Uint8Array, opts: DecodeOptions) {
    this.ab = input.buffer;
    this.base = input.byteOffset;
    this.len = input.length;
    this.buf = new Uint8Array(this.ab, this.base, this.len);
    this.strict = opts.strict ?? true;
    this.maxDepth = opts.maxDepth ?? 100;
    this.maxItems = opts.maxItems ?? 4_000_000;
    this.spans = opts.spans ? new WeakMap() : undefined;
  }

  value(depth: number): BValue {
    const p = this.pos;
    if (p >= this.len) throw new BencodeError('unexpected_eof', p);
    if (++this.items > this.maxItems) throw new BencodeError('limit_exceeded', p, 'too many values');
    const c = this.buf[p]!;
    if (c <= C_9 && c >= C_0) {
      const n = this.strLen();
      const at = this.pos;
      this.pos = at + n;
      return new Uint8Array(this.ab, this.base + at, n);
    }
    if (c === C_D) return this.dict(depth);
    if (c === C_L) return this.list(depth);
    if (c === C_I) return this.integer();
    if (c === C_E) throw new BencodeError('unexpected_eof', p, "unexpected 'e' where a value should start");
    throw new BencodeError('expected_value', p, `unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  }

  /**
   * Reads a string's length prefix (this.pos is on its first digit), checks the string fits
   * in the input, leaves this.pos on the first payload byte and returns the length.
   */
  private strLen(): number {
    const buf = this.buf;
    const len = this.len;
    const start = this.pos;
    let n = buf[start]! - C_0;
    let p = start + 1;
    if (p >= len) throw new BencodeError('unexpected_eof', p);
    for (;;) {
      const c = buf[p]!;
      if (c === C_COLON) break;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', p, 'bad byte in a string length');
      n = n * 10 + (c - C_0);
      if (n > len) return this.badLength(start);
      if (++p >= len) throw new BencodeError('expected_colon', p);
    }
    if (this.strict && buf[start] === C_0 && p - start > 1) {
      throw new BencodeError('non_canonical', start, 'leading zero in string length');
    }
    if (n > len - p - 1) throw new BencodeError('unexpected_eof', p, 'string longer than the input');
    this.pos = p + 1;
    return n;
  }

  /** Error path for a length already known to exceed the input: find the precise error. */
  private badLength(start: number): never {
    const buf = this.buf;
    let v = 0n;
    let p = start;
    while (p < this.len && buf[p] !== C_COLON) {
      const c = buf[p]!;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', p, 'bad byte in a string length');
      v = v * 10n + BigInt(c - C_0);
      if (v > INT64_MAX) throw new BencodeError('overflow', p, 'string length out of 64-bit range');
      p++;
    }
    if (p >= this.len) throw new BencodeError('expected_colon', p);
    if (this.strict && buf[start] === C_0) throw new BencodeError('non_canonical', start, 'leading zero in string length');
    throw new BencodeError('unexpected_eof', p, 'string longer than the input');
  }

  private integer(): number | bigint {
    const buf = this.buf;
    const len = this.len;
    const start = this.pos;
    let p = start + 1;
    if (p >= len) throw new BencodeError('unexpected_eof', p);
    const neg = buf[p] === C_MINUS;
    if (neg && ++p >= len) throw new BencodeError('unexpected_eof', p);
    const first = p;
    let n = 0;
    for (;;) {
      const c = buf[p]!;
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', p, 'bad byte in an integer');
      n = n * 10 + (c - C_0);
      if (++p >= len) throw new BencodeError('unexpected_eof', p);
      if (buf[p] === C_E) break;
    }
    const digits = p - first;
    if (digits > 20) throw new BencodeError('overflow', p, 'integer out of 64-bit range');
    if (this.strict && buf[first] === C_0 && (digits > 1 || neg)) {
      throw new BencodeError('non_canonical', start, neg ? 'negative zero' : 'leading zero in an integer');
    }
    this.pos = p + 1;
    // Up to 15 digits the double is exact; `0 - n` turns a lenient "-0" into 0.
    if (digits <= 15) return neg ? 0 - n : n;
    let s = neg ? '-' : '';
    for (let i = first; i < p; i++) s += String.fromCharCode(buf[i]!);
    const big = BigInt(s);
    if (big > INT64_MAX || big < INT64_MIN) throw new BencodeError('overflow', p, 'integer out of 64-bit range');
    return big >= SAFE_MIN && big <= SAFE_MAX ? Number(big) : big;
  }

  private list(depth: number): BList {
    if (depth >= this.maxDepth) throw new BencodeError('depth_exceeded', this.pos);
    const buf = this.buf;
    const len = this.len;
    this.pos++;
    // Items go on a shared stack and are copied out once into an exact-size array: a pushed
    // array keeps spare capacity, which costs memory and GC time on big torrents.
    const stack = this.stack;
    const base = this.sp;
    for (;;) {
      const p = this.pos;
      if (p >= len) throw new BencodeError('unexpected_eof', p);
      if (buf[p] === C_E) {
        this.pos = p + 1;
        const out = stack.slice(base, this.sp);
        this.sp = base;
        return out;
      }
      const v = this.value(depth + 1);
      stack[this.sp++] = v;
    }
  }

  private dict(depth: number): BDict {
    if (depth >= this.maxDepth) throw new BencodeError('depth_exceeded', this.pos);
    const buf = this.buf;
    const len = this.len;
    const start = this.pos++;
    const out: BDict = new Map();
    let prevAt = -1;
    let prevLen = 0;
    // While keys strictly increase no key can repeat, so lenient mode needs no lookup.
    let ordered = true;
    for (;;) {
      const p = this.pos;
      if (p >= len) throw new BencodeError('unexpected_eof', p);
      const c = buf[p]!;
      if (c === C_E) {
        this.pos = p + 1;
        this.spans?.set(out, [start, p + 1]);
        return out;
      }
      if (c < C_0 || c > C_9) throw new BencodeError('expected_digit', p, 'dict key must be a byte string');
      if (++this.items > this.maxItems) throw new BencodeError('limit_exceeded', p, 'too many values');
      const n = this.strLen();
      const at = this.pos;
      const after = at + n;
      this.pos = after;
      if (after >= len) throw new BencodeError('unexpected_eof', after);
      if (buf[after] === C_E) throw new BencodeError('expected_value', after, 'dict key without a value');
      if (ordered && prevAt >= 0) {
        const cmp = compareRange(buf, prevAt, prevLen, at, n);
        if (cmp >= 0) {
          if (this.strict) throw new BencodeError(cmp === 0 ? 'duplicate_key' : 'unsorted_keys', p);
          ordered = false;
        }
      }
      prevAt = at;
      prevLen = n;
      const key = latin1Key(buf, at, n);
      const v = this.value(depth + 1);
      if (ordered || !out.has(key)) out.set(key, v);
    }
  }
}

function compareRange(buf: Uint8Array, a: number, an: number, b: number, bn: number): number {
  const n = an < bn ? an : bn;
  for (let i = 0; i < n; i++) {
    const d = buf[a + i]! - buf[b + i]!;
    if (d !== 0) return d;
  }
  return an - bn;
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
