import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFiles, decodeResume, encodeResume, readResume, snapshotFiles, writeResume } from '../../src/storage/resume.js';
import type { ResumeData } from '../../src/storage/resume.js';
import { FsStorage } from '../../src/storage/fs.js';
import { content, multiLayout, pieceOf } from './fixture.js';

const infoHash = Buffer.alloc(20, 0x42);
const sample: ResumeData = {
  infoHash,
  pieceCount: 11,
  bitfield: Buffer.from([0b10110000, 0b00100000]),
  files: [
    { size: 10, mtimeMs: 1700000000123 },
    { size: 0, mtimeMs: 0 },
  ],
  cleanShutdown: true,
};
const expect = { infoHash, pieceCount: 11, fileCount: 2 };

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-resume-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('resume data round-trips through an atomic write, leaving no temp files', () =>
  inTemp(async (dir) => {
    const path = join(dir, 'x.resume');
    await writeResume(path, sample);
    await writeResume(path, { ...sample, cleanShutdown: false });
    const r = await readResume(path, expect);
    assert.ok(r);
    assert.deepEqual(Buffer.from(r.infoHash), infoHash);
    assert.deepEqual(Buffer.from(r.bitfield), Buffer.from(sample.bitfield));
    assert.deepEqual(r.files, sample.files);
    assert.equal(r.cleanShutdown, false);
    assert.equal(r.pieceCount, 11);
    assert.ok(typeof r.savedAt === 'number' && r.savedAt > 0);
    assert.deepEqual(await readdir(dir), ['x.resume']);
  }));

test('a torn write (every truncation, garbage, flipped bytes) is ignored, never fatal', () =>
  inTemp(async (dir) => {
    const good = encodeResume(sample);
    for (let n = 0; n < good.length; n++) assert.equal(decodeResume(good.subarray(0, n), expect), undefined, `truncated to ${n}`);
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x01;
      assert.equal(decodeResume(bad, expect), undefined, `byte ${i} flipped`);
    }
    assert.equal(decodeResume(Buffer.concat([good, Buffer.from('x')]), expect), undefined, 'trailing byte');
    const path = join(dir, 'torn.resume');
    await writeFile(path, good.subarray(0, good.length >> 1));
    assert.equal(await readResume(path, expect), undefined);
    await writeFile(path, Buffer.from('garbage \x00\xff garbage'));
    assert.equal(await readResume(path, expect), undefined);
    await writeFile(path, '');
    assert.equal(await readResume(path, expect), undefined);
    assert.equal(await readResume(join(dir, 'absent'), expect), undefined);
    assert.equal(await readResume(dir, expect), undefined, 'a folder');
  }));

test('resume data for another torrent or shape is ignored', () => {
  const good = encodeResume(sample);
  assert.ok(decodeResume(good, expect));
  assert.equal(decodeResume(good, { ...expect, infoHash: Buffer.alloc(20, 1) }), undefined);
  assert.equal(decodeResume(good, { ...expect, pieceCount: 12 }), undefined);
  assert.equal(decodeResume(good, { ...expect, pieceCount: 17 }), undefined);
  assert.equal(decodeResume(good, { ...expect, fileCount: 3 }), undefined);
  // Spare bits set past the last piece: malformed.
  assert.equal(decodeResume(encodeResume({ ...sample, bitfield: Buffer.from([0, 0x01]) }), expect), undefined);
});

test('changedFiles spots files whose size or mtime moved since the snapshot', () =>
  inTemp(async (dir) => {
    const s = new FsStorage(multiLayout, dir);
    const data = content(multiLayout);
    for (let i = 0; i < multiLayout.pieceCount; i++) await s.writePiece(i, pieceOf(multiLayout, data, i));
    await s.flush();
    const snap = await snapshotFiles(s);
    const r: ResumeData = { infoHash, pieceCount: multiLayout.pieceCount, bitfield: Buffer.alloc(2, 0xff), files: snap, cleanShutdown: true };
    assert.deepEqual(await changedFiles(s, r), []);
    await utimes(join(dir, 't', 'z.bin'), new Date(1_000_000), new Date(1_000_000));
    await s.deleteData();
    const changed = await changedFiles(s, r);
    assert.ok(changed.includes(multiLayout.files.findIndex((f) => f.path.at(-1) === 'z.bin')));
    assert.ok(changed.includes(0));
    await s.close();
  }));
