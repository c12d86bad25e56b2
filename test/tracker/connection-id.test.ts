import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { ConnectionIds } from '../../src/tracker/server/connection-id.js';

const a = Buffer.from([127, 0, 0, 1, 0x1a, 0xe1]);
const b = Buffer.from([127, 0, 0, 1, 0x1a, 0xe2]);

test('connection ids: bound to address and time, valid one to two windows', () => {
  const ids = new ConnectionIds({ windowMs: 60_000 });
  const t0 = 1_000_000 * 60_000;
  const id = Buffer.from(ids.issue(a, t0));
  assert.equal(id.length, 8);
  assert.ok(ids.verify(a, id, 0, t0));
  assert.ok(ids.verify(a, id, 0, t0 + 119_999));
  assert.ok(!ids.verify(a, id, 0, t0 + 120_000));
  assert.ok(!ids.verify(a, id, 0, t0 - 60_000), 'not before it was issued');
  assert.ok(!ids.verify(b, id, 0, t0), 'other port');
  const other = new ConnectionIds();
  assert.ok(!other.verify(a, id, 0, t0), 'other key');
  const off = Buffer.concat([Buffer.alloc(3), id]);
  assert.ok(ids.verify(a, off, 3, t0));
});
