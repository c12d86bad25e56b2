// The input walk: which files go into a torrent and in what order (mktorrent 1.1's rules).
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { walkInput } from '../../src/metainfo/walk.js';
import { createTorrent } from '../../src/metainfo/create.js';
import { tempDir, writeTree } from './create-fixtures.js';

const rel = (files: readonly { components: readonly Buffer[] }[]): string[] =>
  files.map((f) => f.components.map((c) => c.toString()).join('/'));

test('order is strcmp over the whole relative path; hidden and empty files kept, empty dirs dropped', async (t) => {
  const top = join(tempDir(t), 'top');
  writeTree(top, { 'a.txt': 'x', 'a/b': 'x', 'a-b': 'x', 'a0': 'x', 'B': 'x', 'Z/z': 'x', '.hid/x': 'x', '.hidden': 'x', 'é': 'x', 'e': '' });
  mkdirSync(join(top, 'empty', 'deeper'), { recursive: true });
  const w = await walkInput(top);
  assert.equal(w.multiFile, true);
  assert.equal(w.name, 'top');
  assert.deepEqual(rel(w.files), ['.hid/x', '.hidden', 'B', 'Z/z', 'a-b', 'a.txt', 'a/b', 'a0', 'e', 'é']);
  assert.deepEqual(
    w.files.map((f) => f.length),
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1],
  );
});

test('a single file gives a single-file torrent; a folder with one file still a folder', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'one/only': 'data', 'f': 'data' });
  const single = await walkInput(join(dir, 'f'));
  assert.equal(single.multiFile, false);
  assert.equal(single.name, 'f');
  assert.deepEqual(rel(single.files), ['']);
  const folder = await walkInput(join(dir, 'one') + '/');
  assert.equal(folder.multiFile, true);
  assert.equal(folder.name, 'one');
});

test('symlinks are followed; dangling links and folder loops are errors; FIFOs are skipped', async (t) => {
  const dir = tempDir(t);
  const top = join(dir, 'top');
  writeTree(top, { 'real/f': 'abc' });
  writeTree(dir, { 'outside': 'zz' });
  symlinkSync('real', join(top, 'dirlink'));
  symlinkSync('real/f', join(top, 'filelink'));
  symlinkSync('../outside', join(top, 'outlink'));
  const fifo = spawnSync('mkfifo', [join(top, 'pipe')]);
  const w = await walkInput(top);
  assert.deepEqual(rel(w.files), ['dirlink/f', 'filelink', 'outlink', 'real/f']);
  if (fifo.status !== 0) t.diagnostic('mkfifo unavailable: FIFO case not exercised');

  symlinkSync('nowhere', join(top, 'dangling'));
  await assert.rejects(walkInput(top), { code: 'EINPUT' });
  await assert.rejects(createTorrent(top), { code: 'EINPUT' });

  const loop = join(tempDir(t), 'loop');
  writeTree(loop, { 'f': 'x' });
  symlinkSync('..', join(loop, 'up'));
  await assert.rejects(walkInput(loop), { code: 'ESYMLINK_LOOP' });
});
