import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { HashPool } from '../../src/engine/hash-pool.js';

const sha1 = (b: Uint8Array): Buffer => createHash('sha1').update(b).digest();

test('hash pool: pieces travel to a hashing thread and come back whole, many at once', async () => {
  const pool = new HashPool(2);
  try {
    const pieces = Array.from({ length: 12 }, (_, i) => {
      const b = Buffer.allocUnsafeSlow(256 * 1024 + i);
      randomBytes(b.length).copy(b);
      return b;
    });
    const copies = pieces.map((p) => Buffer.from(p));
    const results = await Promise.all(pieces.map((p) => pool.hash(p)));
    results.forEach((r, i) => {
      assert.deepEqual(Buffer.from(r.digest), sha1(copies[i]!), `digest of piece ${i}`);
      assert.ok(r.data.equals(copies[i]!), `piece ${i} handed back intact`);
      assert.equal(r.data.length, copies[i]!.length);
      assert.equal(pieces[i]!.length, 0, 'the caller gave the memory away while it was hashed');
    });
  } finally {
    await pool.close();
  }
});

test('hash pool: a view into a larger buffer is hashed on the calling thread, untouched', async () => {
  const pool = new HashPool(1);
  try {
    const big = randomBytes(64 * 1024);
    const view = big.subarray(100, 40_000);
    const r = await pool.hash(view);
    assert.equal(r.data, view);
    assert.deepEqual(Buffer.from(r.digest), sha1(view));
  } finally {
    await pool.close();
  }
});

test('hash pool: a thread that dies fails only its own jobs; the next job gets a new thread', async () => {
  const pool = new HashPool(1);
  const piece = (): Buffer => {
    const b = Buffer.allocUnsafeSlow(1 << 20);
    b.fill(7);
    return b;
  };
  const pending = pool.hash(piece());
  await pool.close();
  await assert.rejects(pending, /hashing thread exited/);
  const again = await pool.hash(piece());
  assert.deepEqual(Buffer.from(again.digest), sha1(Buffer.alloc(1 << 20, 7)));
  await pool.close();
});
