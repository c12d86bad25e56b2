import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashPool, TargetWriteError } from '../../src/engine/hash-pool.js';
import { allocPiece, copyInto, onHashingThread } from '../../src/engine/hash.js';

const sha1 = (b: Uint8Array): Buffer => createHash('sha1').update(b).digest();

/** A piece in shared memory, as allocPiece makes them. */
function sharedPiece(size: number, fill?: number): Buffer {
  const b = Buffer.from(new SharedArrayBuffer(size));
  if (fill === undefined) randomBytes(size).copy(b);
  else b.fill(fill);
  return b;
}

test('hash pool: pieces in shared memory are hashed on a thread in place, many at once', async () => {
  const pool = new HashPool(2);
  try {
    const pieces = Array.from({ length: 12 }, (_, i) => sharedPiece(256 * 1024 + i));
    const copies = pieces.map((p) => Buffer.from(p));
    const results = await Promise.all(pieces.map((p) => pool.hash(p)));
    results.forEach((r, i) => {
      assert.deepEqual(Buffer.from(r.digest), sha1(copies[i]!), `digest of piece ${i}`);
      assert.equal(r.data, pieces[i], `piece ${i}: the caller's own buffer`);
      assert.ok(r.data.equals(copies[i]!), `piece ${i} intact`);
      assert.equal(r.written, false);
    });
    // A view into a larger shared buffer hashes just its bytes.
    const big = sharedPiece(64 * 1024);
    const view = big.subarray(100, 40_000);
    assert.deepEqual(Buffer.from((await pool.hash(view)).digest), sha1(Buffer.from(view)));
  } finally {
    await pool.close();
  }
});

test('hash pool: an ordinary buffer is hashed on the calling thread, and cannot be written there', async () => {
  const pool = new HashPool(1);
  try {
    const big = randomBytes(64 * 1024);
    const view = big.subarray(100, 40_000);
    const r = await pool.hash(view);
    assert.equal(r.data, view);
    assert.deepEqual(Buffer.from(r.digest), sha1(view));
    await assert.rejects(pool.hash(view, { expect: sha1(view), targets: [] }), /shared memory/);
  } finally {
    await pool.close();
  }
});

test('hash pool: a thread that dies fails only its own jobs; the next job gets a new thread', async () => {
  const pool = new HashPool(1);
  const piece = (): Buffer => sharedPiece(1 << 20, 7);
  const pending = pool.hash(piece());
  await pool.close();
  await assert.rejects(pending, /hashing thread exited/);
  const again = await pool.hash(piece());
  assert.deepEqual(Buffer.from(again.digest), sha1(Buffer.alloc(1 << 20, 7)));
  await pool.close();
});

test('hash pool: a piece that matches its digest is written by the hashing thread; one that does not is not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-hashwrite-'));
  const pool = new HashPool(1);
  const path = join(dir, 'f');
  const fd = openSync(path, 'w+');
  try {
    const size = 300 * 1024 + 7; // several write slices and a short last one
    const a = sharedPiece(size);
    const copy = Buffer.from(a);
    // The piece goes to two places of the file: its tail first, then its head after it.
    const split = 100_000;
    const targets = [
      { fd, position: 0, offset: split, length: size - split },
      { fd, position: size - split, offset: 0, length: split },
    ];
    const r = await pool.hash(a, { expect: sha1(copy), targets });
    assert.equal(r.written, true);
    assert.ok(r.data.equals(copy), 'intact');
    assert.deepEqual(await readFile(path), Buffer.concat([copy.subarray(split), copy.subarray(0, split)]));

    const b = sharedPiece(size, 1);
    const miss = await pool.hash(b, { expect: sha1(copy), targets: [{ fd, position: 0, offset: 0, length: size }] });
    assert.equal(miss.written, false);
    assert.deepEqual(Buffer.from(miss.digest), sha1(Buffer.alloc(size, 1)));
    assert.deepEqual((await readFile(path)).subarray(0, size - split), copy.subarray(split), 'nothing written for a mismatch');
  } finally {
    closeSync(fd);
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('hash pool: a failed write rejects with the index of its target', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-hashwrite-'));
  const pool = new HashPool(1);
  const path = join(dir, 'f');
  await writeFile(path, '');
  const ok = openSync(path, 'r+');
  const readOnly = openSync(path, 'r');
  try {
    const a = sharedPiece(256 * 1024, 3);
    const expect = sha1(Buffer.alloc(a.length, 3));
    const e = await pool
      .hash(a, { expect, targets: [{ fd: ok, position: 0, offset: 0, length: 1000 }, { fd: readOnly, position: 1000, offset: 1000, length: a.length - 1000 }] })
      .catch((x: unknown) => x);
    assert.ok(e instanceof TargetWriteError, String(e));
    assert.equal(e.target, 1);
    assert.equal(e.code, 'EBADF');
    const again = sharedPiece(16, 3);
    assert.equal((await pool.hash(again, { expect: sha1(Buffer.alloc(16, 3)), targets: [] })).written, true, 'the thread goes on');
  } finally {
    closeSync(ok);
    closeSync(readOnly);
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('pieces for the hashing thread are in shared memory; blocks copy into them exactly at any alignment', () => {
  const big = allocPiece(1 << 20);
  assert.equal(big.buffer instanceof SharedArrayBuffer, onHashingThread(1 << 20));
  const small = allocPiece(16 * 1024);
  assert.equal(small.buffer instanceof SharedArrayBuffer, onHashingThread(16 * 1024));
  const src = randomBytes(70_000);
  const piece = Buffer.from(new SharedArrayBuffer(4 * 16384));
  for (let b = 0; b < 4; b++) copyInto(piece, src.subarray(13 + b * 16391, 13 + b * 16391 + 16384), b * 16384);
  for (let b = 0; b < 4; b++) assert.ok(piece.subarray(b * 16384, (b + 1) * 16384).equals(src.subarray(13 + b * 16391, 13 + b * 16391 + 16384)), `block ${b}`);
  copyInto(piece, new Uint8Array(0), 5);
});
