// shoal's info dictionary must be byte-identical to mktorrent 1.1's for the same content and
// piece length (so the info-hash is the same). Runs the real /usr/bin/mktorrent; skips visibly
// when it is not installed.
import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode, type BDict, type BValue } from '../../src/bencode/index.js';
import { createTorrent } from '../../src/metainfo/create.js';
import { splitTorrent, tempDir, writeTree } from './create-fixtures.js';

const MKTORRENT = spawnSync('mktorrent', ['-h']).error === undefined ? 'mktorrent' : undefined;
const ANNOUNCE = 'http://x/announce';

let outCount = 0;
function mktorrent(outDir: string, target: string, args: string[]): Buffer {
  const out = join(outDir, `mk-${++outCount}.torrent`);
  const r = spawnSync(MKTORRENT!, [...args, '-o', out, target], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mktorrent ${args.join(' ')} failed: ${r.stderr}`);
  return readFileSync(out);
}

/** The whole file with 'created by' and 'creation date' removed, re-encoded. */
function withoutDate(torrent: Buffer): Buffer {
  const root = new Map(splitTorrent(torrent).root) as BDict;
  root.delete('created by');
  root.delete('creation date');
  return encode(root);
}

function oddTree(root: string): void {
  writeTree(root, {
    'a.txt': 1000,
    'a/b': 33_333,
    'a-b': 5,
    'a0': 70_000,
    'B': 17,
    'Z/z': 1,
    'sp ace/f i l e': 40_000,
    'ünï/cødé.txt': 12_345,
    '日本語.bin': 65_536,
    '.hidden': 3,
    '.hid/x': 4,
    'empty': 0,
    'deep/er/and/deeper/file': 99_999,
  });
  mkdirSync(join(root, 'empty-dir', 'inner'), { recursive: true });
}

const skip = MKTORRENT ? false : 'mktorrent not installed (apt-get install mktorrent)';

test('single file: info bytes identical to mktorrent for several piece lengths', { skip }, async (t) => {
  const dir = tempDir(t, 'shoal-mk-');
  const sizes = { 'odd.bin': 100_001, 'exact.bin': 4 * 32_768, 'tiny.bin': 1 };
  writeTree(dir, sizes);
  for (const file of Object.keys(sizes)) {
    for (const log2 of [15, 16, 18]) {
      const mk = mktorrent(dir, join(dir, file), ['-l', String(log2), '-d', '-a', ANNOUNCE]);
      const ours = await createTorrent(join(dir, file), { pieceLength: 2 ** log2, announce: [ANNOUNCE], creationDate: false });
      assert.ok(splitTorrent(ours.torrent).infoBytes.equals(splitTorrent(mk).infoBytes), `${file} -l ${log2}`);
      assert.ok(withoutDate(ours.torrent).equals(withoutDate(mk)), `${file} -l ${log2}: whole file`);
    }
  }
});

test('folder with odd names, hidden and empty files, empty dirs: identical info bytes', { skip }, async (t) => {
  const dir = tempDir(t, 'shoal-mk-');
  const top = join(dir, 'top folder ✓');
  oddTree(top);
  for (const log2 of [15, 16, 17, 20]) {
    const mk = mktorrent(dir, top, ['-l', String(log2), '-d', '-a', ANNOUNCE]);
    const ours = await createTorrent(top, { pieceLength: 2 ** log2, announce: [ANNOUNCE], creationDate: false });
    assert.ok(splitTorrent(ours.torrent).infoBytes.equals(splitTorrent(mk).infoBytes), `-l ${log2}`);
    assert.ok(withoutDate(ours.torrent).equals(withoutDate(mk)), `-l ${log2}: whole file`);
    assert.equal(ours.fileCount, 13);
  }
});

test('symlinks (to files, to folders, out of the tree) and non-UTF-8 names: identical info bytes', { skip }, async (t) => {
  const dir = tempDir(t, 'shoal-mk-');
  const top = join(dir, 'top');
  writeTree(top, { 'real/file': 20_000, 'other': 300 });
  writeTree(dir, { 'outside.bin': 5_000 });
  symlinkSync('real/file', join(top, 'link-to-file'));
  symlinkSync('real', join(top, 'link-to-dir'));
  symlinkSync(join(dir, 'outside.bin'), join(top, 'link-out'));
  writeFileSync(Buffer.concat([Buffer.from(top + '/caf'), Buffer.from([0xe9]), Buffer.from('.latin1')]), 'x');
  const mk = mktorrent(dir, top, ['-l', '15', '-d', '-a', ANNOUNCE]);
  const ours = await createTorrent(top, { pieceLength: 2 ** 15, announce: [ANNOUNCE], creationDate: false });
  assert.ok(splitTorrent(ours.torrent).infoBytes.equals(splitTorrent(mk).infoBytes));
  assert.equal(ours.fileCount, 6);
});

test('optional fields against mktorrent -p -c -w -a (and the one recorded difference)', { skip }, async (t) => {
  const dir = tempDir(t, 'shoal-mk-');
  writeTree(dir, { 'f.bin': 50_000 });
  const file = join(dir, 'f.bin');
  const mk = mktorrent(dir, file, [
    '-l', '15', '-d', '-p', '-c', 'a comment', '-n', 'renamed',
    '-a', 'http://a/1,http://a/2', '-a', 'udp://b/1', '-w', 'http://w/1', '-w', 'http://w/2',
  ]);
  const ours = await createTorrent(file, {
    pieceLength: 2 ** 15,
    private: true,
    comment: 'a comment',
    name: 'renamed',
    announce: [['http://a/1', 'http://a/2'], 'udp://b/1'],
    webSeeds: ['http://w/1', 'http://w/2'],
    creationDate: false,
  });
  assert.ok(splitTorrent(ours.torrent).infoBytes.equals(splitTorrent(mk).infoBytes));
  assert.ok(withoutDate(ours.torrent).equals(withoutDate(mk)));

  // Recorded difference: with ONE web seed mktorrent writes url-list as a string, shoal as a
  // one-element list (both allowed by BEP 19; a list is what every parser handles).
  const mk1 = splitTorrent(mktorrent(dir, file, ['-l', '15', '-d', '-a', ANNOUNCE, '-w', 'http://w/1'])).root;
  const ours1 = splitTorrent((await createTorrent(file, { pieceLength: 2 ** 15, announce: [ANNOUNCE], webSeeds: ['http://w/1'] })).torrent).root;
  const seeds = (v: BValue | undefined): unknown => (v instanceof Uint8Array ? Buffer.from(v).toString() : (v as Uint8Array[]).map((u) => Buffer.from(u).toString()));
  assert.equal(seeds(mk1.get('url-list')), 'http://w/1');
  assert.deepEqual(seeds(ours1.get('url-list')), ['http://w/1']);
  // And mktorrent always stamps 'created by' = 'mktorrent 1.1' and, without -d, a creation date.
  assert.equal(Buffer.from(mk1.get('created by') as Uint8Array).toString(), 'mktorrent 1.1');
});
