// The JSON API over real HTTP against an in-process daemon: every endpoint, every error code
// (UNAUTHORIZED and PERMISSION_DENIED are in security.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/metainfo/create.js';
import { startTracker } from '../../src/tracker/server/index.js';
import { call, testDaemon, until } from './helpers.js';
import type { TestDaemon } from './helpers.js';

async function sharedFile(td: TestDaemon, name: string, size: number): Promise<string> {
  const p = join(td.shareDir, name);
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + name.length) & 0xff;
  await writeFile(p, buf);
  return p;
}

test('torrent lifecycle: share, add (upload, base64), list, get, files, limits, stop/start/verify, .torrent, remove', async (t) => {
  const a = await testDaemon();
  const b = await testDaemon();
  t.after(() => Promise.all([a.close(), b.close()]));

  assert.equal((await call(a.d, 'GET', '/api/v1')).json.name, 'shoal');
  const session = await call(a.d, 'GET', '/api/v1/session');
  assert.equal(session.status, 200);
  assert.equal(session.json.downloadDir, a.downloadDir);

  // Share a folder from a share root: hashed, added, seeding.
  await mkdir(join(a.shareDir, 'album', 'sub'), { recursive: true });
  await writeFile(join(a.shareDir, 'album', 'one.bin'), Buffer.alloc(100_000, 1));
  await writeFile(join(a.shareDir, 'album', 'sub', 'two.bin'), Buffer.alloc(50_000, 2));
  const past = new Date(Date.now() - 60_000);
  await utimes(join(a.shareDir, 'album', 'one.bin'), past, past);
  await utimes(join(a.shareDir, 'album', 'sub', 'two.bin'), past, past);
  const shared = await call(a.d, 'POST', '/api/v1/share', { body: { path: join(a.shareDir, 'album'), wait: true, comment: 'hi' } });
  assert.equal(shared.status, 201, shared.body.toString());
  assert.equal(shared.json.job.state, 'done');
  assert.equal(shared.json.job.hashedBytes, 150_000);
  const hash: string = shared.json.torrent.infoHash;
  assert.match(hash, /^[0-9a-f]{40}$/);
  const job = await call(a.d, 'GET', `/api/v1/share/${shared.json.job.id}`);
  assert.equal(job.json.infoHash, hash);
  assert.equal((await call(a.d, 'GET', '/api/v1/share')).json.jobs.length, 1);
  await until(async () => (await call(a.d, 'GET', `/api/v1/torrents/${hash}`)).json.state === 'seeding', 10_000, 'seeding');
  // Hashed once: the engine trusted what sharing had just verified.
  assert.equal(a.d.manager.get(hash).torrent?.fromResume, true);
  assert.equal(a.d.manager.get(hash).torrent?.checkedPieces, 0);

  // The .torrent comes back byte for byte and can be uploaded to another daemon.
  const tor = await call(a.d, 'GET', `/api/v1/torrents/${hash}/torrent`);
  assert.equal(tor.status, 200);
  assert.equal(tor.headers['content-type'], 'application/x-bittorrent');
  const added = await call(b.d, 'POST', `/api/v1/torrents?peer=127.0.0.1:${a.d.peerPort}`, { raw: tor.body, headers: { 'Content-Type': 'application/x-bittorrent' } });
  assert.equal(added.status, 201, added.body.toString());
  assert.equal(added.json.infoHash, hash);
  assert.equal(added.headers['location'], `/api/v1/torrents/${hash}`);
  // Downloaded from daemon a over loopback.
  const got = await until(async () => {
    const r = await call(b.d, 'GET', `/api/v1/torrents/${hash}`);
    return r.json.progress === 1 && r.json.doneAt !== null ? r.json : undefined;
  }, 30_000, 'download between daemons');
  assert.equal(got.name, 'album');
  assert.equal(got.size, 150_000);
  assert.equal(got.pieceCount, got.piecesHave);
  assert.deepEqual(
    got.files.map((f: { path: string; progress: number; priority: string }) => [f.path, f.progress, f.priority]),
    [
      ['album/one.bin', 1, 'normal'],
      ['album/sub/two.bin', 1, 'normal'],
    ],
  );
  assert.ok(Array.isArray(got.trackers));
  assert.equal(got.comment, 'hi');
  assert.deepEqual(await readFile(join(b.downloadDir, 'album', 'sub', 'two.bin')), Buffer.alloc(50_000, 2));

  // Health on the seeder while the leecher-turned-seed may still be connected: we hold every piece.
  const h = await call(a.d, 'GET', `/api/v1/torrents/${hash}/health`);
  assert.equal(h.status, 200);
  assert.equal(h.json.local, 1);
  assert.equal(h.json.available, 1);
  assert.ok(h.json.minReplication >= 1);
  assert.ok(h.json.meanReplication >= h.json.minReplication);
  assert.ok(h.json.distributedCopies >= 1);
  assert.equal((await call(a.d, 'GET', `/api/v1/torrents/${hash}/peers`)).status, 200);

  // List, get by numeric id.
  const list = await call(b.d, 'GET', '/api/v1/torrents');
  assert.equal(list.json.torrents.length, 1);
  const id = list.json.torrents[0].id;
  assert.equal((await call(b.d, 'GET', `/api/v1/torrents/${id}`)).json.infoHash, hash);

  // File priorities and limits.
  const pr = await call(b.d, 'PUT', `/api/v1/torrents/${hash}/files`, { body: { priorities: { 1: 'high' } } });
  assert.equal(pr.status, 200, pr.body.toString());
  assert.equal(pr.json.files[1].priority, 'high');
  assert.equal((await call(b.d, 'PUT', `/api/v1/torrents/${hash}/files`, { body: { priorities: ['skip', 'skip'] } })).json.error.code, 'INVALID_ARGUMENT');
  assert.equal((await call(b.d, 'PUT', `/api/v1/torrents/${hash}/files`, { body: { priorities: { 7: 'low' } } })).status, 400);
  assert.equal((await call(b.d, 'PATCH', `/api/v1/torrents/${hash}/files`, { body: { priorities: ['urgent', 'low'] } })).status, 400);
  const lim = await call(b.d, 'PUT', `/api/v1/torrents/${hash}/limits`, { body: { download: 100_000, upload: 50_000 } });
  assert.deepEqual(lim.json, { download: 100_000, upload: 50_000 });
  assert.equal((await call(b.d, 'PUT', `/api/v1/torrents/${hash}/limits`, { body: { download: -1 } })).json.error.code, 'INVALID_ARGUMENT');
  assert.deepEqual((await call(b.d, 'GET', `/api/v1/torrents/${hash}`)).json.limits, { download: 100_000, upload: 50_000 });

  // Stop, start, verify.
  const stopped = await call(b.d, 'POST', `/api/v1/torrents/${hash}/stop`, { headers: { 'X-Shoal-Request': '1' } });
  assert.equal(stopped.status, 200);
  assert.equal(stopped.json.state, 'stopped');
  assert.equal(stopped.json.progress, 1);
  assert.equal((await call(b.d, 'POST', `/api/v1/torrents/${hash}/start`, { body: {} })).json.state !== 'stopped', true);
  const verified = await call(b.d, 'POST', `/api/v1/torrents/${hash}/verify`, { body: {} });
  assert.equal(verified.status, 200);
  // A running torrent is rechecked in place (Torrent.recheck): every piece hashed again.
  assert.equal(b.d.manager.get(hash).torrent?.lastRecheck?.checked, got.pieceCount, 'verify hashed every piece');
  assert.equal(verified.json.progress, 1);

  // Remove with data.
  const del = await call(b.d, 'DELETE', `/api/v1/torrents/${hash}?deleteData=true`, { headers: { 'X-Shoal-Request': '1' } });
  assert.equal(del.status, 200, del.body.toString());
  assert.equal(existsSync(join(b.downloadDir, 'album', 'one.bin')), false);
  assert.equal((await call(b.d, 'GET', `/api/v1/torrents/${hash}`)).json.error.code, 'NOT_FOUND');
  assert.equal((await call(b.d, 'GET', '/api/v1/torrents')).json.torrents.length, 0);

  // Base64 upload, paused: nothing runs.
  const b64 = await call(b.d, 'POST', '/api/v1/torrents', { body: { torrent: tor.body.toString('base64'), paused: true } });
  assert.equal(b64.status, 201);
  assert.equal(b64.json.state, 'stopped');
  // Removing without deleteData keeps the files a (a's data is its shared folder).
  assert.equal((await call(a.d, 'DELETE', `/api/v1/torrents/${hash}`, { headers: { 'X-Shoal-Request': '1' } })).status, 200);
  assert.ok(existsSync(join(a.shareDir, 'album', 'one.bin')));
});

test('error codes: ALREADY_EXISTS, NOT_FOUND, INVALID_ARGUMENT, CONFLICT, INTERNAL', async (t) => {
  const td = await testDaemon({ catalog: 'http://127.0.0.1:9' });
  t.after(() => td.close());
  const file = await sharedFile(td, 'x.bin', 40_000);
  const created = await createTorrent(file, { creationDate: false });
  const first = await call(td.d, 'POST', '/api/v1/torrents', { raw: created.torrent, headers: { 'Content-Type': 'application/x-bittorrent' } });
  assert.equal(first.status, 201);
  const dup = await call(td.d, 'POST', '/api/v1/torrents', { raw: created.torrent, headers: { 'Content-Type': 'application/x-bittorrent' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'ALREADY_EXISTS');
  assert.equal(dup.json.error.infoHash, created.infoHash.hex);

  const bad = [
    await call(td.d, 'POST', '/api/v1/torrents', { raw: Buffer.from('d4:infoi1ee'), headers: { 'Content-Type': 'application/x-bittorrent' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { raw: Buffer.from('{not json'), headers: { 'Content-Type': 'application/json' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: {} }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { magnet: 'magnet:?xt=urn:btih:zz' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { infoHash: '1234' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent: created.torrent.toString('base64'), peers: ['nonsense'] } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent: 'd', paused: 'maybe' } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: file, trackers: ['ftp://x'] } }),
  ];
  for (const r of bad) {
    assert.equal(r.status, 400, r.body.toString());
    assert.equal(r.json.error.code, 'INVALID_ARGUMENT');
    assert.equal(typeof r.json.error.message, 'string');
  }

  for (const [m, p] of [
    ['GET', '/api/v1/torrents/0123456789012345678901234567890123456789'],
    ['GET', '/api/v1/torrents/999'],
    ['POST', '/api/v1/torrents/0123456789012345678901234567890123456789/start'],
    ['GET', '/api/v1/share/nope'],
    ['GET', '/api/v1/nothing-here'],
  ] as const) {
    const r = await call(td.d, m, p, m === 'POST' ? { body: {} } : {});
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.equal(r.json.error.code, 'NOT_FOUND');
  }
  const missing = await call(td.d, 'POST', '/api/v1/share', { body: { path: join(td.shareDir, 'does-not-exist'), wait: true } });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'NOT_FOUND');

  // CONFLICT: sharing a path that is still being hashed.
  const big = join(td.shareDir, 'big.bin');
  const fh = await open(big, 'w');
  await fh.truncate(256 << 20); // sparse: hashing takes a while, the disk stays empty
  await fh.close();
  const [r1, r2] = await Promise.all([call(td.d, 'POST', '/api/v1/share', { body: { path: big } }), call(td.d, 'POST', '/api/v1/share', { body: { path: big } })]);
  assert.deepEqual([r1.status, r2.status].sort(), [202, 409]);
  assert.equal((r1.status === 409 ? r1 : r2).json.error.code, 'CONFLICT');
  const jobId = (r1.status === 202 ? r1 : r2).json.job.id;
  await until(async () => (await call(td.d, 'GET', `/api/v1/share/${jobId}`)).json.state === 'done', 50_000, 'big share done');

  // INTERNAL: the configured catalog is unreachable.
  const internal = await call(td.d, 'POST', '/api/v1/torrents', { body: { infoHash: 'ab'.repeat(20) } });
  assert.equal(internal.status, 500);
  assert.equal(internal.json.error.code, 'INTERNAL');
});

test('magnet and bare info-hash: metadata from peers (BEP 9) or from a shoal tracker catalog; NOT_FOUND when nobody has it', async (t) => {
  const tracker = await startTracker({ host: '127.0.0.1', http: 0, udp: false });
  t.after(() => tracker.close());
  const catalog = `http://127.0.0.1:${tracker.httpPort}`;
  const seeder = await testDaemon({ catalog, trackers: [`${catalog}/announce`] });
  const plain = await testDaemon({ metadataTimeout: 1500 });
  const leech = await testDaemon({ catalog, metadataTimeout: 1500 });
  t.after(() => Promise.all([seeder.close(), plain.close(), leech.close()]));

  const file = await sharedFile(seeder, 'cat.bin', 70_000);
  // A file touched after hashing began is not vouched for: the engine checks it itself.
  const future = new Date(Date.now() + 60_000);
  await utimes(file, future, future);
  const shared = await call(seeder.d, 'POST', '/api/v1/share', { body: { path: file, wait: true } });
  assert.equal(shared.status, 201);
  assert.equal(seeder.d.manager.get(shared.json.job.infoHash).torrent?.fromResume, false);
  assert.ok((seeder.d.manager.get(shared.json.job.infoHash).torrent?.checkedPieces ?? 0) > 0);
  assert.equal(shared.json.job.catalog, 'registered');
  const hash: string = shared.json.job.infoHash;
  const listed = (await (await fetch(`${catalog}/torrents`)).json()) as { infoHash: string }[];
  assert.ok(listed.some((x) => x.infoHash === hash), 'the tracker catalog lists the shared torrent');

  // No catalog and no peer that knows the torrent: NOT_FOUND once the metadata wait ends.
  // (wait: true: the old blocking add, answered once the metadata is in or the wait ends.)
  const noCat = await call(plain.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${hash}`, wait: true } });
  assert.equal(noCat.status, 404);
  assert.equal(noCat.json.error.code, 'NOT_FOUND');
  assert.match(noCat.json.error.message, /no peer sent the metadata/);
  // With a peer in the link (x.pe), the metadata comes from it (BEP 9) and the data follows.
  const xpe = `127.0.0.1:${seeder.d.manager.client.listenPort}`;
  // Answered at once (state 'metadata'); the .torrent is stored and the download starts once it is in.
  const fromPeer = await call(plain.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${hash}&x.pe=${xpe}` } });
  assert.equal(fromPeer.status, 201, fromPeer.body.toString());
  assert.equal(fromPeer.json.infoHash, hash);
  await until(async () => (await call(plain.d, 'GET', `/api/v1/torrents/${hash}`)).json.name === 'cat.bin', 30_000, 'metadata from the x.pe peer');
  const got = await call(plain.d, 'GET', `/api/v1/torrents/${hash}`);
  assert.equal(got.json.id, fromPeer.json.id, 'the entry keeps its id');
  assert.equal(got.json.size, 70_000);
  assert.equal((await call(plain.d, 'GET', `/api/v1/torrents/${hash}/torrent`)).status, 200);
  await until(async () => (await call(plain.d, 'GET', `/api/v1/torrents/${hash}`)).json.progress === 1, 30_000, 'download after BEP 9');
  assert.deepEqual(await readFile(join(plain.downloadDir, 'cat.bin')), await readFile(file));

  const byHash = await call(leech.d, 'POST', '/api/v1/torrents', { body: { infoHash: hash.toUpperCase() } });
  assert.equal(byHash.status, 201, byHash.body.toString());
  assert.equal(byHash.json.name, 'cat.bin');
  // Peers come from the tracker the shared torrent announces to.
  await until(async () => (await call(leech.d, 'GET', `/api/v1/torrents/${hash}`)).json.progress === 1, 30_000, 'download via tracker');
  assert.deepEqual(await readFile(join(leech.downloadDir, 'cat.bin')), await readFile(file));

  const byMagnet = await call(leech.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${hash}` } });
  assert.equal(byMagnet.json.error.code, 'ALREADY_EXISTS');
  await call(leech.d, 'DELETE', `/api/v1/torrents/${hash}`, { headers: { 'X-Shoal-Request': '1' } });
  const again = await call(leech.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${hash}&dn=x`, paused: true } });
  assert.equal(again.status, 201);
  const unknown = await call(leech.d, 'POST', `/api/v1/torrents?wait=true`, { body: { infoHash: 'cd'.repeat(20) } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, 'NOT_FOUND');
});

test('magnet add without wait: a "metadata" entry at once, then error on timeout; stop/start/DELETE; kept across a restart', async (t) => {
  const td = await testDaemon({ metadataTimeout: 1200 });
  let closed = false;
  t.after(() => (closed ? undefined : td.close()));
  const hash = 'ef'.repeat(20);
  const uri = `magnet:?xt=urn:btih:${hash}&dn=${encodeURIComponent('my file')}`;
  const started = Date.now();
  const added = await call(td.d, 'POST', '/api/v1/torrents', { body: { magnet: uri } });
  assert.equal(added.status, 201, added.body.toString());
  assert.ok(Date.now() - started < 1000, 'answered before the metadata timeout');
  assert.equal(added.headers['location'], `/api/v1/torrents/${hash}`);
  assert.equal(added.json.state, 'metadata');
  assert.equal(added.json.name, 'my file');
  assert.equal(added.json.size, null);
  assert.equal(added.json.pieceCount, 0);
  assert.equal(added.json.magnet, uri);
  const listed = (await call(td.d, 'GET', '/api/v1/torrents')).json.torrents as { infoHash: string; state: string }[];
  assert.deepEqual(listed.map((x) => [x.infoHash, x.state]), [[hash, 'metadata']]);
  assert.equal((await call(td.d, 'GET', `/api/v1/torrents/${hash}/torrent`)).json.error.code, 'NOT_FOUND');
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents/${hash}/verify`, { headers: { 'X-Shoal-Request': '1' } })).json.error.code, 'CONFLICT');
  const dup = await call(td.d, 'POST', '/api/v1/torrents', { body: { infoHash: hash } });
  assert.equal(dup.json.error.code, 'ALREADY_EXISTS');

  // Nobody has it: state error with the reason once --metadata-timeout passes.
  const failed = await until(async () => {
    const g = (await call(td.d, 'GET', `/api/v1/torrents/${hash}`)).json;
    return g.state === 'error' && g;
  }, 10_000, 'metadata timeout');
  assert.match(failed.error, /no peer sent the metadata of .* within 1 s/);
  // Start asks the peers again; stop ends the fetch.
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents/${hash}/start`, { headers: { 'X-Shoal-Request': '1' } })).json.state, 'metadata');
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents/${hash}/stop`, { headers: { 'X-Shoal-Request': '1' } })).json.state, 'stopped');
  assert.equal(td.d.manager.get(hash).fetching, undefined);
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents/${hash}/start`, { headers: { 'X-Shoal-Request': '1' } })).json.state, 'metadata');

  // Persisted with its magnet link: after a restart on the same folder it fetches again.
  const other = 'ab'.repeat(20);
  assert.equal((await call(td.d, 'POST', '/api/v1/torrents', { body: { infoHash: other, paused: true } })).status, 201);
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents/${other}/stop`, { headers: { 'X-Shoal-Request': '1' } })).status, 200);
  await td.d.close();
  closed = true;
  const again = await testDaemon({ metadataTimeout: 60_000 }, td.root);
  t.after(async () => {
    await again.close();
    await rm(td.root, { recursive: true, force: true });
  });
  const back = await call(again.d, 'GET', `/api/v1/torrents/${hash}`);
  assert.equal(back.json.state, 'metadata');
  assert.equal(back.json.name, 'my file');
  assert.equal((await call(again.d, 'GET', `/api/v1/torrents/${other}`)).json.state, 'stopped', 'a stopped fetch stays stopped');
  // DELETE during the fetch aborts it.
  const del = await call(again.d, 'DELETE', `/api/v1/torrents/${hash}`, { headers: { 'X-Shoal-Request': '1' } });
  assert.equal(del.status, 200, del.body.toString());
  assert.equal(again.d.manager.find(hash), undefined);
  assert.deepEqual((await call(again.d, 'GET', '/api/v1/torrents')).json.torrents.map((x: { infoHash: string }) => x.infoHash), [other]);
});

test('event stream: hello snapshot, then added / state / removed events', async (t) => {
  const td = await testDaemon();
  t.after(() => td.close());
  const file = await sharedFile(td, 'ev.bin', 20_000);
  const created = await createTorrent(file, { creationDate: false });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  let wake: (() => void) | undefined;
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: td.d.port, path: '/api/v1/events', agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
  t.after(() => res.destroy());
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  let buf = '';
  res.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data) events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
      wake?.();
    }
  });
  const waitFor = (pred: (e: { type: string; data: Record<string, unknown> }) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such event; got ${events.map((e) => e.type).join(',')}`)), 10_000);
      const check = (): void => {
        if (events.some(pred)) {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
      };
      wake = check;
      check();
    });
  await waitFor((e) => e.type === 'hello');
  await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent: created.torrent.toString('base64'), downloadDir: td.shareDir } });
  await waitFor((e) => e.type === 'added');
  await waitFor((e) => e.type === 'state' && e.data['state'] === 'seeding');
  await call(td.d, 'DELETE', `/api/v1/torrents/${created.infoHash.hex}`, { headers: { 'X-Shoal-Request': '1' } });
  await waitFor((e) => e.type === 'removed' && e.data['infoHash'] === created.infoHash.hex);
  // A magnet add without wait: 'added' at once in state metadata; stop -> state stopped.
  const mhash = '12'.repeat(20);
  assert.equal((await call(td.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${mhash}` } })).status, 201);
  await waitFor((e) => e.type === 'added' && (e.data['torrent'] as { infoHash: string; state: string }).infoHash === mhash && (e.data['torrent'] as { state: string }).state === 'metadata');
  await call(td.d, 'POST', `/api/v1/torrents/${mhash}/stop`, { headers: { 'X-Shoal-Request': '1' } });
  await waitFor((e) => e.type === 'state' && e.data['infoHash'] === mhash && e.data['state'] === 'stopped');
  await call(td.d, 'DELETE', `/api/v1/torrents/${mhash}`, { headers: { 'X-Shoal-Request': '1' } });
  await waitFor((e) => e.type === 'removed' && e.data['infoHash'] === mhash);
  // Sharing reports hashing progress and the outcome.
  const share = await call(td.d, 'POST', '/api/v1/share', { body: { path: file } });
  assert.equal(share.status, 202);
  await waitFor((e) => e.type === 'share' && (e.data['job'] as { state: string; id: string }).state === 'done' && (e.data['job'] as { id: string }).id === share.json.job.id);
  const sharedEv = events.find((e) => e.type === 'share' && (e.data['job'] as { state: string }).state === 'done')!;
  assert.equal((sharedEv.data['job'] as { hashedBytes: number }).hashedBytes, 20_000);
  await waitFor((e) => e.type === 'added' && (e.data['torrent'] as { infoHash: string }).infoHash === created.infoHash.hex);
});

test('a paused magnet add asks no peer for the metadata until it is started; then it downloads', async (t) => {
  const seeder = await testDaemon();
  const leech = await testDaemon({ metadataTimeout: 20_000 });
  t.after(() => Promise.all([seeder.close(), leech.close()]));
  const file = await sharedFile(seeder, 'later.bin', 50_000);
  const shared = await call(seeder.d, 'POST', '/api/v1/share', { body: { path: file, wait: true } });
  assert.equal(shared.status, 201, shared.body.toString());
  const hash: string = shared.json.job.infoHash;
  const xpe = `127.0.0.1:${seeder.d.manager.client.listenPort}`;
  const added = await call(leech.d, 'POST', '/api/v1/torrents', { body: { magnet: `magnet:?xt=urn:btih:${hash}&x.pe=${xpe}`, paused: true } });
  assert.equal(added.status, 201, added.body.toString());
  assert.equal(added.json.state, 'stopped');
  // A fetch would have begun within the add (it is started synchronously): none did.
  assert.equal(leech.d.manager.get(hash).fetching, undefined, 'no metadata fetch for a paused add');
  const started = await call(leech.d, 'POST', `/api/v1/torrents/${hash}/start`, { headers: { 'X-Shoal-Request': '1' } });
  assert.equal(started.json.state, 'metadata');
  await until(async () => (await call(leech.d, 'GET', `/api/v1/torrents/${hash}`)).json.progress === 1, 30_000, 'download after start');
  assert.deepEqual(await readFile(join(leech.downloadDir, 'later.bin')), await readFile(file));
});
