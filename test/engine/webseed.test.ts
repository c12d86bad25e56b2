import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { Torrent } from '../../src/engine/torrent.js';
import type { AddOptions } from '../../src/engine/types.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';
import type { Fixture } from './engine-fixtures.js';
import { startWebSeedServer } from './webseed-server.js';
import type { ServerOptions } from './webseed-server.js';

async function sameTree(fx: Fixture, out: string): Promise<void> {
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
}

/** A leecher with no peers at all: only the given web seeds. */
async function leech(t: { after(fn: () => unknown): void }, meta: Metainfo, out: string, opts: Partial<AddOptions> = {}): Promise<{ client: Client; torrent: Torrent; warnings: string[] }> {
  const client = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => client.close());
  const torrent = await client.add(meta, { path: out, announce: false, resume: false, ...opts });
  const warnings: string[] = [];
  torrent.on('warning', (w) => warnings.push(w));
  return { client, torrent, warnings };
}

async function fixtureAndServer(t: { after(fn: () => unknown): void }, name: string, files: Record<string, number>, pieceLength: number, single: boolean, so: Omit<ServerOptions, 'root'> = {}) {
  const { dir, cleanup } = await tempDir('shoal-webseed-');
  t.after(cleanup);
  const fx = await makeFixture(dir, name, files, pieceLength, { single });
  const srv = await startWebSeedServer({ root: fx.seedDir, ...so });
  t.after(() => srv.close());
  return { dir, fx, srv };
}

test('single-file torrent from a web seed alone: byte-identical, status reports the seed done', async (t) => {
  const { dir, fx, srv } = await fixtureAndServer(t, 'one file.bin', { x: 1_000_003 }, 65536, true);
  const out = join(dir, 'out');
  // url ending in '/': the name is appended (BEP 19), percent-encoded.
  const { torrent, warnings } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, out);
  await within(torrent.whenDone(), 30_000, 'web seed download');
  await sameTree(fx, out);
  assert.ok(torrent.downloaded >= fx.meta.totalLength);
  const [ws] = torrent.webSeeds;
  assert.equal(ws?.state, 'done');
  assert.ok(ws.downloaded >= fx.meta.totalLength);
  assert.equal(ws.hashFailures, 0);
  assert.deepEqual(warnings, []);
  assert.ok(srv.requests.every((r) => r.path === '/one file.bin' && r.status === 206));
  assert.ok(srv.connections <= 2, `at most two connections per seed, saw ${srv.connections}`);
});

test('multi-file torrent (odd sizes, nested folders, escaped names) from two web seeds: identical, both used', async (t) => {
  const files = { 'a b.bin': 300_001, 'sub/ü#1.bin': 1, 'sub/deeper/c.bin': 262_144, 'empty.txt': 0, 'z?.bin': 200_003 };
  const { dir, fx, srv } = await fixtureAndServer(t, 'multi seed', files, 32768, false);
  const out = join(dir, 'out');
  // One with the trailing slash, one without (BEP 19: the folder URL).
  const { torrent } = await leech(t, { ...fx.meta, webSeeds: [srv.base, `http://127.0.0.1:${srv.port}`] }, out, { webSeeds: { requestBytes: 65536 } });
  await within(torrent.whenDone(), 30_000, 'web seed download');
  await sameTree(fx, out);
  const seeds = torrent.webSeeds;
  assert.equal(seeds.length, 2);
  for (const s of seeds) {
    assert.equal(s.state, 'done');
    assert.ok(s.downloaded > 0, `${s.url} contributed`);
  }
  assert.ok(seeds.reduce((n, s) => n + s.downloaded, 0) >= fx.meta.totalLength);
  const paths = new Set(srv.requests.map((r) => r.path));
  assert.ok(paths.has('/multi seed/sub/ü#1.bin') && paths.has('/multi seed/z?.bin'), [...paths].join(', '));
  assert.ok(srv.requests.every((r) => r.status === 206));
  // Claims are bounded: no request larger than the claim (64 KiB here).
  assert.ok(srv.requests.every((r) => r.end! - r.start! + 1 <= 65536));
});

test('a web seed and a shoal peer share the work: both contribute, the result is identical', async (t) => {
  // The web server is slow (1 MB/s); the peer is added once the web seed delivered a piece.
  const { dir, fx, srv } = await fixtureAndServer(t, 'shared.bin', { x: 4_000_000 }, 65536, true, { rate: 1_000_000 });
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => seeder.close());
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const out = join(dir, 'out');
  const { torrent } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, out, { webSeeds: { requestBytes: 131072 } });
  await within(new Promise((res) => torrent.once('piece', res)), 20_000, 'first piece from the web seed');
  torrent.addPeer(`127.0.0.1:${port}`);
  await within(torrent.whenDone(), 30_000, 'download');
  await sameTree(fx, out);
  const ws = torrent.webSeeds[0]!;
  assert.ok(ws.downloaded > 0, 'web seed contributed');
  assert.ok(seed.uploaded > 0, 'peer contributed');
  assert.equal(ws.state, 'done');
  // Peers and the seed did not fetch the same blocks (only endgame duplicates).
  assert.ok(torrent.downloaded < fx.meta.totalLength * 1.5, `downloaded ${torrent.downloaded} of ${fx.meta.totalLength}`);
});

test('corrupt ranges: pieces fail, are fetched again from the peer, the seed is dropped after repeated failures', async (t) => {
  const size = 2_000_000;
  const { dir, fx, srv } = await fixtureAndServer(t, 'bad.bin', { x: size }, 65536, true, {
    // Anything touching the first half comes back corrupt.
    override: (r) => (r.start !== undefined && r.start < size / 2 ? { corrupt: true } : undefined),
  });
  const out = join(dir, 'out');
  const { torrent, warnings } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, out, { webSeeds: { requestBytes: 65536, maxHashFailures: 3 } });
  const dropped = new Promise<void>((res) => torrent.on('warning', (w) => w.includes('dropped') && res()));
  await within(dropped, 20_000, 'web seed dropped');
  const ws = torrent.webSeeds[0]!;
  assert.equal(ws.state, 'dropped');
  assert.equal(ws.hashFailures, 3);
  assert.match(ws.error ?? '', /hash/);
  assert.ok(warnings.some((w) => /failed its hash check/.test(w)));
  assert.deepEqual(torrent.picker.debugCheck(), [], 'picker consistent after the drop');
  const requestsAtDrop = srv.requests.length;
  const seeder = new Client({ host: '127.0.0.1' });
  t.after(() => seeder.close());
  const seed = await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  torrent.addPeer(`127.0.0.1:${await seeder.ready()}`);
  await within(torrent.whenDone(), 30_000, 'download from the peer');
  await sameTree(fx, out);
  assert.ok(seed.uploaded >= size / 2 - 65536, 'the corrupt half came from the peer');
  // Requests already sent when it was dropped may still reach the server (two connections); none after.
  assert.ok(srv.requests.length <= requestsAtDrop + 2, `${srv.requests.length - requestsAtDrop} requests after the drop`);
});

test('404 and 500 then recovery: retries back off (longer after 404), Retry-After honoured, download completes', async (t) => {
  const answers = [{ status: 404 }, { status: 500 }, { status: 503, headers: { 'Retry-After': '1' } }];
  const { dir, fx, srv } = await fixtureAndServer(t, 'flaky.bin', { x: 500_000 }, 65536, true, { override: (_r, n) => answers[n] });
  const out = join(dir, 'out');
  const { torrent, warnings } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, out, { webSeeds: { connections: 1, retryMs: 100 } });
  let sawBackoff = false;
  torrent.on('warning', () => (sawBackoff ||= torrent.webSeeds[0]?.state === 'backoff'));
  await within(torrent.whenDone(), 30_000, 'download after errors');
  await sameTree(fx, out);
  const at = srv.requests.map((r) => r.at);
  assert.deepEqual(srv.requests.slice(0, 4).map((r) => r.status), [404, 500, 503, 206]);
  // 404: 6 x 100 ms; 500 (second failure in a row): 200 ms; 503: Retry-After 1 s.
  const gaps = [at[1]! - at[0]!, at[2]! - at[1]!, at[3]! - at[2]!];
  assert.ok(gaps[0]! >= 590 && gaps[1]! >= 190 && gaps[2]! >= 990, `gaps ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
  assert.ok(sawBackoff, 'state was backoff while waiting');
  assert.equal(warnings.length, 3, warnings.join('\n'));
  const ws = torrent.webSeeds[0]!;
  assert.equal(ws.state, 'done');
  assert.equal(ws.error, undefined, 'success clears the error');
});

test('a server that ignores Range is dropped after repeated malformed answers; unusable URLs are dropped at once', async (t) => {
  const { dir, fx, srv } = await fixtureAndServer(t, 'norange.bin', { x: 300_000 }, 32768, true, { override: () => ({ ignoreRange: true }) });
  const out = join(dir, 'out');
  const { torrent } = await leech(t, { ...fx.meta, webSeeds: [srv.base, 'ftp://127.0.0.1/x'] }, out, { webSeeds: { connections: 1, retryMs: 20, maxBadResponses: 2, requestBytes: 32768 } });
  const dropped = new Promise<void>((res) => torrent.on('warning', (w) => w.includes('malformed') && res()));
  await within(dropped, 20_000, 'web seed dropped');
  const [http, ftp] = torrent.webSeeds;
  assert.equal(http?.state, 'dropped');
  assert.match(http.error ?? '', /ignored the Range/);
  assert.equal(ftp?.state, 'dropped');
  assert.match(ftp.error ?? '', /http or https/);
  assert.equal(srv.requests.length, 2);
  assert.equal(torrent.have.count, 0);
  assert.equal(torrent.picker.debugCheck().length, 0, 'claimed blocks went back to the picker');
});

test('file selection: the web seed fetches only the wanted pieces, from the files they touch', async (t) => {
  const files = { 'a.bin': 200_000, 'b.bin': 150_000, 'c.bin': 200_000 };
  const { dir, fx, srv } = await fixtureAndServer(t, 'sel', files, 32768, false);
  const out = join(dir, 'out');
  const b = fx.meta.files.findIndex((f) => f.rawPath === 'sel/b.bin');
  const { torrent } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, out, { select: [b] });
  await within(torrent.whenDone(), 30_000, 'selected file');
  const want = (await readTree(fx.seedDir)).get(join('sel', 'b.bin'))!;
  const got = (await readTree(out)).get(join('sel', 'b.bin'))!;
  assert.ok(got.equals(want));
  const fb = fx.meta.files[b]!;
  const P = fx.meta.pieceLength;
  const lo = Math.floor(fb.offset / P) * P;
  const hi = Math.ceil((fb.offset + fb.length) / P) * P;
  for (const r of srv.requests) {
    const f = fx.meta.files.find((x) => `/${x.rawPath}` === r.path)!;
    assert.ok(f.offset + r.start! >= lo && f.offset + r.end! < hi, `request ${r.path} ${r.start}-${r.end} outside the wanted pieces`);
  }
  assert.ok(torrent.downloaded <= hi - lo);
  assert.equal(torrent.webSeeds[0]?.state, 'done');
});

test('closing mid-download aborts the web seed requests at once', async (t) => {
  const { dir, fx, srv } = await fixtureAndServer(t, 'slow.bin', { x: 3_000_000 }, 65536, true, { rate: 200_000 });
  const { client, torrent } = await leech(t, { ...fx.meta, webSeeds: [srv.base] }, join(dir, 'out'));
  await within(new Promise((res) => torrent.once('piece', res)), 20_000, 'first piece');
  assert.equal(torrent.webSeeds[0]?.state, 'downloading');
  const t0 = performance.now();
  await within(client.close(), 5_000, 'client close');
  assert.ok(performance.now() - t0 < 2_000, 'close did not wait for the slow responses');
  assert.equal(torrent.webSeeds[0]?.state, 'closed');
  assert.ok(torrent.have.count < fx.meta.pieceCount);
});

test('the download limit applies to web seed bytes too', async (t) => {
  const size = 1_000_000;
  const limit = 500_000;
  const { dir, fx, srv } = await fixtureAndServer(t, 'limited.bin', { x: size }, 32768, true);
  const client = new Client({ host: '127.0.0.1', noListen: true, downloadLimit: limit });
  t.after(() => client.close());
  const t0 = performance.now();
  const torrent = await client.add({ ...fx.meta, webSeeds: [srv.base] }, { path: join(dir, 'out'), announce: false, resume: false });
  await within(torrent.whenDone(), 20_000, 'limited download');
  const seconds = (performance.now() - t0) / 1000;
  // The bucket starts with a burst of a fifth of a second; the rest moves at the limit.
  const least = (size - limit / 5 - 32768) / limit;
  assert.ok(seconds >= least * 0.9, `took ${seconds.toFixed(2)} s, at least ${least.toFixed(2)} s expected`);
  assert.ok(srv.requests.every((r) => r.end! - r.start! + 1 <= limit / 5 + 32768), 'claims shrink to what the bucket holds');
  await sameTree(fx, join(dir, 'out'));
});
