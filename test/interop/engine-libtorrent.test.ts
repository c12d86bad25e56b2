// shoal's engine against a real libtorrent (python3-libtorrent): leech from it, seed to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from '../engine/engine-fixtures.js';
import { LtPeer, libtorrentMissing } from './peers/libtorrent.js';

const missing = libtorrentMissing();
const FILES = { 'a.bin': 2_500_003, 'dir/b.bin': 1, 'dir/c.bin': 1_048_576, 'z/y/x.bin': 3_333_333 };

test('shoal downloads a multi-file torrent from a libtorrent seeder', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'multi', FILES, 65536);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save: fx.seedDir, mode: 'seed', seedMode: true, fast: true });
  t.after(() => lt.stop());
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const out = join(dir, 'out');
  const tor = await client.add(fx.torrent, { path: out, peers: [`127.0.0.1:${lt.port}`], announce: false });
  let libtorrentSeen = false;
  tor.on('peer', (e) => {
    if (e.type === 'connect') libtorrentSeen ||= e.client?.toLowerCase().includes('libtorrent') ?? false;
  });
  await within(tor.whenDone(), 45_000, 'download from libtorrent');
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
  assert.ok(tor.downloaded >= fx.meta.totalLength);
});

test('shoal seeds a multi-file torrent to a libtorrent leecher', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lt-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'multi', FILES, 65536);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const seed = await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  assert.equal(seed.have.complete, true);
  const save = join(dir, 'lt-out');
  await mkdir(save);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save, mode: 'leech', fast: true, peers: [`127.0.0.1:${await client.ready()}`] });
  t.after(() => lt.stop());
  await within(lt.finished(), 45_000, 'libtorrent leecher finished');
  await lt.stop();
  const want = await readTree(fx.seedDir);
  const got = await readTree(save);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  assert.ok(seed.uploaded >= fx.meta.totalLength);
});
