// File priorities (picker levels), recheck and tracker status on Torrent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bitfield } from '../../src/core/bitfield.js';
import { Client } from '../../src/engine/index.js';
import { BLOCK_SIZE, PiecePicker } from '../../src/engine/picker/index.js';
import { planPieces, PIECE_HIGH, PIECE_LOW, PIECE_NORMAL } from '../../src/engine/priority.js';
import { EngineError } from '../../src/engine/engine-errors.js';
import { tempDir } from '../helpers/cli.js';
import { MiniTracker } from '../helpers/mini-tracker.js';
import { makeFixture, within } from './engine-fixtures.js';
import { rng } from './helpers.js';

test('planPieces: shared pieces take the higher priority; skip only where no wanted file overlaps', () => {
  // Pieces of 10 bytes; files: [0,25) high, [25,40) skip, [40,41) empty-ish, [40,70) low.
  const files = [
    { offset: 0, length: 25, pad: false },
    { offset: 25, length: 15, pad: false },
    { offset: 40, length: 0, pad: false },
    { offset: 40, length: 30, pad: false },
  ];
  const plan = planPieces(10, 70, files, ['high', 'skip', 'high', 'low']);
  assert.deepEqual([...plan.wanted], [1, 1, 1, 0, 1, 1, 1]);
  assert.deepEqual([...plan.priority], [PIECE_HIGH, PIECE_HIGH, PIECE_HIGH, PIECE_NORMAL, PIECE_LOW, PIECE_LOW, PIECE_LOW]);
  assert.throws(() => planPieces(10, 70, files, ['high']), EngineError);
  assert.throws(() => planPieces(10, 70, files, ['high', 'skip', 'x' as 'high', 'low']), EngineError);
});

test('picker: high pieces are started first, low ones last, rarest-first within a level', () => {
  const n = 12;
  const p = new PiecePicker<string>({ pieceLength: 2 * BLOCK_SIZE, totalLength: n * 2 * BLOCK_SIZE, random: rng(7) });
  const levels = new Uint8Array(n).fill(PIECE_NORMAL);
  levels[9] = levels[10] = PIECE_HIGH;
  levels[0] = levels[1] = PIECE_LOW;
  p.setPiecePriorities(levels);
  assert.equal(p.piecePriority(9), PIECE_HIGH);
  const a = p.addPeer('a');
  p.peerHaveAll(a);
  p.setChoking(a, false);
  // A second peer has every normal piece but 5, which leaves 5 the rarest of its level:
  // rarest first still applies inside a level.
  const b = p.addPeer('b');
  const bf = new Bitfield(n);
  for (let i = 2; i < 9; i++) if (i !== 5) bf.set(i);
  p.peerBitfield(b, bf);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const reqs = p.pick(a, 2);
    assert.equal(reqs.length, 2);
    order.push(reqs[0]!.index);
    assert.deepEqual(p.debugCheck(), []);
  }
  assert.deepEqual(order.slice(0, 2).sort(), [10, 9].sort(), `high first: ${order}`);
  assert.deepEqual(order.slice(-2).sort(), [0, 1], `low last: ${order}`);
  assert.equal(order[2], 5, `rarest normal piece first: ${order}`);
  // Changing a level of a piece in the index takes effect at once.
  const q = new PiecePicker<string>({ pieceLength: BLOCK_SIZE, totalLength: 4 * BLOCK_SIZE, random: rng(1) });
  q.setPiecePriority(3, PIECE_HIGH);
  const c = q.addPeer('c');
  q.peerHaveAll(c);
  q.setChoking(c, false);
  assert.equal(q.pick(c, 1)[0]!.index, 3);
  q.setPiecePriority(1, PIECE_HIGH);
  assert.equal(q.pick(c, 1)[0]!.index, 1);
  assert.deepEqual(q.debugCheck(), []);
});

test('picker: pieceLost makes a verified piece needed again', () => {
  const p = new PiecePicker<string>({ pieceLength: BLOCK_SIZE, totalLength: 4 * BLOCK_SIZE, random: rng(3) });
  const a = p.addPeer('a');
  p.peerHaveAll(a);
  p.setChoking(a, false);
  for (let i = 0; i < 4; i++) p.pieceVerified(i);
  assert.equal(p.remaining, 0);
  assert.equal(p.isInteresting(a), false);
  p.pieceLost(2);
  assert.equal(p.remaining, 1);
  assert.equal(p.have.get(2), false);
  assert.equal(p.isInteresting(a), true);
  assert.deepEqual(p.pick(a, 4).map((r) => r.index), [2]);
  assert.deepEqual(p.debugCheck(), []);
});

test('Torrent.setFilePriorities: the high file downloads first', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-prio-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'prio', { 'a.bin': 2_000_000, 'b.bin': 2_000_000 }, 65536);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const bIndex = fx.meta.files.findIndex((f) => f.path.at(-1) === 'b.bin');
  const prios = fx.meta.files.map((_, i) => (i === bIndex ? ('high' as const) : ('normal' as const)));
  const leech = await leecher.add(fx.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false, priorities: prios, inFlightBytes: 4 * 65536 });
  const order: number[] = [];
  leech.on('piece', (i) => order.push(i));
  await within(leech.whenDone(), 30_000, 'done');
  const f = fx.meta.files[bIndex]!;
  const isB = (i: number): boolean => (i + 1) * 65536 > f.offset && i * 65536 < f.offset + f.length;
  const nB = order.filter(isB).length;
  const early = order.slice(0, nB).filter(isB).length;
  assert.ok(early >= nB - 4, `pieces of the high file came first: ${early}/${nB} (${order.join(',')})`);
  assert.throws(() => leech.setFilePriorities(['high']), EngineError);
});

test('Torrent.recheck finds corrupt pieces, downloads them again, and finds data put in place', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-recheck-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'rc', { 'a.bin': 1_000_000, 'b.bin': 500_000 }, 65536);
  const mine = join(dir, 'mine');
  await mkdir(join(mine, 'rc'), { recursive: true });
  for (const name of ['a.bin', 'b.bin']) await copyFile(join(fx.seedDir, 'rc', name), join(mine, 'rc', name));
  const client = new Client({ host: '127.0.0.1', noListen: true });
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([client.close(), seeder.close()]));
  const tor = await client.add(fx.torrent, { path: mine, announce: false });
  await within(tor.whenDone(), 10_000, 'complete at start');
  assert.equal(tor.state, 'seeding');
  // Corrupt one byte of a.bin's second piece behind the engine's back.
  const aIndex = fx.meta.files.findIndex((f) => f.path.at(-1) === 'a.bin');
  const fh = await open(join(mine, 'rc', 'a.bin'), 'r+');
  await fh.write(Buffer.from([0xff ^ (await readFile(join(mine, 'rc', 'a.bin')))[70_000]!]), 0, 1, 70_000);
  await fh.close();
  const bad = Math.floor((fx.meta.files[aIndex]!.offset + 70_000) / 65536);
  const p = tor.recheck();
  assert.equal(tor.state, 'checking');
  const r = await within(p, 20_000, 'recheck');
  assert.deepEqual({ lost: r.lost, gained: r.gained }, { lost: 1, gained: 0 });
  assert.equal(tor.have.get(bad), false);
  assert.equal(tor.have.count, fx.meta.pieceCount - 1);
  assert.equal(tor.state, 'downloading');
  assert.equal(tor.recheckProgress, 1);
  // A seeder heals it.
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  tor.addPeer(`127.0.0.1:${await seeder.ready()}`);
  await within(tor.whenDone(), 20_000, 'healed');
  assert.ok((await readFile(join(mine, 'rc', 'a.bin'))).equals(await readFile(join(fx.seedDir, 'rc', 'a.bin'))));

  // Gained: an empty download whose data is copied in, then rechecked.
  const other = join(dir, 'other');
  const t2 = await client.add(Buffer.from(fx.torrent), { path: other, announce: false, resume: false }).catch(() => undefined);
  assert.equal(t2, undefined, 'the same torrent cannot be added twice');
  await tor.close();
  const fresh = await client.add(fx.torrent, { path: other, announce: false, resume: false });
  assert.equal(fresh.have.count, 0);
  await mkdir(join(other, 'rc'), { recursive: true });
  for (const name of ['a.bin', 'b.bin']) await writeFile(join(other, 'rc', name), await readFile(join(fx.seedDir, 'rc', name)));
  const done = fresh.whenDone();
  const r2 = await fresh.recheck();
  assert.equal(r2.gained, fx.meta.pieceCount);
  await within(done, 10_000, 'done after recheck');
  assert.equal(fresh.state, 'seeding');
});

test('Torrent.trackers: per-URL status after announces (ok with counts, error with its message)', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-trackers-');
  t.after(cleanup);
  const tr = await MiniTracker.start({ peers: [{ ip: '127.0.0.1', port: 9 }] });
  t.after(() => tr.close());
  const dead = 'http://127.0.0.1:9/announce';
  const fx = await makeFixture(dir, 'tk', { 'a.bin': 100_000 }, 32768, { announce: [tr.url, dead] });
  const client = new Client({ host: '127.0.0.1' });
  t.after(() => client.close());
  const tor = await client.add(fx.torrent, { path: join(dir, 'out'), resume: false });
  const before = tor.trackers();
  assert.deepEqual(before.map((s) => s.url).sort(), [tr.url, dead].sort());
  await within(tr.next(), 10_000, 'announce seen');
  const ok = await within(
    (async () => {
      for (;;) {
        const s = tor.trackers();
        const a = s.find((x) => x.url === tr.url);
        const b = s.find((x) => x.url === dead);
        if (a?.state === 'ok' && b?.state === 'error') return s;
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    15_000,
    'both trackers answered',
  );
  const a = ok.find((x) => x.url === tr.url)!;
  assert.equal(a.seeders, 1);
  assert.equal(a.leechers, 0);
  assert.equal(a.peers, 1);
  assert.ok(a.lastAnnounce! <= Date.now() && a.lastAnnounce! > Date.now() - 60_000);
  assert.ok(a.nextAnnounce! > Date.now());
  const b = ok.find((x) => x.url === dead)!;
  assert.match(b.error!, /./);
});
