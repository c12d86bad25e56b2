import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DrainProgress } from '../../src/engine/drain.js';
import { tempDir } from '../helpers/cli.js';
import { readTree, within } from './engine-fixtures.js';
import { alignedFixture, filePieces, startSwarm, until } from './health-helpers.js';

// Four files of K pieces: leecher k holds file k (k = 0..2), file 3 only the seeder has.
const K = 8;
const PIECE = 16384;

async function setUp(t: import('node:test').TestContext) {
  const { dir, cleanup } = await tempDir('shoal-drain-');
  t.after(cleanup);
  const fx = await alignedFixture(dir, 4, K, PIECE);
  const s = await startSwarm(t, dir, fx, [{ holds: 'all' }, { holds: [0] }, { holds: [1] }, { holds: [2] }]);
  const [seed, ...leechers] = s.torrents as [import('../../src/engine/index.js').Torrent, ...import('../../src/engine/index.js').Torrent[]];
  // The seeder sees the three leechers' bitfields: file 3's pieces are held by it alone.
  await until(() => seed.health().peers === 3 && seed.health().singleHolderCount === K, 20_000, 'seeder sees the three leechers');
  assert.deepEqual(seed.health().singleHolderPieces, filePieces(3, K));
  return { dir, fx, s, seed, leechers };
}

test('drain: the seeder hands out the pieces only it has, leaves, and the leechers finish among themselves', async (t) => {
  const { dir, fx, seed, leechers } = await setUp(t);
  for (const l of leechers) l.select(); // now they want everything
  const seen: DrainProgress[] = [];
  const result = await within(seed.drain({ minCopies: 1, timeoutMs: 20_000, onProgress: (p) => seen.push(p) }), 30_000, 'drain');
  assert.equal(result.complete, true, `still at risk: ${result.atRisk.join(',')}`);
  assert.equal(result.reason, 'done');
  assert.deepEqual(result.atRisk, []);
  assert.equal(result.atRiskAtStart, K);
  assert.equal(seed.state, 'closed', 'drain closes the torrent');
  assert.ok(seen.length >= 1 && seen[seen.length - 1]!.atRisk === 0);
  // Right after the seeder left, every piece is still somewhere among the leechers.
  const union = new Set<number>();
  for (const l of leechers) for (let i = 0; i < fx.meta.pieceCount; i++) if (l.have.get(i)) union.add(i);
  assert.equal(union.size, fx.meta.pieceCount, 'the leechers hold every piece between them');
  await within(Promise.all(leechers.map((l) => l.whenDone())), 30_000, 'leechers complete without the seeder');
  const want = await readTree(fx.seedDir);
  for (let k = 0; k < 3; k++) {
    const got = await readTree(join(dir, `member${k + 1}`));
    for (const [f, v] of want) assert.ok(got.get(f)?.equals(v), `leecher ${k}: ${f} differs`);
  }
});

test('drain with --min-copies 2: every piece the seeder held alone ends at two leechers', async (t) => {
  const { seed, leechers } = await setUp(t);
  for (const l of leechers) l.select();
  const result = await within(seed.drain({ minCopies: 2, timeoutMs: 20_000 }), 30_000, 'drain');
  assert.equal(result.complete, true, `still at risk: ${result.atRisk.join(',')}`);
  assert.equal(result.minCopies, 2);
  // Files 0..2 had one copy among the others, file 3 none: all were at risk.
  assert.equal(result.atRiskAtStart, 4 * K);
  for (const i of filePieces(3, K)) {
    const holders = leechers.filter((l) => l.have.get(i)).length;
    assert.ok(holders >= 2, `piece ${i} at ${holders} leechers`);
  }
});

test('control: without a drain the seeder\'s pieces are lost and the leechers cannot complete', async (t) => {
  const { fx, seed, leechers } = await setUp(t);
  await seed.close();
  for (const l of leechers) l.select();
  // They trade what they have: files 0..2 reach everyone, file 3 never does.
  await within(
    until(() => leechers.every((l) => l.have.count === 3 * K), 30_000, 'leechers trade files 0..2'),
    35_000,
    'trade',
  );
  for (const l of leechers) {
    const h = l.health();
    assert.equal(l.done, false);
    assert.equal(h.swarmFraction, 3 / 4, 'file 3 is held by nobody left');
    assert.equal(h.leastReplication, 0);
    for (const i of filePieces(3, K)) assert.equal(l.have.get(i), false);
  }
  assert.equal(fx.meta.pieceCount, 4 * K);
});
