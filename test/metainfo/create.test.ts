import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { choosePieceLength, createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { hashPieces } from '../../src/metainfo/hasher.js';
import type { BDict, BList } from '../../src/bencode/index.js';
import { referencePieces, sha1hex, splitTorrent, tempDir, text, writeTree } from './create-fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('single file: info dict, piece hashes against a reference, info-hash of the raw info span', async (t) => {
  const dir = tempDir(t);
  const data = writeTree(dir, { 'movie.bin': 100_000 }).get('movie.bin')!;
  const r = await createTorrent(join(dir, 'movie.bin'), { pieceLength: 16 * KiB, creationDate: 1_700_000_000 });
  const { root, info, infoBytes } = splitTorrent(r.torrent);
  assert.equal(r.infoHash.hex, sha1hex(infoBytes));
  assert.deepEqual([...info.keys()], ['length', 'name', 'piece length', 'pieces']);
  assert.equal(info.get('length'), 100_000);
  assert.equal(text(info.get('name')), 'movie.bin');
  assert.equal(info.get('piece length'), 16 * KiB);
  assert.ok(Buffer.from(info.get('pieces') as Uint8Array).equals(referencePieces(data, 16 * KiB)));
  assert.equal(root.get('creation date'), 1_700_000_000);
  assert.match(text(root.get('created by')), /^shoal\/\d+\.\d+\.\d+/);
  assert.equal(root.has('announce'), false);
  assert.deepEqual(
    { name: r.name, totalLength: r.totalLength, pieceLength: r.pieceLength, pieceCount: r.pieceCount, fileCount: r.fileCount },
    { name: 'movie.bin', totalLength: 100_000, pieceLength: 16 * KiB, pieceCount: 7, fileCount: 1 },
  );
});

test('multi-file: pieces span consecutive files (odd sizes, empty files, exact boundaries)', async (t) => {
  const dir = tempDir(t);
  const top = join(dir, 'top');
  // Torrent order is bytewise over the relative path.
  const spec: Record<string, number> = {
    'a/1': 1,
    'a/2': 16 * KiB - 1,
    'a/3': 16 * KiB,
    'b/empty': 0,
    'b/x': 16 * KiB + 1,
    'c': 40_000,
    'd/e/f': 7,
  };
  const contents = writeTree(top, spec);
  const all = Buffer.concat([...contents.values()]);
  for (const threads of [1, 2, 3]) {
    const r = await createTorrent(top, { pieceLength: 16 * KiB, threads, creationDate: false });
    const { info } = splitTorrent(r.torrent);
    assert.ok(Buffer.from(info.get('pieces') as Uint8Array).equals(referencePieces(all, 16 * KiB)), `threads=${threads}`);
    const files = (info.get('files') as BList).map((f) => {
      const d = f as BDict;
      return [(d.get('path') as BList).map((c) => text(c)).join('/'), d.get('length')];
    });
    assert.deepEqual(files, Object.entries(spec));
    assert.equal(r.totalLength, all.length);
    assert.equal(r.pieceCount, Math.ceil(all.length / (16 * KiB)));
    assert.equal(r.fileCount, 7);
    assert.equal(text(info.get('name')), 'top');
  }
});

test('the same input gives the same bytes whatever the thread count', async (t) => {
  const dir = tempDir(t);
  // ~40 MiB: enough for the pool to start several workers.
  const contents = writeTree(dir, { 'f1': 23 * MiB + 5, 'g/f2': 17 * MiB - 3, 'g/f3': 17 });
  const outs = [];
  for (const threads of [1, 2, 4]) outs.push(await createTorrent(dir, { pieceLength: 32 * KiB, threads, creationDate: 1 }));
  assert.ok(outs[0]!.torrent.equals(outs[1]!.torrent));
  assert.ok(outs[0]!.torrent.equals(outs[2]!.torrent));
  const pieces = Buffer.from(splitTorrent(outs[2]!.torrent).info.get('pieces') as Uint8Array);
  assert.ok(pieces.equals(referencePieces(Buffer.concat([...contents.values()]), 32 * KiB)));
});

test('choosePieceLength: power of two from 16 KiB to 16 MiB, about 1,000-2,000 pieces', () => {
  const table: [number, number][] = [
    [0, 16 * KiB],
    [1, 16 * KiB],
    [20 * MiB, 16 * KiB],
    [2000 * 16 * KiB, 16 * KiB],
    [2000 * 16 * KiB + 1, 32 * KiB],
    [700 * MiB, 512 * KiB],
    [1024 * MiB, 1 * MiB],
    [4096 * MiB, 4 * MiB],
    [20 * 1024 * MiB, 16 * MiB],
    [1024 * 1024 * MiB, 16 * MiB],
  ];
  for (const [total, want] of table) assert.equal(choosePieceLength(total), want, `total ${total}`);
  for (let total = 33 * MiB; total < 30 * 1024 * MiB; total = Math.floor(total * 1.37)) {
    const len = choosePieceLength(total);
    const pieces = Math.ceil(total / len);
    assert.ok(pieces > 1000 && pieces <= 2000, `total ${total}: ${pieces} pieces of ${len}`);
  }
});

test('optional fields: tiers, web seeds, private, comment, name, created by', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'f': 'hello' });
  const r = await createTorrent(join(dir, 'f'), {
    announce: [['http://a/1', 'http://a/2'], 'udp://b/3'],
    webSeeds: ['http://w/1'],
    private: true,
    comment: 'a comment ✓',
    name: 'renamed ✓',
    createdBy: 'test',
    creationDate: false,
  });
  const { root, info } = splitTorrent(r.torrent);
  assert.equal(text(root.get('announce')), 'http://a/1');
  assert.deepEqual((root.get('announce-list') as BList).map((tier) => (tier as BList).map((u) => text(u))), [
    ['http://a/1', 'http://a/2'],
    ['udp://b/3'],
  ]);
  assert.deepEqual((root.get('url-list') as BList).map((u) => text(u)), ['http://w/1']);
  assert.equal(info.get('private'), 1);
  assert.equal(text(root.get('comment')), 'a comment ✓');
  assert.equal(text(info.get('name')), 'renamed ✓');
  assert.equal(r.name, 'renamed ✓');
  assert.equal(text(root.get('created by')), 'test');
  assert.equal(root.has('creation date'), false);

  const one = splitTorrent((await createTorrent(join(dir, 'f'), { announce: ['http://only/1'] })).torrent);
  assert.equal(text(one.root.get('announce')), 'http://only/1');
  assert.equal(one.root.has('announce-list'), false, 'a single URL gets no announce-list (as mktorrent)');
  assert.equal(one.info.has('private'), false);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs((one.root.get('creation date') as number) - now) < 60);
});

test('errors: missing path, nothing to hash, bad piece length, bad thread count, bad name', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(createTorrent(join(dir, 'nope')), { code: 'ENOENT_INPUT' });
  await assert.rejects(createTorrent(join(dir, 'nope', 'deeper')), { code: 'ENOENT_INPUT' });
  writeTree(dir, { 'empty-files/a': '', 'empty-files/b/c': '', 'zero': '' });
  await assert.rejects(createTorrent(join(dir, 'empty-files')), { code: 'EEMPTY' });
  await assert.rejects(createTorrent(join(dir, 'zero')), { code: 'EEMPTY' });
  const emptyDir = join(dir, 'void');
  mkdirSync(join(emptyDir, 'sub', 'subsub'), { recursive: true });
  await assert.rejects(createTorrent(emptyDir), { code: 'EEMPTY' });
  writeTree(dir, { 'data': 10 });
  for (const bad of [0, -16384, 1000, 8 * KiB, 3 * 16 * KiB, 2 ** 29, 16 * KiB + 0.5, NaN]) {
    await assert.rejects(createTorrent(join(dir, 'data'), { pieceLength: bad }), { code: 'EPIECE_LENGTH' }, `piece length ${bad}`);
  }
  for (const good of [16 * KiB, 2 ** 28]) {
    assert.equal((await createTorrent(join(dir, 'data'), { pieceLength: good })).pieceLength, good);
  }
  for (const threads of [0, -1, 1.5, NaN]) {
    await assert.rejects(createTorrent(join(dir, 'data'), { threads }), { code: 'EOPTIONS' }, `threads ${threads}`);
  }
  for (const name of ['', '.', '..', 'a/b']) {
    await assert.rejects(createTorrent(join(dir, 'data'), { name }), { code: 'EOPTIONS' });
  }
});

test('abort: an aborted signal rejects with EABORTED and leaves no open files', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'sparse.bin');
  writeFileSync(big, '');
  truncateSync(big, 512 * MiB); // sparse: reads are cheap, hashing is not
  const before = openFds();
  await assert.rejects(createTorrent(big, { signal: AbortSignal.abort() }), { code: 'EABORTED' });

  const ac = new AbortController();
  let calls = 0;
  const started = Date.now();
  await assert.rejects(
    createTorrent(big, {
      threads: 1,
      signal: ac.signal,
      onProgress: () => {
        calls++;
        ac.abort();
      },
    }),
    { code: 'EABORTED' },
  );
  assert.ok(calls >= 1);
  assert.ok(Date.now() - started < 20_000);
  assert.equal(openFds(), before, 'file descriptors opened by the workers are closed');
});

test('progress: throttled, monotonic, ends at total', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'sparse.bin');
  writeFileSync(big, '');
  truncateSync(big, 256 * MiB);
  const seen: [number, number][] = [];
  const r = await createTorrent(big, { threads: 2, onProgress: (d, total) => seen.push([d, total]) });
  assert.ok(seen.length >= 1);
  assert.deepEqual(seen.at(-1), [r.totalLength, r.totalLength]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]![0] >= seen[i - 1]![0]);
  assert.ok(seen.every(([, total]) => total === 256 * MiB));
  // at most one call per ~100 ms plus the final one
  assert.ok(seen.length <= 200, `${seen.length} progress calls`);
});

test('create -> parseTorrent round trip', async (t) => {
  const top = join(tempDir(t), 'round trip');
  const contents = writeTree(top, { 'x/1.bin': 30_000, 'x/2.bin': 1, 'y.txt': 'hello', 'ü/z': 70_000 });
  const r = await createTorrent(top, {
    pieceLength: 16 * KiB,
    announce: ['http://t/1', ['udp://t/2', 'udp://t/3']],
    webSeeds: ['http://w/'],
    private: true,
    comment: 'c',
    creationDate: 1_234_567_890,
  });
  const m = parseTorrent(r.torrent);
  assert.ok(m.infoHash.equals(r.infoHash));
  assert.equal(sha1hex(m.infoBytes), r.infoHash.hex);
  assert.ok(m.infoBytes.equals(splitTorrent(r.torrent).infoBytes));
  assert.equal(m.name, 'round trip');
  assert.equal(m.multiFile, true);
  assert.equal(m.pieceLength, 16 * KiB);
  assert.equal(m.pieceCount, r.pieceCount);
  assert.equal(m.totalLength, r.totalLength);
  assert.deepEqual(m.files.map((f) => [f.path.slice(1).join('/'), f.length]), [...contents].map(([k, v]) => [k, v.length]));
  assert.ok(m.pieces.equals(referencePieces(Buffer.concat([...contents.values()]), 16 * KiB)));
  assert.deepEqual(m.announce, [['http://t/1'], ['udp://t/2', 'udp://t/3']]);
  assert.deepEqual(m.webSeeds, ['http://w/']);
  assert.equal(m.private, true);
  assert.equal(m.comment, 'c');
  assert.equal(m.creationDate, 1_234_567_890);
  assert.match(m.createdBy ?? '', /^shoal\//);

  const single = parseTorrent((await createTorrent(join(top, 'y.txt'))).torrent);
  assert.equal(single.multiFile, false);
  assert.equal(single.name, 'y.txt');
  assert.equal(single.totalLength, 5);
  assert.equal(single.pieceLength, 16 * KiB);
});

test('memory: peak RSS of the whole process stays under 150 MB for a 1 GiB file', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'sparse-1GiB.bin');
  writeFileSync(big, '');
  truncateSync(big, 1024 * MiB);
  const lib = new URL('../../src/metainfo/create.js', import.meta.url).href;
  const script =
    `const { createTorrent } = await import(${JSON.stringify(lib)});` +
    `const r = await createTorrent(${JSON.stringify(big)}, { pieceLength: MiB_, onProgress() {} });` +
    `console.log(JSON.stringify({ pieces: r.pieceCount, maxRSS: process.resourceUsage().maxRSS }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script.replace('MiB_', String(MiB))], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as { pieces: number; maxRSS: number };
  assert.equal(out.pieces, 1024);
  t.diagnostic(`peak RSS ${(out.maxRSS / 1024).toFixed(1)} MB`);
  assert.ok(out.maxRSS < 150 * 1024, `peak RSS ${out.maxRSS} KiB`);
});

test('hash engine: several workers, read buffers smaller than a piece and not aligned to pieces or files', async (t) => {
  const dir = tempDir(t);
  const contents = writeTree(dir, { a: 50_000, b: 1, c: 0, d: 70_001 });
  let offset = 0;
  const files = [...contents].map(([name, data]) => {
    const f = { path: Buffer.from(join(dir, name)), offset, length: data.length };
    offset += data.length;
    return f;
  });
  const all = Buffer.concat([...contents.values()]);
  for (const bufferSize of [333, 10_000, 16 * KiB, 40_000]) {
    for (const threads of [1, 3]) {
      // One piece per job, a worker per job: several workers, jobs finishing out of order.
      const { digests, unreadable } = await hashPieces({
        files, pieceLength: 16 * KiB, totalLength: all.length, bufferSize, threads, jobBytes: 1, bytesPerWorker: 1,
      });
      assert.ok(digests.equals(referencePieces(all, 16 * KiB)), `buffer ${bufferSize}, threads ${threads}`);
      assert.equal(unreadable.size, 0);
    }
  }
  // Only some ranges: other pieces stay zero.
  const part = await hashPieces({ files, pieceLength: 16 * KiB, totalLength: all.length, ranges: [[1, 3], [6, 8]] });
  const ref = referencePieces(all, 16 * KiB);
  for (let p = 0; p < 8; p++) {
    const want = p === 1 || p === 2 || p === 6 || p === 7 ? ref.subarray(p * 20, p * 20 + 20) : Buffer.alloc(20);
    assert.ok(part.digests.subarray(p * 20, p * 20 + 20).equals(want), `piece ${p}`);
  }
});

test('many small files: pieces over hundreds of files, no descriptor left open', async (t) => {
  const top = join(tempDir(t), 'many');
  const spec: Record<string, number> = {};
  for (let i = 0; i < 300; i++) spec[`d${i % 7}/f${String(i).padStart(3, '0')}`] = (i * 7919) % 5000;
  const contents = writeTree(top, spec);
  const ordered = [...contents].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const all = Buffer.concat(ordered.map(([, v]) => v));
  const before = openFds();
  const r = await createTorrent(top, { pieceLength: 16 * KiB, threads: 2 });
  assert.equal(r.fileCount, 300);
  assert.ok(Buffer.from(splitTorrent(r.torrent).info.get('pieces') as Uint8Array).equals(referencePieces(all, 16 * KiB)));
  assert.equal(openFds(), before);
});
