import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { CacheBudget, CachedReader, PieceCache } from '../../src/storage/cache.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { StorageError } from '../../src/storage/errors.js';
import { content, pieceOf, singleLayout } from './fixture.js';

test('PieceCache keeps the most recently used pieces within its byte budget', () => {
  const c = new PieceCache(300);
  c.set(1, new Uint8Array(100));
  c.set(2, new Uint8Array(100));
  c.set(3, new Uint8Array(100));
  assert.equal(c.bytes, 300);
  assert.ok(c.get(1));
  c.set(4, new Uint8Array(100));
  assert.equal(c.has(2), false, 'least recently used went first');
  assert.ok(c.has(1) && c.has(3) && c.has(4));
  c.set(5, new Uint8Array(250));
  assert.equal(c.bytes, 250);
  assert.deepEqual([c.has(1), c.has(3), c.has(4), c.has(5)], [false, false, false, true]);
  c.set(6, new Uint8Array(301));
  assert.equal(c.has(6), false, 'a piece over the budget is not cached');
  c.set(5, new Uint8Array(10));
  assert.equal(c.bytes, 10, 'replacing a piece updates the count');
  c.delete(5);
  assert.equal(c.bytes, 0);
  assert.equal(c.size, 0);
  assert.equal(c.get(9), undefined);
  assert.ok(c.hits >= 1 && c.misses >= 1);
});

test('caches sharing a CacheBudget hold at most its bytes together, evicting the least recently used of any of them', () => {
  const budget = new CacheBudget(300);
  const a = new PieceCache(budget);
  const b = new PieceCache(budget);
  a.set(1, new Uint8Array(100));
  b.set(1, new Uint8Array(100));
  a.set(2, new Uint8Array(100));
  assert.equal(budget.bytes, 300);
  assert.ok(a.get(1), 'a:1 used again');
  b.set(2, new Uint8Array(100));
  assert.equal(b.has(1), false, "b's piece 1 was the least recently used of all");
  assert.ok(a.has(1) && a.has(2) && b.has(2));
  assert.equal(budget.bytes, 300);
  assert.equal(a.bytes + b.bytes, 300);
  b.set(3, new Uint8Array(250));
  assert.deepEqual([a.size, b.size, budget.bytes], [0, 1, 250], 'a big piece pushes out the others, whoever holds them');
  a.set(4, new Uint8Array(50));
  b.clear();
  assert.deepEqual([a.bytes, b.bytes, budget.bytes], [50, 0, 50], 'clearing one cache returns its bytes to the budget');
  assert.equal(a.maxBytes, 300);
});

test('an evicted piece buffer is reused for the next read only once every lease on it is released', async () => {
  const storage = new MemoryStorage(singleLayout);
  const data = content(singleLayout);
  for (let i = 0; i < singleLayout.pieceCount; i++) await storage.writePiece(i, pieceOf(singleLayout, data, i));
  const size = singleLayout.pieceLength;
  // Spare buffers are kept up to a quarter of the budget: here one piece.
  const cache = new PieceCache(new CacheBudget(4 * size));
  const r = new CachedReader(storage, cache);
  const p0 = await r.piece(0);
  const lease = cache.lease(0);
  assert.ok(lease, 'a cached piece can be leased');
  assert.equal(cache.lease(2), undefined, 'an uncached one cannot');
  const view = r.peek(0, 100, 50)!;
  const before = Buffer.from(view);
  cache.clear();
  const p1 = await r.piece(1);
  assert.notEqual(p1.buffer, p0.buffer, 'a leased buffer is not reused');
  assert.deepEqual(Buffer.from(view), before, 'the leased view still holds piece 0');
  lease();
  cache.clear(); // piece 1 goes too; the spare pool is already full with piece 0's buffer
  const p2 = await r.piece(2);
  assert.equal(p2.buffer, p0.buffer, 'the released buffer serves the next read');
  assert.deepEqual(Buffer.from(p2), pieceOf(singleLayout, data, 2));
  const p1again = await r.piece(1);
  assert.notEqual(p1again.buffer, p2.buffer);
  assert.deepEqual(Buffer.from(p1again), pieceOf(singleLayout, data, 1));
});

test('CachedReader reads each piece once for many concurrent block requests', async () => {
  const storage = new MemoryStorage(singleLayout);
  const data = content(singleLayout);
  for (let i = 0; i < singleLayout.pieceCount; i++) await storage.writePiece(i, pieceOf(singleLayout, data, i));
  let reads = 0;
  const counting = Object.assign(Object.create(storage) as MemoryStorage, {
    readPiece: (i: number) => {
      reads++;
      return storage.readPiece(i);
    },
  });
  const r = new CachedReader(counting, new PieceCache(2 * 16384));
  assert.equal(r.peek(0, 0, 16), undefined);
  const blocks = await Promise.all(Array.from({ length: 16 }, (_, k) => r.block(0, k * 1024, 1024)));
  assert.equal(reads, 1);
  assert.deepEqual(Buffer.concat(blocks), pieceOf(singleLayout, data, 0));
  assert.deepEqual(Buffer.from(r.peek(0, 100, 10)!), data.subarray(100, 110));
  await r.block(1, 0, 16);
  await r.block(2, 0, 16);
  assert.equal(r.peek(0, 0, 1), undefined, 'piece 0 evicted by the budget');
  assert.equal(reads, 3);
  await assert.rejects(r.block(3, 100, 1000), (e: unknown) => e instanceof StorageError && e.reason === 'range');
  // A failed read is not cached and can be retried.
  await storage.deleteData();
  assert.equal(r.cache.has(0), false);
  await assert.rejects(r.piece(0), (e: unknown) => e instanceof StorageError && e.reason === 'missing');
  assert.equal(r.cache.has(0), false);
  await storage.writePiece(0, pieceOf(singleLayout, data, 0));
  assert.deepEqual(Buffer.from(await r.piece(0)), pieceOf(singleLayout, data, 0));
});
