// The daemon's stop with { drain: true } and the health figures in its API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { call, testDaemon } from '../daemon/helpers.js';
import { within } from './engine-fixtures.js';
import { alignedFixture, filePieces, startSwarm, untilAsync } from './health-helpers.js';

const K = 8;

test('daemon: stop with drain hands out what only it holds; health in list, get and /health', async (t) => {
  const td = await testDaemon();
  t.after(() => td.close());
  const fx = await alignedFixture(td.root, 3, K, 16384);
  await cp(join(fx.seedDir, fx.meta.name), join(td.downloadDir, fx.meta.name), { recursive: true });
  const added = await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent: fx.torrent.toString('base64') } });
  assert.equal(added.status, 201, added.body.toString());
  const hash = fx.meta.infoHash.hex;
  assert.equal(added.json.health.localFraction, 1);
  // Two engine clients holding files 0 and 1, dialling the daemon.
  const s = await startSwarm(t, td.root, fx, [{ holds: [0], add: { peers: [`127.0.0.1:${td.d.peerPort}`] } }, { holds: [1], add: { peers: [`127.0.0.1:${td.d.peerPort}`] } }]);
  let h: { json: Record<string, unknown> } = { json: {} };
  await untilAsync(async () => {
    h = await call(td.d, 'GET', `/api/v1/torrents/${hash}/health`);
    return h.json['peers'] === 2 && h.json['singleHolderCount'] === K;
  }, 20_000, 'daemon sees both bitfields');
  assert.deepEqual(h.json['singleHolderPieces'], filePieces(2, K));
  assert.equal(h.json['singleHolderRanges'], `${2 * K}-${3 * K - 1}`);
  assert.equal(h.json['swarmFraction'], 1);
  assert.equal(h.json['leastReplication'], 1);
  assert.equal(h.json['meanReplication'], 1 + (2 * K) / (3 * K));
  assert.equal(h.json['distributedCopies'], h.json['meanReplication']);
  const got = await call(td.d, 'GET', `/api/v1/torrents/${hash}`);
  assert.equal(got.json.singleHolderRanges, `${2 * K}-${3 * K - 1}`);
  assert.equal(typeof got.json.health.meanReplication, 'number');
  const list = await call(td.d, 'GET', '/api/v1/torrents');
  assert.equal(list.json.torrents[0].health.pieceCount, 3 * K);

  const bad = await call(td.d, 'POST', `/api/v1/torrents/${hash}/stop`, { body: { minCopies: 2 } });
  assert.equal(bad.status, 400);
  for (const l of s.torrents) l.select();
  const stopped = await within(call(td.d, 'POST', `/api/v1/torrents/${hash}/stop`, { body: { drain: true, minCopies: 1, timeout: 20 } }), 30_000, 'stop with drain');
  assert.equal(stopped.status, 200, stopped.body.toString());
  assert.equal(stopped.json.state, 'stopped');
  assert.equal(stopped.json.drain.complete, true, JSON.stringify(stopped.json.drain));
  assert.equal(stopped.json.drain.atRiskAtStart, K);
  await within(Promise.all(s.torrents.map((l) => l.whenDone())), 30_000, 'the two finish without the daemon');
});
