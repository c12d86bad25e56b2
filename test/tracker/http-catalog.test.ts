import { test, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decode } from '../../src/bencode/decode.js';
import { buildAnnounceUrl } from '../../src/tracker/protocol/announce.js';
import { startTracker, type Tracker } from '../../src/tracker/server/index.js';
import { makeTorrent } from './fixtures.js';
import { httpRequest, infoHash, peerId } from './helpers.js';

let t: Tracker;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shoal-tracker-'));
  t = await startTracker({ host: '127.0.0.1', http: 0, udp: false, catalogToken: 's3cret', maxTorrentBytes: 64 * 1024, fullScrape: false });
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = { Authorization: 'Bearer s3cret' };

test('catalog: register, list, show one, download the .torrent; counts follow announces', async () => {
  const data = randomBytes(40_000);
  const { torrent, infoHash: h } = makeTorrent('hello.bin', data);
  const post = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: torrent, headers: auth });
  assert.equal(post.status, 201);
  const one = JSON.parse(post.body.toString()) as Record<string, unknown>;
  assert.deepEqual(one, { name: 'hello.bin', infoHash: h.toString('hex'), size: 40_000, pieceLength: 16384, pieceCount: 3, files: 1, seeders: 0, leechers: 0, completed: 0 });
  const again = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: torrent, headers: auth });
  assert.equal(again.status, 200, 're-registering is idempotent');

  const url = buildAnnounceUrl('/announce', { infoHash: h, peerId: peerId(1), port: 7000, uploaded: 0, downloaded: 0, left: 0, event: 'completed', numWant: undefined, compact: true, noPeerId: false });
  await httpRequest(t.httpPort!, url);
  const list = JSON.parse((await httpRequest(t.httpPort!, '/torrents')).body.toString()) as Record<string, unknown>[];
  assert.equal(list.length, 1);
  assert.deepEqual([list[0]!['seeders'], list[0]!['leechers'], list[0]!['completed']], [1, 0, 1]);
  const show = await httpRequest(t.httpPort!, `/torrents/${h.toString('hex').toUpperCase()}`);
  assert.equal(show.status, 200);
  assert.equal((JSON.parse(show.body.toString()) as Record<string, unknown>)['name'], 'hello.bin');
  const file = await httpRequest(t.httpPort!, `/torrents/${h.toString('hex')}.torrent`);
  assert.equal(file.status, 200);
  assert.equal(file.headers['content-type'], 'application/x-bittorrent');
  assert.deepEqual(file.body, torrent);
});

test('catalog: token, size limit, invalid torrents and unknown hashes give JSON errors', async () => {
  const { torrent } = makeTorrent('x', randomBytes(100));
  const noAuth = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: torrent });
  assert.equal(noAuth.status, 401);
  const wrong = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: torrent, headers: { Authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  const bad = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: Buffer.from('d4:infod4:name1:xee'), headers: auth });
  assert.equal(bad.status, 400);
  const err = JSON.parse(bad.body.toString()) as { error: string; code: string };
  assert.equal(err.code, 'ETRACKER_CATALOG');
  assert.match(err.error, /invalid \.torrent/);
  const junk = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: randomBytes(1000), headers: auth });
  assert.equal(junk.status, 400);
  const empty = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: Buffer.alloc(0), headers: auth });
  assert.equal(empty.status, 400);
  const big = await httpRequest(t.httpPort!, '/torrents', { method: 'POST', body: Buffer.alloc(65 * 1024), headers: auth }).catch((e: Error) => e);
  // The server answers 413 before reading the body; the client may see the reply or a reset.
  if (!(big instanceof Error)) assert.equal(big.status, 413);
  assert.equal((await httpRequest(t.httpPort!, `/torrents/${'0'.repeat(40)}`)).status, 404);
  assert.equal((await httpRequest(t.httpPort!, '/torrents/xyz')).status, 404);
  assert.equal((await httpRequest(t.httpPort!, '/torrents', { method: 'DELETE' })).status, 405);
});

test('full scrape can be disabled', async () => {
  const r = decode((await httpRequest(t.httpPort!, '/scrape')).body) as Map<string, Uint8Array>;
  assert.match(Buffer.from(r.get('failure reason')!).toString(), /full scrape is disabled/);
});

test('allow list: only listed hashes are served, and reload picks up changes', async () => {
  const file = join(dir, 'allow.txt');
  const a = infoHash(1);
  const b = infoHash(2);
  await writeFile(file, `# allowed\n${a.toString('hex')}\n\n`);
  const t2 = await startTracker({ host: '127.0.0.1', http: 0, udp: false, allowFile: file });
  try {
    const ask = async (h: Buffer) => {
      const url = buildAnnounceUrl('/announce', { infoHash: h, peerId: peerId(1), port: 7000, uploaded: 0, downloaded: 0, left: 1, event: 'started', numWant: undefined, compact: true, noPeerId: false });
      return decode((await httpRequest(t2.httpPort!, url)).body) as Map<string, unknown>;
    };
    assert.ok((await ask(a)).has('interval'));
    assert.ok((await ask(b)).has('failure reason'));
    await writeFile(file, `${b.toString('hex')}\n`);
    assert.equal(await t2.reloadAccessList(), 1);
    assert.ok((await ask(a)).has('failure reason'));
    assert.ok((await ask(b)).has('interval'));
    await writeFile(file, 'not a hash\n');
    await assert.rejects(t2.reloadAccessList(), /not a 40-hex info-hash/);
    assert.ok((await ask(b)).has('interval'), 'old list stays after a failed reload');
  } finally {
    await t2.close();
  }
});

test('deny list refuses listed hashes; allow and deny together is a config error', async () => {
  const file = join(dir, 'deny.txt');
  await writeFile(file, `${infoHash(5).toString('hex')}\n`);
  const t3 = await startTracker({ host: '127.0.0.1', http: 0, udp: false, denyFile: file });
  try {
    const url = (h: Buffer) => buildAnnounceUrl('/announce', { infoHash: h, peerId: peerId(1), port: 7000, uploaded: 0, downloaded: 0, left: 1, event: 'started', numWant: undefined, compact: true, noPeerId: false });
    assert.ok((decode((await httpRequest(t3.httpPort!, url(infoHash(5)))).body) as Map<string, unknown>).has('failure reason'));
    assert.ok((decode((await httpRequest(t3.httpPort!, url(infoHash(6)))).body) as Map<string, unknown>).has('interval'));
  } finally {
    await t3.close();
  }
  await assert.rejects(startTracker({ http: 0, udp: false, allowFile: file, denyFile: file }), { code: 'ETRACKER_CONFIG' });
});

test('IPv6 peers come back in peers6 (BEP 7)', async (tc) => {
  let t6: Tracker;
  try {
    t6 = await startTracker({ host: '::1', http: 0, udp: false });
  } catch {
    tc.skip('no IPv6 loopback on this machine');
    return;
  }
  try {
    const h = infoHash(60);
    const url = (port: number) => buildAnnounceUrl('/announce', { infoHash: h, peerId: peerId(port), port, uploaded: 0, downloaded: 0, left: 1, event: 'started', numWant: undefined, compact: true, noPeerId: false });
    await httpRequest(t6.httpPort!, url(7001), { host: '::1' });
    const r = decode((await httpRequest(t6.httpPort!, url(7002), { host: '::1' })).body) as Map<string, Uint8Array>;
    const p6 = r.get('peers6')!;
    assert.equal(p6.length, 18);
    assert.equal(Buffer.from(p6).toString('hex'), '00000000000000000000000000000001' + (7001).toString(16).padStart(4, '0'));
    assert.equal(r.get('peers')!.length, 0);
  } finally {
    await t6.close();
  }
});
