/**
 * The one compliance suite every Storage implementation must pass (DESIGN.md principle 6).
 * Run it from <impl>.test.ts with a factory that makes a fresh storage for a layout.
 */
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import type { Storage, StorageLayout } from '../../src/storage/interface.js';
import { StorageError } from '../../src/storage/errors.js';
import type { StorageReason } from '../../src/storage/errors.js';
import { content, multiLayout, pieceOf, singleLayout } from './fixture.js';

export interface StorageUnderTest {
  readonly storage: Storage;
  cleanup(): Promise<void>;
}
export type StorageFactory = (layout: StorageLayout) => Promise<StorageUnderTest>;

async function rejectsWith(p: Promise<unknown>, reason: StorageReason, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StorageError, `${what}: a StorageError, got ${String(e)}`);
    assert.equal(e.code, 'ESTORAGE');
    assert.equal(e.reason, reason, what);
    return true;
  });
}

async function withStorage(factory: StorageFactory, layout: StorageLayout, fn: (s: Storage) => Promise<void>): Promise<void> {
  const { storage, cleanup } = await factory(layout);
  try {
    await fn(storage);
  } finally {
    await storage.close().catch(() => {});
    await cleanup();
  }
}

async function writeAll(s: Storage, data: Buffer): Promise<void> {
  const order = Array.from({ length: s.layout.pieceCount }, (_, i) => i).reverse();
  await Promise.all(order.map((i) => s.writePiece(i, pieceOf(s.layout, data, i))));
}

export function storageCompliance(name: string, factory: StorageFactory): void {
  test(`${name}: pieces written concurrently read back, as pieces and as any range`, async () => {
    for (const layout of [multiLayout, singleLayout]) {
      await withStorage(factory, layout, async (s) => {
        const data = content(layout);
        await writeAll(s, data);
        for (let i = 0; i < layout.pieceCount; i++) assert.deepEqual(await s.readPiece(i), pieceOf(layout, data, i), `piece ${i}`);
        // Read into a given (dirty) buffer of the piece's size: that buffer, every byte set (pad bytes zero).
        for (let i = 0; i < layout.pieceCount; i++) {
          const want = pieceOf(layout, data, i);
          const into = Buffer.alloc(want.length, 0xee);
          const got = await s.readPiece(i, into);
          assert.equal(got, into, `piece ${i} read into the given buffer`);
          assert.deepEqual(got, want, `piece ${i} read into a dirty buffer`);
        }
        assert.deepEqual(await s.read(0, layout.totalLength), data);
        const step = Math.max(1, Math.floor(layout.totalLength / 97));
        for (let off = 0; off < layout.totalLength; off += step) {
          const len = Math.min(layout.totalLength - off, (off * 7) % 3000);
          assert.deepEqual(await s.read(off, len), data.subarray(off, off + len), `range ${off}+${len}`);
        }
        assert.equal((await s.read(5, 0)).length, 0);
      });
    }
  });

  test(`${name}: pad files read as zeros and report their length; they are not stored`, async () => {
    await withStorage(factory, multiLayout, async (s) => {
      const data = content(multiLayout);
      // Garbage where the pads are must not matter: pad files are zeros by definition.
      const dirty = Buffer.from(data);
      for (const f of multiLayout.files) if (f.pad) dirty.fill(0xee, f.offset, f.offset + f.length);
      for (let i = 0; i < multiLayout.pieceCount; i++) await s.writePiece(i, pieceOf(multiLayout, dirty, i));
      assert.deepEqual(await s.read(0, multiLayout.totalLength), data);
      const padIndex = multiLayout.files.findIndex((f) => f.pad);
      const pad = multiLayout.files[padIndex]!;
      assert.deepEqual(await s.stat(padIndex), { size: pad.length, mtimeMs: 0 });
      assert.equal(await s.exists(padIndex), true);
    });
  });

  test(`${name}: unwritten data is 'missing'; nothing exists before the first write`, async () => {
    await withStorage(factory, multiLayout, async (s) => {
      await rejectsWith(s.read(0, 10), 'missing', 'read before any write');
      await rejectsWith(s.readPiece(0), 'missing', 'readPiece before any write');
      assert.equal(await s.exists(0), false);
      assert.equal(await s.stat(3), undefined);
      // Writing the last piece does not make the earlier data readable.
      const data = content(multiLayout);
      const last = multiLayout.pieceCount - 1;
      await s.writePiece(last, pieceOf(multiLayout, data, last));
      await rejectsWith(s.readPiece(0), 'missing', 'piece 0 after writing the last');
      assert.deepEqual(await s.readPiece(last), pieceOf(multiLayout, data, last));
    });
  });

  test(`${name}: prepare creates every file at full length, reading zeros, and never shrinks`, async () => {
    await withStorage(factory, multiLayout, async (s) => {
      await s.prepare();
      for (let i = 0; i < multiLayout.files.length; i++) {
        const st = await s.stat(i);
        assert.ok(st, `file ${i} exists`);
        assert.equal(st.size, multiLayout.files[i]!.length, `file ${i} size`);
      }
      assert.deepEqual(await s.read(0, multiLayout.totalLength), Buffer.alloc(multiLayout.totalLength));
      const data = content(multiLayout);
      await writeAll(s, data);
      await s.prepare();
      assert.deepEqual(await s.read(0, multiLayout.totalLength), data);
    });
  });

  test(`${name}: truncate sets every file to its exact length and keeps the data`, async () => {
    await withStorage(factory, multiLayout, async (s) => {
      const data = content(multiLayout);
      await s.writePiece(0, pieceOf(multiLayout, data, 0));
      await s.truncate();
      for (let i = 0; i < multiLayout.files.length; i++) assert.equal((await s.stat(i))?.size, multiLayout.files[i]!.length);
      assert.deepEqual(await s.readPiece(0), pieceOf(multiLayout, data, 0));
      assert.deepEqual(await s.readPiece(1), Buffer.alloc(1024));
    });
  });

  test(`${name}: ranges, piece indices and piece sizes are checked`, async () => {
    await withStorage(factory, singleLayout, async (s) => {
      const t = singleLayout.totalLength;
      await rejectsWith(s.read(-1, 1), 'range', 'negative offset');
      await rejectsWith(s.read(t - 1, 2), 'range', 'past the end');
      await rejectsWith(s.read(0.5, 1), 'range', 'fractional offset');
      await rejectsWith(s.readPiece(singleLayout.pieceCount), 'range', 'piece past the end');
      await rejectsWith(s.readPiece(-1), 'range', 'negative piece');
      await rejectsWith(s.writePiece(0, Buffer.alloc(100)), 'range', 'short piece');
      await rejectsWith(s.writePiece(singleLayout.pieceCount - 1, Buffer.alloc(16384)), 'range', 'last piece too long');
      await rejectsWith(s.write(t, Buffer.alloc(1)), 'range', 'write past the end');
      await rejectsWith(s.stat(1), 'range', 'stat of a file that is not there');
    });
  });

  test(`${name}: stat tracks size and mtime as data is written`, async () => {
    await withStorage(factory, singleLayout, async (s) => {
      const before = Date.now();
      const data = content(singleLayout);
      await s.writePiece(1, pieceOf(singleLayout, data, 1));
      const st = await s.stat(0);
      assert.ok(st);
      assert.equal(st.size, 2 * 16384);
      assert.ok(st.mtimeMs >= before - 5000 && st.mtimeMs <= Date.now() + 5000, 'mtime is recent');
      await s.write(100, Buffer.from('abc'));
      assert.deepEqual(await s.read(100, 3), Buffer.from('abc'));
      await s.flush();
    });
  });

  test(`${name}: deleteData removes the files; the storage stays usable`, async () => {
    await withStorage(factory, multiLayout, async (s) => {
      const data = content(multiLayout);
      await writeAll(s, data);
      await s.flush();
      await s.deleteData();
      for (let i = 0; i < multiLayout.files.length; i++) {
        if (!multiLayout.files[i]!.pad) assert.equal(await s.exists(i), false, `file ${i} deleted`);
      }
      await rejectsWith(s.readPiece(0), 'missing', 'read after delete');
      await s.writePiece(0, pieceOf(multiLayout, data, 0));
      assert.deepEqual(await s.readPiece(0), pieceOf(multiLayout, data, 0));
    });
  });

  test(`${name}: after close every call rejects with 'closed'`, async () => {
    await withStorage(factory, singleLayout, async (s) => {
      const data = content(singleLayout);
      await s.writePiece(0, pieceOf(singleLayout, data, 0));
      await s.flush();
      await s.close();
      await s.close();
      await rejectsWith(s.readPiece(0), 'closed', 'readPiece');
      await rejectsWith(s.writePiece(0, pieceOf(singleLayout, data, 0)), 'closed', 'writePiece');
      await rejectsWith(s.stat(0), 'closed', 'stat');
      await rejectsWith(s.flush(), 'closed', 'flush');
    });
  });

  test(`${name}: operations in flight when close is called complete first`, async () => {
    await withStorage(factory, singleLayout, async (s) => {
      const data = content(singleLayout);
      const writes = Array.from({ length: singleLayout.pieceCount }, (_, i) => s.writePiece(i, pieceOf(singleLayout, data, i)));
      const closing = s.close();
      await Promise.all(writes);
      await closing;
    });
  });
}
