// Real torrents with their content (webtorrent-fixtures in ../shared/conformance): verifyData
// finds every piece good, and createTorrent on the same content and piece length reproduces
// the published info-hash. Skips visibly when the conformance folder is absent.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTorrent } from '../../src/metainfo/create.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { verifyData } from '../../src/metainfo/verify.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(resolve(repoRoot, '../shared'), 'conformance/parse-torrent/webtorrent-fixtures');

/** torrent file -> its content (a file for single-file torrents, the top folder otherwise). */
const CASES: [string, string, number][] = [
  ['alice.torrent', 'alice.txt', 1],
  ['leaves.torrent', 'Leaves of Grass by Walt Whitman.epub', 1],
  ['folder.torrent', 'folder', 1],
  ['numbers.torrent', 'numbers', 3],
  ['lots-of-numbers.torrent', 'lots-of-numbers', 6],
];

test('webtorrent fixtures: verify all good, create reproduces the info-hash', async (t) => {
  if (!existsSync(fixtures)) {
    t.skip('../shared/conformance/parse-torrent/webtorrent-fixtures not found');
    return;
  }
  for (const [torrentFile, content, fileCount] of CASES) {
    const meta = parseTorrent(readFileSync(join(fixtures, torrentFile)));
    const r = await verifyData(meta, join(fixtures, content));
    assert.equal(r.good, meta.pieceCount, torrentFile);
    assert.equal(r.files.length, fileCount, torrentFile);
    assert.ok(r.files.every((f) => f.complete), torrentFile);

    const made = await createTorrent(join(fixtures, content), { pieceLength: meta.pieceLength });
    assert.equal(made.infoHash.hex, meta.infoHash.hex, torrentFile);
  }
});
