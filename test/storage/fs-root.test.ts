import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsStorage } from '../../src/storage/index.js';
import { tempDir } from '../helpers/cli.js';

test('a stat before the download folder exists does not stop the first write from creating it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const root = join(dir, 'not', 'yet');
    const layout = { pieceLength: 4, pieceCount: 1, totalLength: 3, files: [{ path: ['f.bin'], rawPath: 'f.bin', length: 3, offset: 0, pad: false, attr: '' }] };
    const s = new FsStorage(layout, root);
    assert.equal(await s.stat(0), undefined);
    await s.writePiece(0, Buffer.from('abc'));
    await s.close();
    assert.equal(await readFile(join(root, 'f.bin'), 'utf8'), 'abc');
  } finally {
    await cleanup();
  }
});
