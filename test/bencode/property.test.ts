import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { BencodeError, decode, decodeFull, encode, encodedLength } from '../../src/bencode/index.js';
import { bvalue, sortedDeep } from './arbitraries.js';
import { tag } from './helpers.js';

/** decode in both modes; anything but success or a BencodeError fails the property. */
function decodeOnlyBencodeErrors(input: Uint8Array): void {
  for (const strict of [true, false]) {
    try {
      decode(input, { strict });
    } catch (e) {
      if (!(e instanceof BencodeError)) throw e;
      assert.ok(e.offset >= 0 && e.offset <= input.length, `offset ${e.offset} within the input`);
    }
  }
}

test('decode(encode(x)) deep-equals x', () => {
  fc.assert(
    fc.property(bvalue, (x) => {
      const out = encode(x);
      assert.equal(encodedLength(x), out.length);
      const back = decode(out);
      assert.deepEqual(back, x);
      // With keys sorted, the match also holds in order (tag() keeps dict order).
      assert.deepEqual(tag(back), tag(sortedDeep(x)));
      // Canonical: re-encoding the decoded value gives the same bytes, and lenient agrees.
      assert.ok(encode(back).equals(out));
      assert.deepEqual(tag(decode(out, { strict: false })), tag(back));
    }),
    { numRuns: 1500 },
  );
});

test('every proper prefix of a valid encoding throws BencodeError', () => {
  fc.assert(
    fc.property(bvalue, (x) => {
      const out = new Uint8Array(encode(x));
      for (let i = 0; i < out.length; i++) {
        for (const strict of [true, false]) {
          assert.throws(() => decode(out.subarray(0, i), { strict }), BencodeError, `prefix of length ${i}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('decodeFull(...).end is the encoding length when trailing bytes are allowed', () => {
  fc.assert(
    fc.property(bvalue, fc.uint8Array({ minLength: 1, maxLength: 16 }), (x, tail) => {
      const out = encode(x);
      const input = new Uint8Array(out.length + tail.length);
      input.set(out);
      input.set(tail, out.length);
      const r = decodeFull(input, { allowTrailing: true });
      assert.equal(r.end, out.length);
      assert.deepEqual(r.value, x);
      assert.throws(() => decode(input), (e: unknown) => e instanceof BencodeError && e.reason === 'trailing_bytes' && e.offset === out.length);
    }),
    { numRuns: 500 },
  );
});

test('random bytes only ever throw BencodeError', () => {
  const alphabet = fc.constantFrom(...Buffer.from('0123456789:ilde-'));
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(alphabet, { maxLength: 64 }).map((a) => new Uint8Array(a))),
      (input) => decodeOnlyBencodeErrors(input),
    ),
    { numRuns: 5000 },
  );
});

type Mutation = { kind: 'flip' | 'set' | 'insert' | 'delete'; at: number; byte: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete'),
  at: fc.nat(),
  byte: fc.oneof(fc.nat(255), fc.constantFrom(...Buffer.from('0123456789:ilde-'))),
});

function mutate(input: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  const a = [...input];
  for (const m of muts) {
    const at = a.length === 0 ? 0 : m.at % (a.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'flip' && a.length > 0) a[at] = a[at]! ^ (1 << (m.byte & 7));
    else if (m.kind === 'set' && a.length > 0) a[at] = m.byte;
    else if (m.kind === 'insert') a.splice(at, 0, m.byte);
    else if (m.kind === 'delete') a.splice(at, 1);
  }
  return new Uint8Array(a);
}

test('mutated valid encodings only ever throw BencodeError', () => {
  fc.assert(
    fc.property(bvalue, fc.array(mutation, { minLength: 1, maxLength: 4 }), (x, muts) => {
      decodeOnlyBencodeErrors(mutate(new Uint8Array(encode(x)), muts));
    }),
    { numRuns: 3000 },
  );
});

test('spans of every dict equal the encoding of that dict', () => {
  fc.assert(
    fc.property(bvalue, (x) => {
      const out = encode(x);
      const r = decodeFull(out, { spans: true });
      const visit = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v instanceof Map) {
          const s = r.spans!.get(v);
          assert.ok(s);
          assert.ok(Buffer.from(out.subarray(s[0], s[1])).equals(encode(v)));
          v.forEach(visit);
        }
      };
      visit(r.value);
    }),
    { numRuns: 500 },
  );
});
