import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { Torrent } from '../../src/engine/index.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';
import { until } from './health-helpers.js';

const PIECE = 16384;
const PIECES = 96;

async function swarm(t: import('node:test').TestContext, superSeed: boolean) {
  const { dir, cleanup } = await tempDir('shoal-superseed-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'ss.bin', { x: PIECES * PIECE - 1000 }, PIECE, { single: true });
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const seederClient = new Client({ host: '127.0.0.1' });
  clients.push(seederClient);
  const ports = [await seederClient.ready()];
  const seed = await seederClient.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false, superSeed });
  const leechers: Torrent[] = [];
  const union = new Set<number>();
  let uploadedAtFirstCopy = -1;
  for (let k = 0; k < 4; k++) {
    const c = new Client({ host: '127.0.0.1' });
    clients.push(c);
    const peers = ports.map((p) => `127.0.0.1:${p}`);
    ports.push(await c.ready());
    const l = await c.add(fx.torrent, { path: join(dir, `l${k}`), peers, announce: false, resume: false });
    l.on('piece', (i) => {
      union.add(i);
      if (union.size === fx.meta.pieceCount && uploadedAtFirstCopy < 0) uploadedAtFirstCopy = seed.uploaded;
    });
    leechers.push(l);
  }
  await within(Promise.all(leechers.map((l) => l.whenDone())), 45_000, 'four leechers done');
  const want = (await readTree(fx.seedDir)).get('ss.bin')!;
  for (let k = 0; k < 4; k++) assert.ok((await readTree(join(dir, `l${k}`))).get('ss.bin')!.equals(want), `leecher ${k} data`);
  return { fx, seed, uploadedAtFirstCopy };
}

test('super-seeding: the first full distributed copy costs the seeder at most 1.1x the file size', async (t) => {
  const { fx, seed, uploadedAtFirstCopy } = await swarm(t, true);
  const ratio = uploadedAtFirstCopy / fx.meta.totalLength;
  t.diagnostic(`super-seed: seeder uploaded ${uploadedAtFirstCopy} bytes (${ratio.toFixed(3)}x) before one full copy was in the swarm; ${seed.uploaded} in all`);
  assert.ok(uploadedAtFirstCopy >= fx.meta.totalLength * 0.99, 'every piece came from the seeder once');
  assert.ok(ratio <= 1.1, `ratio ${ratio}`);
  await until(() => !seed.superSeeding, 5000, 'super-seeding ends once every piece was seen');
});

test('control: a normal seeder sends more than one copy before the swarm holds one', async (t) => {
  const { fx, seed, uploadedAtFirstCopy } = await swarm(t, false);
  const ratio = uploadedAtFirstCopy / fx.meta.totalLength;
  t.diagnostic(`normal seeding: seeder uploaded ${uploadedAtFirstCopy} bytes (${ratio.toFixed(3)}x) before one full copy; ${seed.uploaded} in all`);
  assert.equal(seed.superSeeding, false);
  assert.ok(ratio >= 1, `ratio ${ratio}`);
});
