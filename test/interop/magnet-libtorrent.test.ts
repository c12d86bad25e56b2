// Magnet links against a real libtorrent (python3-libtorrent): shoal fetches metadata from a
// libtorrent seeder and downloads; libtorrent fetches metadata from a shoal seeder and downloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { MetadataResult } from '../../src/engine/index.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from '../engine/engine-fixtures.js';
import { LtPeer, libtorrentMissing } from './peers/libtorrent.js';

const missing = libtorrentMissing();
// Enough files that the info dict spans several 16 KiB metadata pieces.
const FILES: Record<string, number> = { 'big.bin': 3_000_001 };
for (let i = 0; i < 700; i++) FILES[`many/file-with-a-long-name-${String(i).padStart(4, '0')}.dat`] = 1000 + i;

test('shoal fetches metadata from a libtorrent seeder given only a magnet with x.pe, then downloads', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-magnet-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'magnet-multi', FILES, 32768);
  assert.ok(fx.meta.infoBytes.length > 2 * 16384, `metadata spans pieces (${fx.meta.infoBytes.length} bytes)`);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save: fx.seedDir, mode: 'seed', seedMode: true, fast: true });
  t.after(() => lt.stop());
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const out = join(dir, 'out');
  let meta: MetadataResult | undefined;
  const started = performance.now();
  const tor = await within(
    client.add(`magnet:?xt=urn:btih:${fx.meta.infoHash.hex}&x.pe=127.0.0.1:${lt.port}`, {
      path: out,
      onMetadata: (r) => {
        meta = r;
      },
    }),
    30_000,
    'metadata from libtorrent',
  );
  const metaSeconds = (performance.now() - started) / 1000;
  assert.ok(meta);
  assert.ok(meta.metainfo.infoBytes.equals(fx.meta.infoBytes));
  await within(tor.whenDone(), 60_000, 'download from libtorrent');
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
  t.diagnostic(`metadata ${fx.meta.infoBytes.length} bytes in ${metaSeconds.toFixed(2)} s`);
});

test('libtorrent fetches metadata from a shoal seeder given a magnet with x.pe, then downloads', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-magnet-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'magnet-multi', FILES, 32768);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const seed = await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await client.ready();
  const save = join(dir, 'lt-out');
  await mkdir(save);
  const saved = join(dir, 'from-shoal.torrent');
  const lt = await LtPeer.start({ magnet: `magnet:?xt=urn:btih:${fx.meta.infoHash.hex}&x.pe=127.0.0.1:${port}`, saveTorrent: saved, save, mode: 'leech', fast: true });
  t.after(() => lt.stop());
  const m = await within(lt.next((e) => e.event === 'metadata'), 30_000, 'libtorrent got the metadata');
  assert.equal(m.size, fx.meta.infoBytes.length);
  assert.equal(parseTorrent(await readFile(saved)).infoHash.hex, fx.meta.infoHash.hex);
  await within(lt.finished(), 60_000, 'libtorrent leecher finished');
  await lt.stop();
  const want = await readTree(fx.seedDir);
  const got = await readTree(save);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  assert.ok(seed.uploaded >= fx.meta.totalLength);
  t.diagnostic(`libtorrent fetched ${fx.meta.infoBytes.length} bytes of metadata in ${(m.seconds as number).toFixed(2)} s`);
});
