import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { BencodeError, decode, decodeFull } from '../../src/bencode/index.js';
import type { BDict } from '../../src/bencode/index.js';
import { ShoalError } from '../../src/core/errors.js';
import { b, hex, tag, throwsBencode } from './helpers.js';

const strict = (s: string) => () => decode(b(s));
const lenient = (s: string) => () => decode(b(s), { strict: false });

describe('decode: values', () => {
  test('strings are views of the input, not copies', () => {
    const input = b('l4:spam0:e');
    const v = decode(input) as Uint8Array[];
    assert.equal(v.length, 2);
    assert.equal(Buffer.from(v[0]!).toString(), 'spam');
    assert.equal(v[0]!.buffer, input.buffer);
    assert.equal(v[0]!.byteOffset, 3);
    assert.equal(v[1]!.length, 0);
  });

  test('a Buffer input yields plain Uint8Array views (byteOffset respected)', () => {
    const big = Buffer.from('xxxx3:abc', 'latin1');
    const v = decode(big.subarray(4)) as Uint8Array;
    assert.equal(Object.getPrototypeOf(v), Uint8Array.prototype);
    assert.equal(Buffer.from(v).toString(), 'abc');
    assert.equal(v.byteOffset, big.byteOffset + 6);
  });

  test('a non-byte input is a programming error (TypeError), not a BencodeError', () => {
    assert.throws(() => decode('i1e' as unknown as Uint8Array), TypeError);
  });

  test('dicts are Maps keyed by latin1 strings, in input order', () => {
    const d = decode(b('d1:ai1e3:a\x00bi2e2:\xff\xfei3ee')) as BDict;
    assert.deepEqual([...d.keys()], ['a', 'a\x00b', '\xff\xfe']);
    assert.equal(d.get('\xff\xfe'), 3);
    // Keys longer than the key cache limit take the other path.
    const long = 'k'.repeat(40);
    const d2 = decode(b(`d${long.length}:${long}i7e2:zz0:e`)) as BDict;
    assert.equal(d2.get(long), 7);
    assert.equal(hex(d2.get('zz') as Uint8Array), '');
  });

  test('the key cache never confuses keys with the same hash slot', () => {
    // Many distinct keys of the same length: each must come back exactly.
    const keys = Array.from({ length: 3000 }, (_, i) => i.toString(36).padStart(4, '0'));
    keys.sort();
    const input = b(`d${keys.map((k, i) => `4:${k}i${i}e`).join('')}e`);
    for (let round = 0; round < 2; round++) {
      const d = decode(input) as BDict;
      assert.deepEqual([...d.keys()], keys);
      keys.forEach((k, i) => assert.equal(d.get(k), i));
    }
  });

  test('nested lists and dicts', () => {
    assert.deepEqual(tag(decode(b('ld1:ali1eleeee'))), { l: [{ d: [[{ x: '61' }, { l: [{ i: '1' }, { l: [] }] }]] }] });
    assert.deepEqual(decode(b('le')), []);
    assert.deepEqual(decode(b('de')), new Map());
  });
});

describe('decode: integers', () => {
  test('safe range gives numbers', () => {
    assert.equal(decode(b('i0e')), 0);
    assert.equal(decode(b('i-1e')), -1);
    assert.equal(decode(b('i123456789012345e')), 123456789012345); // 15 digits: fast path
    assert.equal(decode(b('i1234567890123456e')), 1234567890123456); // 16 digits, still safe
    assert.equal(decode(b('i9007199254740991e')), Number.MAX_SAFE_INTEGER);
    assert.equal(decode(b('i-9007199254740991e')), Number.MIN_SAFE_INTEGER);
  });

  test('beyond 2^53 gives bigints, up to the int64 limits', () => {
    assert.equal(decode(b('i9007199254740992e')), 9007199254740992n);
    assert.equal(decode(b('i-9007199254740992e')), -9007199254740992n);
    assert.equal(decode(b('i9223372036854775807e')), 9223372036854775807n);
    assert.equal(decode(b('i-9223372036854775808e')), -9223372036854775808n);
  });

  test('beyond int64 is overflow, reported at the closing e', () => {
    throwsBencode(strict('i9223372036854775808e'), 'overflow', 20);
    throwsBencode(strict('i-9223372036854775809e'), 'overflow', 21);
    throwsBencode(strict('i18446744073709551615e'), 'overflow', 21);
    // More than 20 digits is overflow whatever the value (libtorrent's rule), even lenient.
    throwsBencode(strict('i184467440737095516154e'), 'overflow', 22);
    throwsBencode(lenient('i000000000000000000001e'), 'overflow', 22);
  });

  test('lenient leading zeros with many digits still give the exact value', () => {
    assert.equal(decode(b('i00000000000000000001e'), { strict: false }), 1);
    assert.equal(decode(b('i-0009007199254740993e'), { strict: false }), -9007199254740993n);
  });
});

describe('decode: every error path, with reason and offset', () => {
  test('empty input and a lone e', () => {
    throwsBencode(() => decode(new Uint8Array(0)), 'unexpected_eof', 0);
    throwsBencode(strict('e'), 'unexpected_eof', 0);
  });

  test('a byte that cannot start a value', () => {
    throwsBencode(strict('x'), 'expected_value', 0);
    throwsBencode(strict('-1:a'), 'expected_value', 0);
    throwsBencode(strict('l1:ax'), 'expected_value', 4);
    throwsBencode(strict('d1:a-e'), 'expected_value', 4);
  });

  test('string length errors', () => {
    throwsBencode(strict('5'), 'unexpected_eof', 1); // one digit, then nothing
    throwsBencode(strict('12'), 'expected_colon', 2); // digits run to the end
    throwsBencode(strict('3x:abc'), 'expected_digit', 1);
    throwsBencode(strict('5:ab'), 'unexpected_eof', 1); // reported at the colon
    throwsBencode(strict('0:x'), 'trailing_bytes', 2);
  });

  test('string lengths larger than the input', () => {
    throwsBencode(strict('100:ab'), 'unexpected_eof', 3);
    throwsBencode(strict('1000000'), 'expected_colon', 7);
    throwsBencode(strict('123456789x:'), 'expected_digit', 9);
    throwsBencode(strict('18446744073709551615:foobar'), 'overflow', 19);
    throwsBencode(strict('9223372036854775807:x'), 'unexpected_eof', 19); // int64 max itself is no overflow
    throwsBencode(strict('9223372036854775808:x'), 'overflow', 18);
    throwsBencode(strict('0100:'), 'non_canonical', 0);
    throwsBencode(lenient('0100:'), 'unexpected_eof', 4);
  });

  test('non-canonical string lengths', () => {
    throwsBencode(strict('03:abc'), 'non_canonical', 0);
    throwsBencode(strict('l00:e'), 'non_canonical', 1);
  });

  test('integer errors', () => {
    throwsBencode(strict('i'), 'unexpected_eof', 1);
    throwsBencode(strict('i-'), 'unexpected_eof', 2);
    throwsBencode(strict('i12'), 'unexpected_eof', 3);
    throwsBencode(strict('ie'), 'expected_digit', 1);
    throwsBencode(strict('i-e'), 'expected_digit', 2);
    throwsBencode(strict('i--1e'), 'expected_digit', 2);
    throwsBencode(strict('i1-2e'), 'expected_digit', 2);
    throwsBencode(strict('i+1e'), 'expected_digit', 1);
    throwsBencode(strict('i1.5e'), 'expected_digit', 2);
    throwsBencode(strict('i 1e'), 'expected_digit', 1);
  });

  test('non-canonical integers', () => {
    throwsBencode(strict('i03e'), 'non_canonical', 0);
    throwsBencode(strict('i00e'), 'non_canonical', 0);
    throwsBencode(strict('i-0e'), 'non_canonical', 0);
    throwsBencode(strict('i-03e'), 'non_canonical', 0);
    throwsBencode(strict('li1ei03ee'), 'non_canonical', 4);
  });

  test('list errors', () => {
    throwsBencode(strict('l'), 'unexpected_eof', 1);
    throwsBencode(strict('li1e'), 'unexpected_eof', 4);
    throwsBencode(strict('l2:..'), 'unexpected_eof', 5);
  });

  test('dict errors', () => {
    throwsBencode(strict('d'), 'unexpected_eof', 1);
    throwsBencode(strict('d1:ai1e'), 'unexpected_eof', 7);
    throwsBencode(strict('di1ei2ee'), 'expected_digit', 1); // keys must be strings
    throwsBencode(strict('dle'), 'expected_digit', 1);
    throwsBencode(strict('d1:a'), 'unexpected_eof', 4); // key then end of input
    throwsBencode(strict('d1:ae'), 'expected_value', 4); // key without a value
    throwsBencode(strict('d1:ai1e1:be'), 'expected_value', 10);
    throwsBencode(strict('d1000:..e'), 'unexpected_eof', 5);
  });

  test('unsorted and duplicate keys (strict)', () => {
    throwsBencode(strict('d1:bi1e1:ai2ee'), 'unsorted_keys', 7);
    throwsBencode(strict('d2:aai1e1:ai2ee'), 'unsorted_keys', 8); // a prefix sorts first
    throwsBencode(strict('d1:Xi1e1:Ai2ee'), 'unsorted_keys', 7);
    throwsBencode(strict('d1:ai1e1:ai2ee'), 'duplicate_key', 7);
    throwsBencode(strict('d1:ad1:yi1e1:xi2eee'), 'unsorted_keys', 11); // inside a nested dict
    // Sorting is by raw bytes: 0xff sorts after 'z' and a NUL byte before 'a'.
    assert.ok(decode(b('d1:zi1e1:\xffi2ee')) instanceof Map);
    assert.ok(decode(b('d1:\x00i1e1:ai2ee')) instanceof Map);
    throwsBencode(strict('d1:\xffi1e1:zi2ee'), 'unsorted_keys', 7);
  });

  test('trailing bytes', () => {
    throwsBencode(strict('i1ei2e'), 'trailing_bytes', 3);
    throwsBencode(strict('4:spam\n'), 'trailing_bytes', 6);
    throwsBencode(strict('dee'), 'trailing_bytes', 2);
  });

  test('errors are typed ShoalErrors with a message naming the offset', () => {
    const e = throwsBencode(strict('i1x'), 'expected_digit', 2);
    assert.ok(e instanceof ShoalError);
    assert.equal(e.name, 'BencodeError');
    assert.match(e.message, /byte 2/);
  });
});

describe('decode: strict and lenient', () => {
  test('strict is the default', () => {
    throwsBencode(() => decode(b('i03e'), {}), 'non_canonical', 0);
  });

  test('lenient accepts unsorted keys, keeping input order', () => {
    const d = decode(b('d1:bi1e1:ai2e1:ci3ee'), { strict: false }) as BDict;
    assert.deepEqual([...d.entries()], [['b', 1], ['a', 2], ['c', 3]]);
  });

  test('lenient keeps the first of duplicate keys', () => {
    const d = decode(b('d1:ai1e1:ai2ee'), { strict: false }) as BDict;
    assert.deepEqual([...d.entries()], [['a', 1]]);
    // Also when the duplicate comes after an unordered key.
    const d2 = decode(b('d1:bi1e1:ai2e1:bi3e1:ai4ee'), { strict: false }) as BDict;
    assert.deepEqual([...d2.entries()], [['b', 1], ['a', 2]]);
    // The duplicate's value is still fully validated.
    throwsBencode(lenient('d1:ai1e1:ai2xe'), 'expected_digit', 12);
  });

  test('lenient accepts leading zeros and -0', () => {
    assert.equal(decode(b('i03e'), { strict: false }), 3);
    assert.equal(decode(b('i00e'), { strict: false }), 0);
    const negZero = decode(b('i-0e'), { strict: false });
    assert.ok(Object.is(negZero, 0), '-0 decodes as +0');
    assert.equal(hex(decode(b('03:abc'), { strict: false }) as Uint8Array), '616263');
  });

  test('lenient still rejects structural errors', () => {
    throwsBencode(lenient('i1.5e'), 'expected_digit', 2);
    throwsBencode(lenient('d1:ae'), 'expected_value', 4);
    throwsBencode(lenient('i1ei2e'), 'trailing_bytes', 3);
  });
});

describe('decode: options', () => {
  test('allowTrailing ignores bytes after the root value and reports the end', () => {
    const r = decodeFull(b('d1:ai1ee\nextra'), { allowTrailing: true });
    assert.equal(r.end, 8);
    assert.deepEqual([...(r.value as BDict).entries()], [['a', 1]]);
    assert.equal(decodeFull(b('i1e'), { allowTrailing: true }).end, 3);
    // Errors inside the value are still errors.
    throwsBencode(() => decode(b('i1xe'), { allowTrailing: true }), 'expected_digit', 2);
  });

  test('maxDepth counts nested lists and dicts', () => {
    assert.deepEqual(decode(b('llee'), { maxDepth: 2 }), [[]]);
    throwsBencode(() => decode(b('llee'), { maxDepth: 1 }), 'depth_exceeded', 1);
    throwsBencode(() => decode(b('ld1:alleee'), { maxDepth: 3 }), 'depth_exceeded', 6);
    assert.equal(decode(b('i1e'), { maxDepth: 0 }), 1);
    throwsBencode(() => decode(b('le'), { maxDepth: 0 }), 'depth_exceeded', 0);
  });

  test('maxDepth defaults to 100', () => {
    const ok = b('l'.repeat(100) + 'e'.repeat(100));
    assert.ok(Array.isArray(decode(ok)));
    throwsBencode(() => decode(b('l'.repeat(101) + 'e'.repeat(101))), 'depth_exceeded', 100);
  });

  test('a huge maxDepth cannot crash with a stack overflow', () => {
    const n = 200_000;
    const deep = b('l'.repeat(n) + 'e'.repeat(n));
    throwsBencode(() => decode(deep, { maxDepth: 10 * n }), 'depth_exceeded');
  });

  test('maxItems counts every value and dict key', () => {
    assert.deepEqual(decode(b('li1ei2ei3ee'), { maxItems: 4 }), [1, 2, 3]);
    throwsBencode(() => decode(b('li1ei2ei3ee'), { maxItems: 3 }), 'limit_exceeded', 7);
    assert.ok(decode(b('d1:ai1ee'), { maxItems: 3 }) instanceof Map);
    throwsBencode(() => decode(b('d1:ai1ee'), { maxItems: 2 }), 'limit_exceeded', 4);
    throwsBencode(() => decode(b('d1:ai1e1:bi2ee'), { maxItems: 3 }), 'limit_exceeded', 7);
  });

  test('spans: the raw span of each dict equals its input bytes', () => {
    const text = 'd8:announce3:url4:infod5:filesld6:lengthi1e4:pathl1:aeee4:name1:xe1:zdee';
    const input = b(text);
    const r = decodeFull(input, { spans: true });
    const root = r.value as BDict;
    const info = root.get('info') as BDict;
    const file = (info.get('files') as BDict[])[0]!;
    const z = root.get('z') as BDict;
    const raw = (d: BDict) => {
      const s = r.spans!.get(d);
      assert.ok(s, 'span recorded');
      return Buffer.from(input.subarray(s[0], s[1])).toString('latin1');
    };
    assert.equal(raw(root), text);
    assert.equal(raw(info), 'd5:filesld6:lengthi1e4:pathl1:aeee4:name1:xe');
    assert.equal(raw(file), 'd6:lengthi1e4:pathl1:aee');
    assert.equal(raw(z), 'de');
    assert.deepEqual(r.spans!.get(info), [text.indexOf('d5:files'), text.indexOf('1:zde')]);
  });

  test('spans are absent unless asked for, and work with allowTrailing', () => {
    assert.equal(decodeFull(b('de')).spans, undefined);
    const r = decodeFull(b('d1:adeeXX'), { spans: true, allowTrailing: true });
    assert.deepEqual(r.spans!.get(r.value as BDict), [0, 7]);
    assert.deepEqual(r.spans!.get((r.value as BDict).get('a') as BDict), [4, 6]);
    assert.equal(r.end, 7);
  });

  test('spans in lenient mode cover dicts with duplicate keys too', () => {
    const input = b('d1:ad1:xi1e1:xi2ee1:ai1ee');
    const r = decodeFull(input, { spans: true, strict: false });
    const inner = (r.value as BDict).get('a') as BDict;
    assert.deepEqual(r.spans!.get(inner), [4, 18]);
    assert.equal(inner.get('x'), 1);
  });
});

test('BencodeError carries reason and offset for an unexpected byte', () => {
  try {
    decode(b('l1:a?e'));
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof BencodeError);
    assert.equal(e.reason, 'expected_value');
    assert.equal(e.offset, 4);
    assert.match(e.message, /0x3f/);
  }
});
