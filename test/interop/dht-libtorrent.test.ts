// shoal's DHT against libtorrent's, with no tracker: a few shoal DHT nodes form the network,
// libtorrent (lt_peer.py with a shoal bootstrap node) joins it, and a shoal Client with
// DhtDiscovery and libtorrent find each other through get_peers/announce_peer and transfer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { DhtDiscovery } from '../../src/engine/dht-discovery.js';
import { DhtNode } from '../../src/dht/node.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from '../engine/engine-fixtures.js';
import { LtPeer, libtorrentMissing } from './peers/libtorrent.js';
import type { LtPeerOptions } from './peers/libtorrent.js';

const missing = libtorrentMissing();
const HOST = '127.0.0.1';
const FILES = { 'a.bin': 700_001, 'b/c.bin': 300_000 };

/** Three shoal nodes: the bootstrap node and two more, so lookups have somewhere to go. */
async function shoalNetwork(): Promise<{ boot: string; nodes: DhtNode[] }> {
  const first = new DhtNode({ host: HOST, timeoutMs: 1500, queryRate: 1000 });
  await first.listen();
  const boot = `${HOST}:${first.port}`;
  const more = [0, 1].map(() => new DhtNode({ host: HOST, bootstrap: [boot], timeoutMs: 1500, queryRate: 1000 }));
  await Promise.all(more.map((n) => n.listen()));
  await Promise.all(more.map((n) => n.ready));
  return { boot, nodes: [first, ...more] };
}

/** lt_peer.py with its DHT on and `boot` as the only bootstrap node (LtPeer passes our env through). */
async function ltWithDht(boot: string, o: LtPeerOptions): Promise<LtPeer> {
  process.env['LT_PEER_DHT_BOOTSTRAP'] = boot;
  try {
    return await LtPeer.start(o);
  } finally {
    delete process.env['LT_PEER_DHT_BOOTSTRAP'];
  }
}

function dhtDiscovery(boot: string): DhtDiscovery {
  return new DhtDiscovery({ host: HOST, bootstrap: [boot], timeoutMs: 1500, queryRate: 1000, emptyIntervalMs: 1500 });
}

test('libtorrent leecher finds a shoal seeder through the DHT (no tracker)', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-dht-lt-');
  t.after(cleanup);
  const net = await shoalNetwork();
  t.after(() => Promise.all(net.nodes.map((n) => n.close())));
  const fx = await makeFixture(dir, 'dhtseed', FILES, 32768);
  assert.equal(fx.meta.announce.flat().length, 0, 'no tracker in the torrent');
  const dht = dhtDiscovery(net.boot);
  const client = new Client({ host: HOST, discovery: [dht] });
  t.after(() => client.close());
  const seed = await client.add(fx.torrent, { path: fx.seedDir, resume: false });
  assert.equal(seed.have.complete, true);
  const save = join(dir, 'lt-out');
  await mkdir(save);
  const lt = await ltWithDht(net.boot, { torrent: fx.torrentPath, save, mode: 'leech' });
  t.after(() => lt.stop());
  await within(lt.finished(), 40_000, `libtorrent leecher finished via the DHT (stored peers: ${net.nodes.map((n) => n.storedPeers).join(',')})`);
  await lt.stop();
  const want = await readTree(fx.seedDir);
  const got = await readTree(save);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  assert.ok(seed.uploaded >= fx.meta.totalLength);
  const ltNodes = lt.events.filter((e) => typeof e.dht_nodes === 'number').map((e) => e.dht_nodes as number);
  t.diagnostic(`libtorrent DHT nodes seen: ${Math.max(0, ...ltNodes)}; shoal nodes storing peers: ${net.nodes.filter((n) => n.storedPeers > 0).length}/3`);
});

test('shoal leecher finds a libtorrent seeder through the DHT (no tracker)', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-dht-lt-');
  t.after(cleanup);
  const net = await shoalNetwork();
  t.after(() => Promise.all(net.nodes.map((n) => n.close())));
  const fx = await makeFixture(dir, 'dhtleech', FILES, 32768);
  const lt = await ltWithDht(net.boot, { torrent: fx.torrentPath, save: fx.seedDir, mode: 'seed', seedMode: true });
  t.after(() => lt.stop());
  // libtorrent's announce_peer lands on our nodes.
  await within(
    new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (net.nodes.some((n) => n.storedPeers > 0)) {
          clearInterval(check);
          resolve();
        }
      }, 100);
    }),
    30_000,
    'libtorrent announced to a shoal node',
  );
  const client = new Client({ host: HOST, discovery: [dhtDiscovery(net.boot)] });
  t.after(() => client.close());
  const out = join(dir, 'out');
  const tor = await client.add(fx.torrent, { path: out, resume: false });
  await within(tor.whenDone(), 40_000, 'download from libtorrent found via the DHT');
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
});
