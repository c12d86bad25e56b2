import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PiecePipeline, type PipelineHost } from '../../src/engine/piece-pipeline.js';
import { FsStorage } from '../../src/storage/fs.js';
import type { Storage } from '../../src/storage/interface.js';
import { makeLayout } from '../storage/fixture.js';

const PIECE = 512 * 1024; // large enough for the hashing thread on a machine with two cores
const BLOCK = 16 * 1024;

interface Outcome {
  readonly written: number[];
  readonly failedHashes: number[];
  readonly errors: Error[];
}

/** Feeds every piece of `data` block by block (piece `corrupt` with one byte flipped) and waits for the pipeline. */
async function feed(storage: Storage, data: Buffer, corrupt?: number): Promise<Outcome> {
  const pieceCount = Math.ceil(data.length / PIECE);
  const hashes = Buffer.concat(Array.from({ length: pieceCount }, (_, i) => createHash('sha1').update(data.subarray(i * PIECE, (i + 1) * PIECE)).digest()));
  const out: Outcome = { written: [], failedHashes: [], errors: [] };
  const host: PipelineHost = {
    pieceHashes: hashes,
    storage,
    pieceSize: (i) => Math.min(PIECE, data.length - i * PIECE),
    accepting: true,
    written: (i) => out.written.push(i),
    hashFailed: (i) => out.failedHashes.push(i),
    settled: () => {},
    failed: (e) => out.errors.push(e),
  };
  const p = new PiecePipeline(host, pieceCount, PIECE, 4);
  for (let i = 0; i < pieceCount; i++) {
    const size = host.pieceSize(i);
    for (let at = 0; at < size; at += BLOCK) {
      // Each block starts 13 bytes into a larger buffer, as it does in a socket read.
      const wire = Buffer.alloc(13 + BLOCK + 7);
      const len = Math.min(BLOCK, size - at);
      data.copy(wire, 13, i * PIECE + at, i * PIECE + at + len);
      if (i === corrupt && at === 0) wire[13] = wire[13]! ^ 0xff;
      p.store(i, at, wire.subarray(13, 13 + len), at + len >= size);
    }
  }
  await p.idle();
  return out;
}

test('piece pipeline: verified pieces reach the disk intact, a corrupt one is reported and not written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-pipeline-'));
  try {
    const data = randomBytes(3 * PIECE + 1234);
    const layout = makeLayout([{ path: ['f.bin'], length: data.length }], PIECE);
    const storage = new FsStorage(layout, dir);
    await storage.prepare();
    const out = await feed(storage, data, 1);
    await storage.close();
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.failedHashes, [1]);
    assert.deepEqual([...out.written].sort(), [0, 2, 3]);
    const disk = await readFile(join(dir, 'f.bin'));
    for (const i of [0, 2, 3]) assert.ok(disk.subarray(i * PIECE, (i + 1) * PIECE).equals(data.subarray(i * PIECE, (i + 1) * PIECE)), `piece ${i}`);
    assert.ok(disk.subarray(PIECE, 2 * PIECE).equals(Buffer.alloc(PIECE)), 'the corrupt piece left its range untouched');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('piece pipeline: a write that fails (a full disk) stops the torrent with the error', async () => {
  const full = openSync('/dev/full', 'w');
  try {
    const data = randomBytes(PIECE);
    const layout = makeLayout([{ path: ['f.bin'], length: data.length }], PIECE);
    const failing: Storage = {
      ...({} as Storage),
      layout,
      // Either way of writing a piece: through the pool, or on the hashing thread.
      writePiece: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })),
      writePieceWith: (_i, run) => run([{ fd: full, position: 0, offset: 0, length: data.length }]),
    };
    const out = await feed(failing, data);
    assert.deepEqual(out.written, []);
    assert.equal(out.errors.length, 1);
    assert.match(out.errors[0]!.message, /ENOSPC|no space/i);
  } finally {
    closeSync(full);
  }
});
