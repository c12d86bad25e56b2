import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bitfield } from '../../src/core/bitfield.js';
import { computeHealth, pieceRanges } from '../../src/engine/health.js';
import { rarestLacking } from '../../src/engine/rare-suggest.js';
import { tempDir } from '../helpers/cli.js';
import { alignedFixture, startSwarm, until } from './health-helpers.js';

const K = 2; // pieces per file

test('computeHealth: figures of a hand-made swarm', () => {
  const have = new Bitfield(6);
  have.set(0);
  have.set(1);
  const avail = [2, 0, 1, 0, 3, 0];
  const h = computeHealth(have, (i) => avail[i]!, 3);
  // copies: 3, 1, 1, 0, 3, 0
  assert.equal(h.localFraction, 2 / 6);
  assert.equal(h.swarmFraction, 4 / 6);
  assert.equal(h.leastReplication, 0);
  assert.equal(h.meanReplication, 4 / 6);
  assert.equal(h.averageCopies, 8 / 6);
  assert.deepEqual(h.singleHolderPieces, [1, 2]);
  assert.equal(h.singleHolderCount, 2);
  assert.equal(h.peers, 3);
  const full = computeHealth(new Bitfield(4), () => 2, 2);
  assert.equal(full.leastReplication, 2);
  assert.equal(full.meanReplication, 2, 'every piece at the minimum: distributed copies = min');
  assert.deepEqual(computeHealth(new Bitfield(0), () => 0, 0).singleHolderPieces, []);
  assert.equal(pieceRanges([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  assert.equal(pieceRanges([]), '');
  assert.equal(pieceRanges([1, 3, 5], 2), '1,3,…');
});

test('rarestLacking: the rarest pieces we have and the peer lacks', () => {
  const have = new Bitfield(8);
  for (const i of [0, 1, 2, 3, 4, 5]) have.set(i);
  const peer = new Bitfield(8);
  peer.set(1);
  const avail = [3, 0, 1, 0, 2, 1, 0, 0];
  assert.deepEqual(rarestLacking(have, peer, (i) => avail[i]!, 3), [3, 2, 5]);
  assert.deepEqual(rarestLacking(have, peer, (i) => avail[i]!, 10), [3, 2, 5, 4, 0]);
});

test('a known swarm: Torrent.health() equals a direct count of the peers\' bitfields', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-health-');
  t.after(cleanup);
  const fx = await alignedFixture(dir, 6, K, 16384);
  // File holdings; file 5 is held by nobody.
  const holdings = [[0, 1], [0, 2], [2, 3], [0, 4]];
  const s = await startSwarm(t, dir, fx, holdings.map((holds) => ({ holds })));
  const observer = s.torrents[0]!;
  const n = fx.meta.pieceCount;
  const expectPieces = holdings.map((h) => h.length * K);
  // Wait until the observer has every other member's bitfield.
  await until(() => observer.peers.length === 3 && observer.peers.map((p) => p.pieces).sort().join() === expectPieces.slice(1).sort().join(), 20_000, 'observer sees three peers and their bitfields');

  const copies = new Array<number>(n).fill(0);
  for (const tor of s.torrents) for (let i = 0; i < n; i++) if (tor.have.get(i)) copies[i]!++;
  const min = Math.min(...copies);
  const h = observer.health();
  assert.equal(h.pieceCount, n);
  assert.equal(h.peers, 3);
  assert.equal(h.localFraction, observer.have.count / n);
  assert.equal(h.swarmFraction, copies.filter((c) => c > 0).length / n);
  assert.equal(h.leastReplication, min);
  assert.equal(h.meanReplication, min + copies.filter((c) => c > min).length / n);
  assert.equal(h.averageCopies, copies.reduce((a, b) => a + b, 0) / n);
  assert.deepEqual(h.singleHolderPieces, copies.flatMap((c, i) => (c === 1 ? [i] : [])));
  // The hand count of this layout, to be sure the direct count itself is right.
  assert.deepEqual(copies, [3, 3, 1, 1, 2, 2, 1, 1, 1, 1, 0, 0]);
  assert.equal(h.swarmFraction, 10 / 12);
  assert.equal(h.meanReplication, 10 / 12);
  assert.deepEqual(h.singleHolderPieces, [2, 3, 6, 7, 8, 9]);

  // The progress snapshot carries the same figures (without the list).
  const p = await new Promise<import('../../src/engine/types.js').TorrentProgress>((res) => observer.once('progress', res));
  assert.equal(p.health.leastReplication, h.leastReplication);
  assert.equal(p.health.meanReplication, h.meanReplication);
  assert.equal(p.health.singleHolderCount, 6);
  assert.equal(p.health.swarmFraction, h.swarmFraction);
});
