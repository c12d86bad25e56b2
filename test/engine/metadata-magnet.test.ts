// Client.add with a magnet link between two shoal clients on 127.0.0.1: metadata from the
// seeder (BEP 9), then the download; `so`, `ws`, `tr` and bare info-hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, EngineError, MetadataError } from '../../src/engine/index.js';
import type { MetadataResult } from '../../src/engine/index.js';
import { parseTorrent } from '../../src/metainfo/parse.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

const FILES = { 'a.bin': 700_001, 'sub/b.bin': 65_536, 'c.bin': 3 };

test('client.add(magnet) fetches metadata from a shoal seeder and downloads byte-identical', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-magnet-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'mag', FILES, 16384);
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => seeder.close());
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => leecher.close());
  const out = join(dir, 'out');
  let got: MetadataResult | undefined;
  const progress: number[] = [];
  const uri = `magnet:?xt=urn:btih:${fx.meta.infoHash.hex}&dn=shown&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce&ws=http%3A%2F%2F127.0.0.1%3A1%2Fseed&x.pe=127.0.0.1:${port}`;
  const tor = await within(
    leecher.add(uri, {
      path: out,
      announce: false,
      onMetadataProgress: (p) => progress.push(p.piecesHave),
      onMetadata: (r) => {
        got = r;
      },
    }),
    20_000,
    'metadata',
  );
  assert.ok(got, 'onMetadata was called');
  assert.equal(got.metainfo.infoHash.hex, fx.meta.infoHash.hex);
  assert.ok(got.metainfo.infoBytes.equals(fx.meta.infoBytes));
  assert.deepEqual(got.metainfo.announce, [['http://127.0.0.1:1/announce']]);
  assert.deepEqual(got.metainfo.webSeeds, ['http://127.0.0.1:1/seed/']);
  assert.equal(parseTorrent(got.torrent).infoHash.hex, fx.meta.infoHash.hex);
  assert.ok(progress.length > 0);
  assert.equal(tor.metainfo.infoHash.hex, fx.meta.infoHash.hex);
  await within(tor.whenDone(), 30_000, 'download after metadata');
  const want = await readTree(fx.seedDir);
  const have = await readTree(out);
  assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(have.get(k)!.equals(v), `${k} differs`);
  await assert.rejects(leecher.add(uri, { path: out }), (e: unknown) => e instanceof EngineError && e.reason === 'duplicate');
});

test('a magnet whose only source dials us: the metadata comes over the incoming connection, then the data', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-magnet-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'inc', FILES, 16384);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await leecher.ready();
  const out = join(dir, 'out');
  // No peers, trackers or discovery on the leecher's side: only the seeder's dial can help.
  const adding = leecher.add(fx.meta.infoHash.hex, { path: out, announce: false });
  seed.addPeer(`127.0.0.1:${port}`);
  const tor = await within(adding, 20_000, 'metadata from the incoming peer');
  assert.ok(tor.metainfo.infoBytes.equals(fx.meta.infoBytes));
  await within(tor.whenDone(), 30_000, 'download after metadata (the seeder dials again)');
  const want = await readTree(fx.seedDir);
  const have = await readTree(out);
  for (const [k, v] of want) assert.ok(have.get(k)!.equals(v), `${k} differs`);
});

test('a bare info-hash with peers, and `so` selecting files', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-magnet-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'sel', FILES, 16384);
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => seeder.close());
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => leecher.close());
  const r = await within(leecher.fetchMetadata(fx.meta.infoHash.base32, { peers: [`127.0.0.1:${port}`] }), 20_000, 'metadata by base32 hash');
  assert.equal(r.metainfo.infoHash.hex, fx.meta.infoHash.hex);
  // File order in the info dict: index of c.bin.
  const ci = fx.meta.files.findIndex((f) => f.path.at(-1) === 'c.bin');
  const out = join(dir, 'out');
  const tor = await within(leecher.add(`magnet:?xt=urn:btih:${fx.meta.infoHash.hex}&so=${ci},99&x.pe=127.0.0.1:${port}`, { path: out, announce: false }), 20_000, 'add with so');
  await within(tor.whenDone(), 30_000, 'selected file');
  const have = await readTree(out);
  const c = [...have.entries()].find(([k]) => k.endsWith('c.bin'));
  assert.ok(c && c[1].equals((await readTree(fx.seedDir)).get(join('sel', 'c.bin'))!));
  assert.ok(tor.progress().wantedBytes < fx.meta.totalLength);
});

test('no peers: the metadata timeout rejects; closing the client stops a fetch', async (t) => {
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const hash = 'aa'.repeat(20);
  await assert.rejects(client.add(hash, { path: '/nonexistent', metadataTimeout: 300 }), (e: unknown) => e instanceof MetadataError && e.reason === 'timeout');
  await assert.rejects(client.add('magnet:?xt=urn:btih:zz', { path: '/x' }), (e: unknown) => (e as { code?: string }).code === 'EMAGNET');
  const pending = client.fetchMetadata(hash);
  await assert.rejects(client.fetchMetadata(hash), (e: unknown) => e instanceof EngineError && e.reason === 'duplicate');
  await client.close();
  await assert.rejects(pending, (e: unknown) => e instanceof MetadataError && e.reason === 'closed');
});
