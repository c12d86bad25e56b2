// hashPieces with `inline`: the calling thread is one of the hashers (threads - 1 workers).
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { hashPieces } from '../../src/metainfo/hasher.js';
import { referencePieces, tempDir, writeTree } from './create-fixtures.js';

const KiB = 1024;

function sources(dir: string, contents: Map<string, Buffer>): { path: Uint8Array; offset: number; length: number }[] {
  let offset = 0;
  return [...contents].map(([name, data]) => {
    const f = { path: Buffer.from(join(dir, name)), offset, length: data.length };
    offset += data.length;
    return f;
  });
}

test('inline hashing: alone and beside workers, small unaligned buffers, equals the reference', async (t) => {
  const dir = tempDir(t);
  const contents = writeTree(dir, { a: 50_000, b: 1, c: 0, d: 70_001 });
  const files = sources(dir, contents);
  const all = Buffer.concat([...contents.values()]);
  const progress: number[] = [];
  for (const bufferSize of [333, 16 * KiB, 40_000]) {
    for (const threads of [1, 2, 3]) {
      const { digests, unreadable } = await hashPieces({
        files, pieceLength: 16 * KiB, totalLength: all.length, bufferSize, threads, inline: true, jobBytes: 1, bytesPerWorker: 1,
        onProgress: (n) => progress.push(n), progressInterval: 1,
      });
      assert.ok(digests.equals(referencePieces(all, 16 * KiB)), `buffer ${bufferSize}, threads ${threads}`);
      assert.equal(unreadable.size, 0);
    }
  }
  for (const n of progress) assert.ok(n >= 0 && n <= all.length, `progress ${n}`);
});

test('inline hashing: a missing file fails the run with EINPUT_READ, and an abort stops it', async (t) => {
  const dir = tempDir(t);
  const contents = writeTree(dir, { a: 40_000, b: 40_000 });
  const files = sources(dir, contents);
  const total = 80_000;
  const broken = files.map((f, i) => (i === 1 ? { ...f, path: Buffer.from(join(dir, 'nope')) } : f));
  for (const threads of [1, 2]) {
    await assert.rejects(hashPieces({ files: broken, pieceLength: 16 * KiB, totalLength: total, threads, inline: true, jobBytes: 1, bytesPerWorker: 1 }), { code: 'EINPUT_READ' });
  }
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(hashPieces({ files, pieceLength: 16 * KiB, totalLength: total, threads: 2, inline: true, signal: ac.signal }), { code: 'EABORTED' });
  const late = new AbortController();
  const run = hashPieces({ files, pieceLength: 16 * KiB, totalLength: total, threads: 2, inline: true, jobBytes: 1, bytesPerWorker: 1, bufferSize: 333, signal: late.signal });
  late.abort();
  await assert.rejects(run, { code: 'EABORTED' });
});
