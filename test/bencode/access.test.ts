import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BencodeTypeError, decode, getBytes, getDict, getInt, getList, getString, isBytes, isDict, isInt, utf8 } from '../../src/bencode/index.js';
import type { BDict } from '../../src/bencode/index.js';
import { ShoalError } from '../../src/core/errors.js';
import { b } from './helpers.js';

const d = decode(b('d1:bi9007199254740992e1:dd1:xi1ee1:ii42e1:lli1ee1:s5:\xc3\xa9t\xc3\xa9e')) as BDict;

test('typed accessors return the value when the type matches, undefined when absent', () => {
  assert.equal(getInt(d, 'i'), 42);
  assert.equal(getString(d, 's'), 'été');
  assert.deepEqual([...getBytes(d, 's')!], [0xc3, 0xa9, 0x74, 0xc3, 0xa9]);
  assert.deepEqual(getList(d, 'l'), [1]);
  assert.equal(getDict(d, 'd')!.get('x'), 1);
  for (const get of [getInt, getString, getBytes, getList, getDict]) assert.equal(get(d, 'missing'), undefined);
});

test('the wrong type is a typed EBENCODE_TYPE error naming the key', () => {
  const cases: [() => unknown, string][] = [
    [() => getInt(d, 's'), 's'],
    [() => getInt(d, 'b'), 'b'], // a bigint is not a safe number
    [() => getBytes(d, 'i'), 'i'],
    [() => getString(d, 'l'), 'l'],
    [() => getList(d, 'd'), 'd'],
    [() => getDict(d, 'l'), 'l'],
  ];
  for (const [fn, key] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof BencodeTypeError && e instanceof ShoalError && e.code === 'EBENCODE_TYPE' && e.context.key === key);
  }
});

test('type guards and utf8', () => {
  assert.ok(isDict(d) && !isDict(d.get('l')));
  assert.ok(isBytes(d.get('s')) && !isBytes(d.get('i')));
  assert.ok(isInt(d.get('i')) && isInt(d.get('b')) && !isInt(d.get('s')) && !isInt(undefined));
  assert.equal(utf8(b('\xff')), '\ufffd');
});
