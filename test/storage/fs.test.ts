import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStorage } from '../../src/storage/fs.js';
import { StorageError } from '../../src/storage/errors.js';
import { storageCompliance } from './compliance.js';
import { checkPiece } from '../../src/storage/range.js';
import { content, makeLayout, multiLayout, pieceOf, singleLayout } from './fixture.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-storage-'));
}

storageCompliance('FsStorage', async (layout) => {
  const dir = await tempDir();
  return { storage: new FsStorage(layout, join(dir, 'dl')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// A cap of one open file makes every multi-file operation evict and reopen.
storageCompliance('FsStorage (maxOpenFiles 1)', async (layout) => {
  const dir = await tempDir();
  return { storage: new FsStorage(layout, dir, { maxOpenFiles: 1 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isStorageError = (reason: string) => (e: unknown) => e instanceof StorageError && e.reason === reason;

test('files land at root/<path>, folders are created on demand, pad files never touch disk', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(multiLayout, dir);
    const data = content(multiLayout);
    for (let i = 0; i < multiLayout.pieceCount; i++) await s.writePiece(i, pieceOf(multiLayout, data, i));
    await s.close();
    for (const f of multiLayout.files) {
      const p = join(dir, ...f.path);
      if (f.pad) {
        assert.equal(existsSync(p), false, `${p} is a pad file`);
      } else if (f.length > 0) {
        assert.deepEqual(await readFile(p), data.subarray(f.offset, f.offset + f.length));
      }
    }
    assert.equal(existsSync(join(dir, 't', '.pad')), false);
  }));

test('prepare makes sparse files (a 256 MiB file takes almost no blocks)', () =>
  inTemp(async (dir) => {
    const big = makeLayout([{ path: ['big.bin'], length: 256 << 20 }], 1 << 20);
    const s = new FsStorage(big, dir);
    await s.prepare();
    await s.writePiece(100, Buffer.alloc(1 << 20, 1));
    await s.close();
    const st = await stat(join(dir, 'big.bin'));
    assert.equal(st.size, 256 << 20);
    assert.ok(st.blocks * 512 < 16 << 20, `allocated ${st.blocks * 512} bytes`);
  }));

test('a symlinked folder inside the root is never followed (read, write, stat, delete)', () =>
  inTemp(async (dir) => {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    await mkdir(join(root), { recursive: true });
    await mkdir(join(outside, 'sub'), { recursive: true });
    await writeFile(join(outside, 'sub', 'b.bin'), Buffer.alloc(5000, 7));
    // root/t -> ../outside: every file of the torrent would land outside.
    await symlink(outside, join(root, 't'));
    const s = new FsStorage(multiLayout, root);
    const data = content(multiLayout);
    await assert.rejects(s.writePiece(0, pieceOf(multiLayout, data, 0)), isStorageError('symlink'));
    await assert.rejects(s.readPiece(1), isStorageError('symlink'));
    await assert.rejects(s.stat(3), isStorageError('symlink'));
    await assert.rejects(s.prepare(), isStorageError('symlink'));
    await s.deleteData();
    assert.deepEqual(await readdir(outside), ['sub']);
    assert.deepEqual(await readFile(join(outside, 'sub', 'b.bin')), Buffer.alloc(5000, 7));
    assert.ok((await lstat(join(root, 't'))).isSymbolicLink(), 'the link itself is left alone');
    await s.close();
  }));

test('a symlink as the file itself is refused (O_NOFOLLOW), for reads and writes', () =>
  inTemp(async (dir) => {
    const target = join(dir, 'secret');
    await writeFile(target, 'top secret');
    const root = join(dir, 'root');
    await mkdir(root);
    await symlink(target, join(root, 'single.iso'));
    const s = new FsStorage(singleLayout, root);
    await assert.rejects(s.readPiece(0), isStorageError('symlink'));
    await assert.rejects(s.writePiece(0, Buffer.alloc(16384)), isStorageError('symlink'));
    await assert.rejects(s.stat(0), isStorageError('symlink'));
    // A dangling link is refused too (O_CREAT would otherwise create its target).
    await symlink(join(dir, 'nowhere'), join(root, 'dangling'));
    const d = new FsStorage(makeLayout([{ path: ['dangling'], length: 10 }], 16), root);
    await assert.rejects(d.write(0, Buffer.alloc(10)), isStorageError('symlink'));
    assert.equal(existsSync(join(dir, 'nowhere')), false);
    assert.equal(await readFile(target, 'utf8'), 'top secret');
    await s.close();
    await d.close();
  }));

test('a file where a folder should be is a path error, not a crash', () =>
  inTemp(async (dir) => {
    await writeFile(join(dir, 't'), 'in the way');
    const s = new FsStorage(multiLayout, dir);
    await assert.rejects(s.writePiece(0, pieceOf(multiLayout, content(multiLayout), 0)), isStorageError('path'));
    await s.close();
  }));

test('unsafe paths in the layout are refused before touching the disk', () =>
  inTemp(async (dir) => {
    for (const path of [['..', 'x'], ['a', '..', '..', 'x'], ['/etc/passwd'], []]) {
      const s = new FsStorage(makeLayout([{ path, length: 4 }], 4), join(dir, 'root'));
      await assert.rejects(s.write(0, Buffer.from('evil')), isStorageError('path'), JSON.stringify(path));
      await s.close();
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n !== 'root'), []);
  }));

test('open handles stay within the cap when idle, even across many files', () =>
  inTemp(async (dir) => {
    const specs = Array.from({ length: 40 }, (_, i) => ({ path: ['many', `f${i}`], length: 100 }));
    const layout = makeLayout(specs, 1000);
    const s = new FsStorage(layout, dir, { maxOpenFiles: 4 });
    const data = content(layout);
    await Promise.all(Array.from({ length: layout.pieceCount }, (_, i) => s.writePiece(i, pieceOf(layout, data, i))));
    assert.ok(s.openFiles <= 4, `${s.openFiles} open`);
    assert.deepEqual(await s.read(0, layout.totalLength), data);
    assert.ok(s.openFiles <= 4, `${s.openFiles} open after reads`);
    await s.close();
    assert.equal(s.openFiles, 0);
  }));

test('deleteData removes empty folders but keeps files that are not the torrent’s', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(multiLayout, dir);
    await s.prepare();
    await writeFile(join(dir, 't', 'sub', 'mine.txt'), 'keep me');
    await s.deleteData();
    assert.equal(await readFile(join(dir, 't', 'sub', 'mine.txt'), 'utf8'), 'keep me');
    assert.equal(existsSync(join(dir, 't', 'sub', 'deeper')), false);
    assert.equal(existsSync(join(dir, 't', 'a.bin')), false);
    await s.close();
  }));

test('a read-only open is upgraded to read-write when a write comes', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(singleLayout, dir);
    await s.prepare();
    await s.close();
    const t = new FsStorage(singleLayout, dir);
    const data = content(singleLayout);
    assert.deepEqual(await t.readPiece(0), Buffer.alloc(16384));
    await Promise.all([t.writePiece(0, pieceOf(singleLayout, data, 0)), t.readPiece(1)]);
    assert.deepEqual(await t.readPiece(0), pieceOf(singleLayout, data, 0));
    await t.close();
  }));

test('hashPieces hashes the asked pieces from disk, pads as zeros; missing bytes and symlinked files are unreadable', () =>
  inTemp(async (dir) => {
    const { createHash } = await import('node:crypto');
    const data = content(multiLayout);
    const root = join(dir, 'root');
    const s = new FsStorage(multiLayout, root);
    for (let p = 0; p < multiLayout.pieceCount; p++) await s.writePiece(p, pieceOf(multiLayout, data, p));
    const all: [number, number][] = [[0, multiLayout.pieceCount]];
    let last = 0;
    const r = await s.hashPieces(all, (b) => (last = Math.max(last, b)));
    for (let p = 0; p < multiLayout.pieceCount; p++) {
      assert.ok(Buffer.from(r.digests.subarray(p * 20, p * 20 + 20)).equals(createHash('sha1').update(pieceOf(multiLayout, data, p)).digest()), `piece ${p}`);
    }
    assert.equal(r.unreadable.size, 0);
    // Progress comes at most every ~100 ms (none at all for data this small): never past the total.
    assert.ok(last <= multiLayout.totalLength, 'progress within the total');
    // Only the asked ranges are hashed: the others stay zero.
    const part = await s.hashPieces([[2, 4]]);
    assert.ok(Buffer.from(part.digests.subarray(0, 40)).equals(Buffer.alloc(40)));
    assert.ok(!Buffer.from(part.digests.subarray(40, 60)).equals(Buffer.alloc(20)));
    // z.bin replaced by a symlink to a copy outside: its pieces are unreadable, the link never followed.
    const z = multiLayout.files.findIndex((f) => f.path.at(-1) === 'z.bin');
    const zf = multiLayout.files[z]!;
    const outside = join(dir, 'outside.bin');
    await writeFile(outside, data.subarray(zf.offset, zf.offset + zf.length));
    await rm(join(root, 't', 'z.bin'));
    await symlink(outside, join(root, 't', 'z.bin'));
    const linked = await s.hashPieces(all);
    const zPieces = new Set<number>();
    for (let p = Math.floor(zf.offset / 1024); p * 1024 < zf.offset + zf.length; p++) zPieces.add(p);
    assert.deepEqual([...linked.unreadable].sort((a, b) => a - b), [...zPieces]);
    // b.bin deleted: its pieces are unreadable too.
    await rm(join(root, 't', 'sub', 'b.bin'));
    const gone = await s.hashPieces(all);
    const bf = multiLayout.files.find((f) => f.path.at(-1) === 'b.bin')!;
    for (let p = Math.floor(bf.offset / 1024); p * 1024 < bf.offset + bf.length; p++) assert.ok(gone.unreadable.has(p), `piece ${p} of b.bin`);
    await s.close();
  }));

test('writePieceWith lends the descriptors of every non-pad span; what run writes is the piece on disk', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(multiLayout, dir, { maxOpenFiles: 1 });
    const data = content(multiLayout);
    const seen: number[] = [];
    for (let i = 0; i < multiLayout.pieceCount; i++) {
      const piece = pieceOf(multiLayout, data, i);
      const wrote = await s.writePieceWith(i, async (targets) => {
        let covered = 0;
        for (const t of targets) {
          assert.equal(writeSync(t.fd, piece, t.offset, t.length, t.position), t.length);
          covered += t.length;
        }
        seen.push(targets.length);
        return covered > 0;
      });
      assert.equal(wrote, seen[seen.length - 1]! > 0);
    }
    assert.ok(seen.some((n) => n > 1), 'some piece spans several files, all open at once');
    await s.flush();
    await s.close();
    for (const f of multiLayout.files) {
      const p = join(dir, ...f.path);
      if (f.pad) assert.equal(existsSync(p), false, `${p} is a pad file: no target`);
      else if (f.length > 0) assert.deepEqual(await readFile(p), data.subarray(f.offset, f.offset + f.length));
    }
  }));

test('writePieceWith reports a failed target against its file, and nothing when run wrote nothing', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(multiLayout, dir);
    const real = (i: number): number[] => checkPiece(multiLayout, i).spans.filter((x) => !multiLayout.files[x.fileIndex]!.pad).map((x) => x.fileIndex);
    const spanning = Array.from({ length: multiLayout.pieceCount }, (_, i) => i).find((i) => real(i).length >= 2);
    assert.ok(spanning !== undefined, 'the fixture has a piece across two real files');
    const err = await s
      .writePieceWith(spanning, async (targets) => {
        assert.equal(targets.length, real(spanning).length);
        throw Object.assign(new Error('disk full'), { code: 'ENOSPC', target: 1 });
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof StorageError, String(err));
    assert.equal(err.reason, 'io');
    assert.equal(err.context['fileIndex'], real(spanning)[1], 'the second span failed');
    assert.match(err.message, /disk full/);
    assert.equal(await s.writePieceWith(0, async () => false), false);
    await s.close();
    await assert.rejects(s.writePieceWith(0, async () => true), isStorageError('closed'));
  }));
