// fast-check arbitraries for bencode values (shared by the property tests).
import fc from 'fast-check';
import { compareBytes } from '../../src/bencode/index.js';
import type { BDict, BValue } from '../../src/bencode/index.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Integers as decode returns them: numbers in the safe range, bigints beyond it (int64). */
export const bint: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((n) => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)),
  fc.constantFrom<number | bigint>(0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, INT64_MAX, INT64_MIN, 2n ** 53n, -(2n ** 53n)),
);

export const bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 400 }) },
);

const latin1 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString('latin1');

export const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('announce', 'info', 'length', 'path', 'pieces', 'a', 'aa', 'b', ''),
  fc.uint8Array({ maxLength: 12 }).map(latin1),
  fc.uint8Array({ minLength: 33, maxLength: 60 }).map(latin1),
);

/** Any decodable value; dicts are Maps with unique keys in arbitrary order. */
export const bvalue: fc.Arbitrary<BValue> = fc.letrec<{ value: BValue; list: BValue[]; dict: BDict }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, bint, bytes, tie('list'), tie('dict')),
  list: fc.array(tie('value'), { maxLength: 6 }),
  dict: fc.uniqueArray(fc.tuple(key, tie('value')), { selector: (e) => e[0], maxLength: 6 }).map((entries) => new Map(entries)),
})).value;

/** The same Map with keys in byte order, as decode yields it from canonical input. */
export function sortedDeep(v: BValue): BValue {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v instanceof Map) {
    const entries = [...v].sort((a, b) => compareBytes(Buffer.from(a[0], 'latin1'), Buffer.from(b[0], 'latin1')));
    return new Map(entries.map(([k, val]) => [k, sortedDeep(val)]));
  }
  return v;
}
