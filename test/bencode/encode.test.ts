import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { BencodeEncodeError, decode, encode, encodedLength } from '../../src/bencode/index.js';
import type { BEncodable } from '../../src/bencode/index.js';
import { ShoalError } from '../../src/core/errors.js';
import { b } from './helpers.js';

const text = (v: BEncodable) => encode(v).toString('latin1');

function throwsEncode(v: unknown, pattern?: RegExp, checkLength = true): void {
  assert.throws(
    () => encode(v as BEncodable),
    (e: unknown) => {
      assert.ok(e instanceof BencodeEncodeError, `expected BencodeEncodeError, got ${String(e)}`);
      assert.ok(e instanceof ShoalError);
      assert.equal(e.code, 'EBENCODE_ENCODE');
      if (pattern) assert.match(e.message, pattern);
      return true;
    },
  );
  // encodedLength validates like encode (except key collisions, found while sorting).
  if (checkLength) assert.throws(() => encodedLength(v as BEncodable), BencodeEncodeError);
}

describe('encode: scalars', () => {
  test('integers', () => {
    assert.equal(text(0), 'i0e');
    assert.equal(text(-0), 'i0e');
    assert.equal(text(7), 'i7e');
    assert.equal(text(-42), 'i-42e');
    assert.equal(text(1234567890), 'i1234567890e');
    assert.equal(text(Number.MAX_SAFE_INTEGER), 'i9007199254740991e');
    assert.equal(text(Number.MIN_SAFE_INTEGER), 'i-9007199254740991e');
    assert.equal(text(2n ** 63n - 1n), 'i9223372036854775807e');
    assert.equal(text(-(2n ** 63n)), 'i-9223372036854775808e');
    assert.equal(text(2n ** 128n), 'i340282366920938463463374607431768211456e'); // BEP 3: no size limit
    assert.equal(text(0n), 'i0e');
  });

  test('digit counts at every power of ten', () => {
    for (let p = 1; p < 16; p++) {
      const n = 10 ** p;
      assert.equal(text(n), `i${n}e`);
      assert.equal(text(n - 1), `i${n - 1}e`);
      assert.equal(text(-n), `i-${n}e`);
      if (p <= 5) assert.equal(encode(new Uint8Array(n)).subarray(0, p + 2).toString(), `${n}:`);
    }
  });

  test('non-integer and unsafe numbers are rejected', () => {
    throwsEncode(1.5, /safe integers/);
    throwsEncode(-0.25);
    throwsEncode(NaN);
    throwsEncode(Infinity);
    throwsEncode(-Infinity);
    throwsEncode(2 ** 53);
    throwsEncode([1, 2.5]);
    throwsEncode({ a: 1e300 });
  });

  test('booleans become 0 and 1', () => {
    assert.equal(text(true), 'i1e');
    assert.equal(text(false), 'i0e');
    assert.equal(text([true, false]), 'li1ei0ee');
  });

  test('strings are UTF-8 with a byte-length prefix', () => {
    assert.equal(text(''), '0:');
    assert.equal(text('spam'), '4:spam');
    assert.equal(encode('ö±sdf').toString('hex'), '373ac3b6c2b1736466');
    assert.equal(encode('日本').toString('hex'), '363ae697a5e69cac');
    assert.equal(encode('\u{1F600}').toString('hex'), '343af09f9880');
    assert.equal(encode('\ud800').toString('hex'), '333aefbfbd'); // lone surrogate -> U+FFFD
  });

  test('byte strings are written as-is, short and long', () => {
    assert.equal(text(new Uint8Array([0, 255, 10])), '3:\x00\xff\n');
    const long = new Uint8Array(1000).map((_, i) => i & 0xff);
    const out = encode(long);
    assert.equal(out.subarray(0, 5).toString(), '1000:');
    assert.deepEqual(new Uint8Array(out.subarray(5)), long);
    // A view with an offset into a larger buffer.
    const view = Buffer.from('xxhelloxx').subarray(2, 7);
    assert.equal(text(view), '5:hello');
  });

  test('unsupported values are rejected with a typed error', () => {
    throwsEncode(null, /null/);
    throwsEncode(undefined);
    throwsEncode(Symbol('x'));
    throwsEncode(() => 1);
    throwsEncode([undefined]);
    throwsEncode([null]);
    throwsEncode({ a: null });
    throwsEncode(new Date(0), /Date/);
    throwsEncode(new Set([1]));
    throwsEncode(new ArrayBuffer(4));
    throwsEncode(new DataView(new ArrayBuffer(4)));
  });
});

describe('encode: dicts', () => {
  test('Map keys are latin1 and sorted by raw bytes', () => {
    const m = new Map<string, BEncodable>([
      ['b', 1],
      ['\xff', 2],
      ['a', 3],
      ['B', 4],
      ['', 5],
      ['ab', 6],
      ['a\x00', 7],
    ]);
    assert.equal(text(m), 'd0:i5e1:Bi4e1:ai3e2:a\x00i7e2:abi6e1:bi1e1:\xffi2ee');
  });

  test('an already sorted Map is written in order', () => {
    const m = new Map<string, BEncodable>([['a', 1], ['b', new Map([['c', 'd']])]]);
    assert.equal(text(m), 'd1:ai1e1:bd1:c1:dee');
  });

  test('Map keys beyond latin1, or not strings, are rejected', () => {
    throwsEncode(new Map([['\u0100', 1]]), /latin1/);
    throwsEncode(new Map([['ok', 1], ['日本', 2]]), /latin1/);
    throwsEncode(new Map<unknown, BEncodable>([[12, 'x']]), /keys must be strings/);
    throwsEncode(new Map<unknown, BEncodable>([[new Uint8Array([1]), 'x']]), /keys must be strings/);
  });

  test('object keys are UTF-8 and sorted by their UTF-8 bytes', () => {
    // UTF-16 order would put U+10000 (a surrogate pair) before U+FFFF; byte order puts it after.
    const o = { '\u{10000}': 1, '\uffff': 2, z: 3, é: 4, A: 5 };
    const expected = Buffer.concat([
      Buffer.from('d1:Ai5e1:zi3e'),
      Buffer.from('2:'), Buffer.from('é'), Buffer.from('i4e'),
      Buffer.from('3:'), Buffer.from('\uffff'), Buffer.from('i2e'),
      Buffer.from('4:'), Buffer.from('\u{10000}'), Buffer.from('i1ee'),
    ]);
    assert.equal(encode(o).toString('hex'), expected.toString('hex'));
    // ASCII-only keys take the fast path.
    assert.equal(text({ spam: 'eggs', cow: 'moo' }), 'd3:cow3:moo4:spam4:eggse');
    assert.equal(text({ 12: 'Hello World', 34: 12345 }), 'd2:1211:Hello World2:34i12345ee');
  });

  test('keys that collide as bytes are a duplicate-key error', () => {
    // Lone surrogates become U+FFFD in UTF-8, so these three keys are the same bytes.
    throwsEncode({ '\ud800': 1, '\ufffd': 2 }, /duplicate/, false);
    throwsEncode({ a: 1, '\udc00': 2, '\ud800': 3 }, /duplicate/, false);
  });

  test('undefined dict values are skipped, in Maps and objects', () => {
    assert.equal(text({ a: undefined, b: 1 }), 'd1:bi1ee');
    assert.equal(text(new Map<string, BEncodable | undefined>([['a', undefined], ['b', 1]])), 'd1:bi1ee');
    assert.equal(text(new Map<string, BEncodable | undefined>([['z', 1], ['a', undefined]])), 'd1:zi1ee');
    assert.equal(text({}), 'de');
    assert.equal(text(Object.create(null) as BEncodable), 'de');
  });

  test('nested values', () => {
    const v = {
      info: { name: 'x', files: [{ length: 1, path: ['a', 'b'] }, { length: 2n ** 60n, path: [new Uint8Array([0x63])] }] },
      list: [[], [[]], new Map(), {}],
      flag: true,
    };
    const out = text(v);
    assert.equal(out, 'd4:flagi1e4:infod5:filesld6:lengthi1e4:pathl1:a1:beed6:lengthi1152921504606846976e4:pathl1:ceee4:name1:xe4:listllelleededeee');
    // Canonical output decodes strictly.
    assert.ok(decode(b(out)) instanceof Map);
  });

  test('cyclic or absurdly deep values are rejected, not a stack overflow', () => {
    const a: unknown[] = [];
    a.push(a);
    throwsEncode(a, /deep/);
    const o: Record<string, unknown> = {};
    o.self = o;
    throwsEncode(o, /deep/);
    let deep: BEncodable = [];
    for (let i = 0; i < 999; i++) deep = [deep];
    assert.equal(encode(deep).length, 2000);
    throwsEncode([deep], /deep/);
  });
});

describe('encode: output', () => {
  test('encodedLength matches the output length, and the Buffer is exact', () => {
    const values: BEncodable[] = [0, -5, 'é', new Uint8Array(70000), { a: [1, 'b', new Map([['c', 2n ** 70n]])] }, [true]];
    for (const v of values) {
      const out = encode(v);
      assert.equal(encodedLength(v), out.length);
      assert.ok(Buffer.isBuffer(out));
    }
  });

  test('a large value round-trips through decode', () => {
    const files = Array.from({ length: 5000 }, (_, i) => ({ length: i * 1000, path: ['dir', `file ${i}.bin`] }));
    const out = encode({ info: { files, name: 'big', 'piece length': 16384, pieces: new Uint8Array(20 * 5000) } });
    const again = encode(decode(out));
    assert.ok(again.equals(out));
  });

  test('a value that changes between the length pass and the write pass is an error', () => {
    let calls = 0;
    const o = {
      get a(): BEncodable {
        calls++;
        return calls === 1 ? 'x' : 'a much longer string';
      },
    };
    throwsEncode(o, /changed/, false);
    let n = 0;
    const flip = {
      get a(): BEncodable {
        return n++ === 0 ? 1 : (null as unknown as BEncodable);
      },
    };
    throwsEncode(flip, /changed/, false);
  });
});
