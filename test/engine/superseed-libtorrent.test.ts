// Super-seeding and drain against a real libtorrent leecher (python3-libtorrent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { tempDir } from '../helpers/cli.js';
import { LtPeer, libtorrentMissing } from '../interop/peers/libtorrent.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';
import { until } from './health-helpers.js';

const missing = libtorrentMissing();

test('a super-seeding shoal seeder serves a libtorrent leecher one piece at a time, each piece once', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-ss-lt-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'ss', { 'a.bin': 1_000_003, 'b.bin': 500_000 }, 32768);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const seed = await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false, superSeed: true });
  assert.equal(seed.superSeeding, true);
  const save = join(dir, 'lt-out');
  await mkdir(save);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save, mode: 'leech', fast: true, peers: [`127.0.0.1:${await client.ready()}`] });
  t.after(() => lt.stop());
  await within(lt.finished(), 60_000, 'libtorrent leecher finished');
  // Its HAVE for the last piece may come just after it reports being finished.
  await until(() => !seed.superSeeding, 10_000, 'every piece seen: super-seeding ends');
  await lt.stop();
  const want = await readTree(fx.seedDir);
  const got = await readTree(save);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
  const ratio = seed.uploaded / fx.meta.totalLength;
  t.diagnostic(`uploaded ${seed.uploaded} bytes to libtorrent (${ratio.toFixed(3)}x)`);
  assert.ok(ratio >= 1 && ratio <= 1.1, `ratio ${ratio}`);
});

test('drain to a libtorrent leecher: it announces what it got (HAVE to a seed), the drain completes', { skip: missing }, async (t) => {
  const { dir, cleanup } = await tempDir('shoal-drain-lt-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'dr', { 'a.bin': 700_001 }, 32768);
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const seed = await client.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  // Slow enough that the drain starts while libtorrent is still downloading (700 KB in ~3 s).
  seed.setRateLimits({ upload: 256_000 });
  const connected = new Promise<void>((res) => seed.on('peer', (e) => e.type === 'connect' && res()));
  const save = join(dir, 'lt-out');
  await mkdir(save);
  const lt = await LtPeer.start({ torrent: fx.torrentPath, save, mode: 'leech', fast: true, peers: [`127.0.0.1:${await client.ready()}`] });
  t.after(() => lt.stop());
  await within(connected, 20_000, 'libtorrent connected');
  // Whatever it has not announced yet is at risk (it may have started downloading already).
  const r = await within(seed.drain({ timeoutMs: 45_000 }), 50_000, 'drain');
  assert.equal(r.complete, true, `${r.reason}: ${r.atRisk.length} at risk`);
  assert.ok(r.atRiskAtStart > 0 && r.atRiskAtStart <= fx.meta.pieceCount);
  assert.equal(seed.state, 'closed');
  await within(lt.finished(), 30_000, 'libtorrent leecher finished');
});
