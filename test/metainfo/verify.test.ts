import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, symlinkSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '../../src/bencode/index.js';
import { createTorrent } from '../../src/metainfo/create.js';
import { filePieceRange } from '../../src/metainfo/layout.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { verifyData } from '../../src/metainfo/verify.js';
import { referencePieces, tempDir, writeTree } from './create-fixtures.js';

const PL = 16 * 1024;

async function makeTree(t: { after(fn: () => void): void }): Promise<{ top: string; meta: Metainfo }> {
  const top = join(tempDir(t, 'shoal-verify-'), 'top');
  writeTree(top, { 'a/one': 20_000, 'a/two': 5, 'b': 50_000, 'c/d/three': 33_000, 'e': 0, 'z': 17_000 });
  const meta = parseTorrent((await createTorrent(top, { pieceLength: PL, creationDate: false })).torrent);
  return { top, meta };
}

function fileIndex(meta: Metainfo, rel: string): number {
  const i = meta.files.findIndex((f) => f.path.slice(1).join('/') === rel);
  assert.ok(i >= 0, rel);
  return i;
}

/** Piece states as a compact string, e.g. 'GGMMC'. */
function states(p: Uint8Array): string {
  return [...p].map((s) => 'GMC'[s]).join('');
}

function expectedStates(meta: Metainfo, marks: Record<number, 'M' | 'C'>): string {
  let s = '';
  for (let p = 0; p < meta.pieceCount; p++) s += marks[p] ?? 'G';
  return s;
}

test('all data present: every piece good, every file complete; progress ends at total', async (t) => {
  const { top, meta } = await makeTree(t);
  const seen: number[] = [];
  const r = await verifyData(meta, top, { onProgress: (d, total) => (assert.equal(total, meta.totalLength), seen.push(d)) });
  assert.equal(r.pieceCount, meta.pieceCount);
  assert.equal(r.good, meta.pieceCount);
  assert.equal(r.missing + r.corrupt, 0);
  assert.equal(states(r.pieces), expectedStates(meta, {}));
  assert.equal(r.files.length, 6);
  assert.ok(r.files.every((f) => f.complete && f.missingBytes === undefined));
  assert.deepEqual(r.files.map((f) => f.path), ['a/one', 'a/two', 'b', 'c/d/three', 'e', 'z']);
  assert.equal(seen.at(-1), meta.totalLength);
  for (const threads of [1, 3]) assert.equal((await verifyData(meta, top, { threads })).good, meta.pieceCount);
});

test('a deleted file: its pieces missing, that file incomplete, nothing corrupt', async (t) => {
  const { top, meta } = await makeTree(t);
  rmSync(join(top, 'b'));
  const r = await verifyData(meta, top);
  const bi = fileIndex(meta, 'b');
  const { first, last } = filePieceRange(meta, bi);
  const marks: Record<number, 'M'> = {};
  for (let p = first; p <= last; p++) marks[p] = 'M';
  assert.equal(states(r.pieces), expectedStates(meta, marks));
  assert.equal(r.missing, last - first + 1);
  assert.equal(r.corrupt, 0);
  assert.equal(r.good, meta.pieceCount - r.missing);
  const b = r.files.find((f) => f.index === bi)!;
  assert.deepEqual(b, { index: bi, path: 'b', complete: false, missingBytes: 50_000 });
  // 'a/two' shares a piece with 'b' so it cannot be complete either; 'z' is far away.
  assert.equal(r.files.find((f) => f.path === 'a/two')!.complete, false);
  assert.equal(r.files.find((f) => f.path === 'z')!.complete, true);
});

test('a flipped byte: exactly the piece holding it is corrupt', async (t) => {
  const { top, meta } = await makeTree(t);
  const fi = fileIndex(meta, 'c/d/three');
  const at = 12_345;
  const fd = openSync(join(top, 'c/d/three'), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  const r = await verifyData(meta, top);
  const bad = Math.floor((meta.files[fi]!.offset + at) / PL);
  assert.equal(states(r.pieces), expectedStates(meta, { [bad]: 'C' }));
  assert.equal(r.corrupt, 1);
  assert.equal(r.missing, 0);
  assert.deepEqual(
    r.files.filter((f) => !f.complete).map((f) => f.path),
    ['c/d/three'],
  );
});

test('a truncated file: pieces past the cut missing, before it good; a longer file is fine', async (t) => {
  const { top, meta } = await makeTree(t);
  const fi = fileIndex(meta, 'c/d/three');
  const f = meta.files[fi]!;
  truncateSync(join(top, 'c/d/three'), 10_000);
  appendFileSync(join(top, 'a/one'), 'extra bytes after the end are ignored');
  const r = await verifyData(meta, top);
  const marks: Record<number, 'M'> = {};
  for (let p = Math.floor((f.offset + 10_000) / PL); p <= filePieceRange(meta, fi).last; p++) marks[p] = 'M';
  assert.equal(states(r.pieces), expectedStates(meta, marks));
  assert.ok(r.good > 0 && r.missing > 0);
  assert.deepEqual(r.files[fi], { index: fi, path: 'c/d/three', complete: false, missingBytes: f.length - 10_000 });
  assert.equal(r.files.find((x) => x.path === 'a/one')!.complete, true);
  // 'z' starts inside the last piece of the truncated file.
  assert.equal(r.files.find((x) => x.path === 'z')!.complete, false);
});

test('a missing empty file: all pieces good, that file incomplete', async (t) => {
  const { top, meta } = await makeTree(t);
  rmSync(join(top, 'e'));
  const r = await verifyData(meta, top);
  assert.equal(r.good, meta.pieceCount);
  assert.deepEqual(r.files.filter((f) => !f.complete).map((f) => f.path), ['e']);
});

test('single-file torrent: PATH is the file itself; a missing PATH means every piece missing', async (t) => {
  const dir = tempDir(t, 'shoal-verify-');
  writeTree(dir, { 'movie.bin': 70_000 });
  const meta = parseTorrent((await createTorrent(join(dir, 'movie.bin'), { pieceLength: PL })).torrent);
  const ok = await verifyData(meta, join(dir, 'movie.bin'));
  assert.equal(ok.good, 5);
  assert.deepEqual(ok.files, [{ index: 0, path: 'movie.bin', complete: true }]);
  const none = await verifyData(meta, join(dir, 'elsewhere.bin'));
  assert.equal(none.missing, 5);
  assert.deepEqual(none.files, [{ index: 0, path: 'movie.bin', complete: false, missingBytes: 70_000 }]);
  // A folder where the file should be is not the file.
  assert.equal((await verifyData(meta, dir)).missing, 5);
});

test('pad files (BEP 47) count as zeros and are never read from disk', async (t) => {
  const top = join(tempDir(t, 'shoal-verify-'), 'padded');
  const a = writeTree(top, { 'a': 1000 }).get('a')!;
  const b = writeTree(top, { 'b': 20_000 }).get('b')!;
  // A file named like the pad file, full of junk: it must not be read.
  writeTree(top, { '.pad/15384': Buffer.alloc(15_384, 0xff) });
  const data = Buffer.concat([a, Buffer.alloc(PL - 1000), b]);
  const info = {
    files: [
      { length: 1000, path: ['a'] },
      { attr: 'p', length: PL - 1000, path: ['.pad', String(PL - 1000)] },
      { length: 20_000, path: ['b'] },
    ],
    name: 'padded',
    'piece length': PL,
    pieces: referencePieces(data, PL),
  };
  const meta = parseTorrent(encode({ info }));
  assert.equal(meta.files[1]!.pad, true);
  const r = await verifyData(meta, top);
  assert.equal(r.good, 3);
  assert.deepEqual(r.files.map((f) => [f.index, f.path, f.complete]), [[0, 'a', true], [2, 'b', true]]);
  rmSync(join(top, 'a'));
  assert.equal(states((await verifyData(meta, top)).pieces), 'MGG');
});

test('symlinks: inside PATH followed, out of PATH never read (the file counts as missing)', async (t) => {
  const dir = tempDir(t, 'shoal-verify-');
  const top = join(dir, 'top');
  writeTree(top, { 'x': 2 * PL, 'y': 40_000 });
  const meta = parseTorrent((await createTorrent(top, { pieceLength: PL })).torrent);
  // Move x's real bytes outside and point a symlink at them; move y inside a subfolder.
  mkdirSync(join(top, 'sub'));
  renameSync(join(top, 'x'), join(dir, 'x-outside'));
  symlinkSync(join(dir, 'x-outside'), join(top, 'x'));
  renameSync(join(top, 'y'), join(top, 'sub', 'y'));
  symlinkSync('sub/y', join(top, 'y'));
  const r = await verifyData(meta, top);
  const xi = fileIndex(meta, 'x');
  assert.equal(r.files[0]!.index, xi);
  assert.deepEqual(r.files.map((f) => f.complete), [false, true]);
  assert.equal(states(r.pieces), 'MMGGG');
  assert.equal(r.corrupt, 0);
});

test('abort: rejects with EABORTED and leaves no open files', async (t) => {
  const { top, meta } = await makeTree(t);
  const before = readdirSync('/proc/self/fd').length;
  await assert.rejects(verifyData(meta, top, { signal: AbortSignal.abort() }), { code: 'EABORTED' });
  assert.equal(readdirSync('/proc/self/fd').length, before);
});
