import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

const ODD_FILES = { 'a.bin': 100_003, 'sub/b.bin': 1, 'sub/c.bin': 262_144, 'd/e/f.bin': 77_777, 'empty.txt': 0, 'z.bin': 300_001 };

test('shoal seeder -> shoal leecher, multi-file with odd sizes: byte-identical', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'odd', ODD_FILES, 32768);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false });
  assert.equal(seed.have.count, fx.meta.pieceCount, 'seeder found its data complete');
  const port = await seeder.ready();
  const out = join(dir, 'out');
  const leech = await leecher.add(fx.torrentPath, { path: out, peers: [`127.0.0.1:${port}`], announce: false });
  let pieces = 0;
  leech.on('piece', () => pieces++);
  await within(leech.whenDone(), 30_000, 'leecher done');
  assert.equal(pieces, fx.meta.pieceCount);
  assert.equal(leech.downloaded >= fx.meta.totalLength, true);
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
  assert.ok(seed.uploaded >= fx.meta.totalLength);
  assert.ok(seeder.cachedBytes > 0 && seeder.cachedBytes <= 64 << 20, 'served pieces are in the client-wide read cache');
  await seed.close();
  assert.equal(seeder.cachedBytes, 0, 'a closed torrent gives its cached pieces back to the budget');
});

test('memory storage on both sides, single-file torrent with a short last piece', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'one.bin', { x: 1_000_001 }, 65536, { single: true });
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const mem: MemoryStorage[] = [];
  const leech = await leecher.add(fx.torrent, {
    path: join(dir, 'unused'),
    peers: [`127.0.0.1:${port}`],
    announce: false,
    resume: false,
    storage: (l) => {
      const s = new MemoryStorage(l);
      mem.push(s);
      return s;
    },
  });
  await within(leech.whenDone(), 30_000, 'leecher done');
  const data = await mem[0]!.read(0, fx.meta.totalLength);
  const want = (await readTree(fx.seedDir)).get('one.bin')!;
  assert.ok(data.equals(want));
});

test('a seeder and eight empty leechers: all complete, trading pieces among themselves', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'swarm', { 'a.bin': 3_000_017, 'b/c.bin': 1_200_001 }, 32768);
  const clients: Client[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  const seeder = new Client({ host: '127.0.0.1', uploadSlots: 2 });
  clients.push(seeder);
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const leechers = [];
  const ports = [await seeder.ready()];
  for (let i = 0; i < 8; i++) {
    const c = new Client({ host: '127.0.0.1', uploadSlots: 2 });
    clients.push(c);
    ports.push(await c.ready());
  }
  const fromPeers: Map<string, number>[] = [];
  for (let i = 0; i < 8; i++) {
    const others = ports.filter((_, k) => k !== i + 1).map((p) => `127.0.0.1:${p}`);
    const tor = await clients[i + 1]!.add(fx.torrent, { path: join(dir, `leech${i}`), peers: others, announce: false, resume: false });
    const got = new Map<string, number>();
    tor.on('peer', (e) => {
      if (e.type === 'disconnect' && e.peerId) got.set(e.peerId, (got.get(e.peerId) ?? 0) + (e.downloaded ?? 0));
    });
    fromPeers.push(got);
    leechers.push(tor);
  }
  await within(Promise.all(leechers.map((l) => l.whenDone())), 45_000, 'all eight leechers done');
  const want = await readTree(fx.seedDir);
  for (let i = 0; i < 8; i++) {
    const got = await readTree(join(dir, `leech${i}`));
    for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `leecher ${i}: ${k} differs`);
  }
  // Per-peer counters of still-connected peers, plus those that already left.
  const seederId = seeder.peerId.toString('hex');
  let fromLeechers = 0;
  leechers.forEach((l, i) => {
    for (const p of l.peers) if (p.peerId !== seederId) fromLeechers += p.downloaded;
    for (const [id, n] of fromPeers[i]!) if (id !== seederId) fromLeechers += n;
  });
  const uploadedByLeechers = leechers.map((l) => l.uploaded);
  assert.ok(fromLeechers > 0, 'leechers got pieces from other leechers');
  // Half or more: under CPU load the first leechers to finish can take most of the trade.
  assert.ok(uploadedByLeechers.filter((u) => u > 0).length >= 4, `half the leechers or more uploaded: ${uploadedByLeechers.join(',')}`);
  assert.ok(seed.uploaded < 8 * fx.meta.totalLength, 'the seeder did not send everything to everyone');
});

test('a torrent whose paths try to escape the download folder writes nothing outside it', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  const { encode } = await import('../../src/bencode/index.js');
  const { parseTorrent } = await import('../../src/metainfo/parse.js');
  const { FsStorage } = await import('../../src/storage/fs.js');
  const { createHash, randomBytes } = await import('node:crypto');
  const sizes = [40_000, 30_001, 5];
  const data = randomBytes(sizes.reduce((a, b) => a + b, 0));
  const pieceLength = 16384;
  const hashes: Buffer[] = [];
  for (let o = 0; o < data.length; o += pieceLength) hashes.push(createHash('sha1').update(data.subarray(o, o + pieceLength)).digest());
  const torrent = encode({
    info: {
      name: '..',
      'piece length': pieceLength,
      pieces: Buffer.concat(hashes),
      files: [
        { length: sizes[0]!, path: ['..', '..', 'escape.bin'] },
        { length: sizes[1]!, path: ['/etc', 'passwd'] },
        { length: sizes[2]!, path: ['a', '..', '..', 'b'] },
      ],
    },
  });
  const meta = parseTorrent(torrent);
  // The seeder's copy, written through storage at the sanitized paths.
  const seedRoot = join(dir, 'seedroot', 'inner');
  const st = new FsStorage(meta, seedRoot);
  for (let i = 0; i < meta.pieceCount; i++) await st.writePiece(i, data.subarray(i * pieceLength, Math.min(data.length, (i + 1) * pieceLength)));
  await st.close();
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(torrent, { path: seedRoot, announce: false, resume: false });
  const outRoot = join(dir, 'outroot');
  const out = join(outRoot, 'inner');
  const leech = await leecher.add(torrent, { path: out, peers: [`127.0.0.1:${await seeder.ready()}`], announce: false });
  await within(leech.whenDone(), 30_000, 'leecher done');
  await leecher.close();
  const outside = await readTree(outRoot);
  for (const k of outside.keys()) assert.ok(k.startsWith('inner/'), `written outside the download folder: ${k}`);
  const inside = await readTree(out);
  assert.equal(inside.size, 3);
  const all = Buffer.concat(meta.files.map((f) => inside.get(f.path.join('/'))!));
  assert.ok(all.equals(data));
});

test('select: only the chosen files are fetched; selecting more later resumes', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'sel', { 'a.bin': 200_000, 'b.bin': 300_000, 'c.bin': 100_000 }, 32768);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1' });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const out = join(dir, 'out');
  const leech = await leecher.add(fx.torrent, { path: out, peers: [`127.0.0.1:${await seeder.ready()}`], announce: false, select: [2] });
  await within(leech.whenDone(), 30_000, 'selected file done');
  const want = await readTree(fx.seedDir);
  let got = await readTree(out);
  assert.ok(got.get('sel/c.bin')?.equals(want.get('sel/c.bin')!));
  assert.equal(got.has('sel/a.bin'), false, 'a.bin shares no piece with c.bin: never written');
  assert.ok(leech.downloaded < 200_000, `downloaded ${leech.downloaded}`);
  leech.select([0, 1, 2]);
  await within(leech.whenDone(), 30_000, 'everything done');
  got = await readTree(out);
  for (const [k, v] of want) assert.ok(got.get(k)?.equals(v), `${k} differs`);
});

test('pieces in flight at the cap: a written piece makes room and requests go out at once, not at the next tick', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-engine-');
  t.after(cleanup);
  // 24 pieces of 32 KiB, two in flight at most, on a slow disk (each write lands 20 ms
  // late): both pieces in flight arrive long before the first is written, and until then
  // nobody can be asked for more. Waiting for the one-second tick after every write would
  // take about 12 s; asking when a write lands, about 0.3 s.
  const fx = await makeFixture(dir, 'capped.bin', { x: 24 * 32768 }, 32768, { single: true });
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  let mem: MemoryStorage | undefined;
  const leech = await leecher.add(fx.torrent, {
    path: join(dir, 'unused'),
    peers: [`127.0.0.1:${port}`],
    announce: false,
    resume: false,
    inFlightBytes: 2 * 32768,
    storage: (l) => {
      const s = (mem = new MemoryStorage(l));
      const write = s.writePiece.bind(s);
      s.writePiece = (index, data) => new Promise((res) => setTimeout(res, 20)).then(() => write(index, data));
      return s;
    },
  });
  await within(leech.whenDone(), 8_000, 'leecher done without waiting for ticks');
  const want = (await readTree(fx.seedDir)).get('capped.bin')!;
  assert.ok((await mem!.read(0, fx.meta.totalLength)).equals(want));
});
