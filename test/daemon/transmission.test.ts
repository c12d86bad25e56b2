// Debian's transmission-remote (a real Transmission RPC client) drives a shoal daemon:
// add (.torrent file), list, info, stop, start, verify, file priorities, remove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/metainfo/create.js';
import { call, testDaemon, until } from './helpers.js';

const REMOTE = '/usr/bin/transmission-remote';

function remote(port: number, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(REMOTE, [`127.0.0.1:${port}`, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

test('transmission-remote adds, lists, stops, starts, verifies and removes torrents', async (t) => {
  if (!existsSync(REMOTE)) {
    t.skip(`${REMOTE} not installed`);
    return;
  }
  const td = await testDaemon();
  t.after(() => td.close());
  await mkdir(join(td.shareDir, 'pack'), { recursive: true });
  await writeFile(join(td.shareDir, 'pack', 'a.bin'), Buffer.alloc(40_000, 3));
  await writeFile(join(td.shareDir, 'pack', 'b.bin'), Buffer.alloc(30_000, 4));
  const created = await createTorrent(join(td.shareDir, 'pack'), { creationDate: false });
  const torrentFile = join(td.root, 'pack.torrent');
  await writeFile(torrentFile, created.torrent);
  const port = td.d.port;

  const add = await remote(port, '-a', torrentFile, '--download-dir', td.shareDir);
  assert.equal(add.code, 0, add.out);
  assert.match(add.out, /success/);
  const list = await remote(port, '-l');
  assert.equal(list.code, 0, list.out);
  assert.match(list.out, /^\s+1\*?\s+\S+%.*pack$/m);
  const api = await call(td.d, 'GET', `/api/v1/torrents/${created.infoHash.hex}`);
  assert.equal(api.json.downloadDir, td.shareDir);

  const dupe = await remote(port, '-a', torrentFile);
  assert.match(dupe.out, /duplicate|success/);
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents')).json.torrents.length, 1);

  const info = await remote(port, '-t', '1', '-i');
  assert.equal(info.code, 0, info.out);
  assert.match(info.out, new RegExp(`Hash: ${created.infoHash.hex}`));
  assert.match(info.out, /Name: pack/);

  assert.equal((await remote(port, '-t', '1', '-S')).code, 0);
  assert.match((await remote(port, '-l')).out, /Stopped\s+pack/);
  assert.equal(td.d.manager.get(created.infoHash.hex).state, 'stopped');
  assert.equal((await remote(port, '-t', '1', '-s')).code, 0);
  assert.notEqual(td.d.manager.get(created.infoHash.hex).state, 'stopped');
  assert.doesNotMatch((await remote(port, '-l')).out, /Stopped\s+pack/);
  assert.equal((await remote(port, '-t', '1', '-v')).code, 0);
  // Verify rechecks the running torrent in place: every piece hashed again.
  assert.equal(td.d.manager.get(created.infoHash.hex).torrent?.lastRecheck?.checked, created.pieceCount);

  const files = await remote(port, '-t', '1', '-f');
  assert.match(files.out, /a\.bin/);
  assert.equal((await remote(port, '-t', '1', '-G', '1')).code, 0);
  assert.deepEqual(td.d.manager.get(created.infoHash.hex).record.priorities, ['normal', 'skip']);
  assert.equal((await remote(port, '-t', '1', '-g', '1', '-ph', '1')).code, 0);
  assert.deepEqual(td.d.manager.get(created.infoHash.hex).record.priorities, ['normal', 'high']);

  const stats = await remote(port, '-st');
  assert.equal(stats.code, 0, stats.out);
  const session = await remote(port, '-si');
  assert.equal(session.code, 0, session.out);

  assert.equal((await remote(port, '-t', '1', '-r')).code, 0);
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents')).json.torrents.length, 0);
  assert.ok(existsSync(join(td.shareDir, 'pack', 'a.bin')), '-r keeps the data');
  assert.doesNotMatch((await remote(port, '-l')).out, /pack/);
});

test('Transmission RPC by hand: session-id handshake, torrent-get fields, torrent-add by metainfo, remove with data', async (t) => {
  const td = await testDaemon({ metadataTimeout: 1000 });
  t.after(() => td.close());
  const first = await call(td.d, 'POST', '/transmission/rpc', { body: { method: 'session-get' } });
  assert.equal(first.status, 409);
  const sid = String(first.headers['x-transmission-session-id']);
  assert.ok(sid.length > 10);
  const rpc = (body: unknown) => call(td.d, 'POST', '/transmission/rpc', { body, headers: { 'X-Transmission-Session-Id': sid } });
  const sess = await rpc({ method: 'session-get', tag: 7 });
  assert.equal(sess.json.result, 'success');
  assert.equal(sess.json.tag, 7);
  assert.equal(sess.json.arguments['rpc-version'], 15);
  assert.equal(sess.json.arguments['download-dir'], td.downloadDir);

  await writeFile(join(td.shareDir, 'f.bin'), Buffer.alloc(20_000, 9));
  const created = await createTorrent(join(td.shareDir, 'f.bin'), { creationDate: false });
  const added = await rpc({ method: 'torrent-add', arguments: { metainfo: created.torrent.toString('base64'), paused: true } });
  assert.equal(added.json.result, 'success');
  assert.equal(added.json.arguments['torrent-added'].hashString, created.infoHash.hex);
  const id = added.json.arguments['torrent-added'].id;
  const dupe = await rpc({ method: 'torrent-add', arguments: { metainfo: created.torrent.toString('base64') } });
  assert.equal(dupe.json.arguments['torrent-duplicate'].id, id);
  const bad = await rpc({ method: 'torrent-add', arguments: { metainfo: 'bm90IGEgdG9ycmVudA==' } });
  assert.notEqual(bad.json.result, 'success');
  // A magnet is answered at once (torrent-added); nobody has the metadata, so the entry ends in error.
  const magnet = await rpc({ method: 'torrent-add', arguments: { filename: `magnet:?xt=urn:btih:${'aa'.repeat(20)}&dn=mag` } });
  assert.equal(magnet.json.result, 'success');
  const madded = magnet.json.arguments['torrent-added'];
  assert.equal(madded.hashString, 'aa'.repeat(20));
  assert.equal(madded.name, 'mag');
  assert.equal(typeof madded.id, 'number');
  await until(async () => td.d.manager.get(madded.id).state === 'error', 10_000, 'magnet metadata timeout');
  assert.match(td.d.manager.get(madded.id).error ?? '', /no peer sent the metadata/);
  assert.equal((await rpc({ method: 'torrent-remove', arguments: { ids: [madded.id] } })).json.result, 'success');
  assert.equal(td.d.manager.find(madded.id), undefined);
  const traversal = await rpc({ method: 'torrent-add', arguments: { metainfo: created.torrent.toString('base64'), 'download-dir': '/etc' } });
  assert.match(traversal.json.result, /outside the allowed folders/);

  const get = await rpc({ method: 'torrent-get', arguments: { ids: [id], fields: ['id', 'name', 'hashString', 'status', 'totalSize', 'percentDone', 'files', 'fileStats', 'trackerStats', 'peers', 'eta', 'nonsense'] } });
  const row = get.json.arguments.torrents[0];
  assert.equal(row.name, 'f.bin');
  assert.equal(row.status, 0);
  assert.equal(row.totalSize, 20_000);
  assert.equal(row.files[0].length, 20_000);
  assert.equal('nonsense' in row, false);
  const table = await rpc({ method: 'torrent-get', arguments: { format: 'table', fields: ['id', 'name'] } });
  assert.deepEqual(table.json.arguments.torrents, [['id', 'name'], [id, 'f.bin']]);
  assert.equal((await rpc({ method: 'torrent-set', arguments: { ids: [created.infoHash.hex], downloadLimit: 50, downloadLimited: true } })).json.result, 'success');
  assert.equal(td.d.manager.get(id).record.downloadLimit, 50_000);
  assert.equal((await rpc({ method: 'no-such-method' })).json.result, 'method name not recognized');
  const stats = await rpc({ method: 'session-stats' });
  assert.equal(stats.json.arguments.torrentCount, 1);
  assert.equal(stats.json.arguments.pausedTorrentCount, 1);

  // Started from the share folder (where the data is), then removed with its data.
  assert.equal((await rpc({ method: 'torrent-remove', arguments: { ids: [id] } })).json.result, 'success');
  const again = await rpc({ method: 'torrent-add', arguments: { metainfo: created.torrent.toString('base64'), 'download-dir': td.shareDir } });
  const id2 = again.json.arguments['torrent-added'].id;
  assert.equal((await rpc({ method: 'torrent-remove', arguments: { ids: [id2], 'delete-local-data': true } })).json.result, 'success');
  assert.equal(existsSync(join(td.shareDir, 'f.bin')), false);
});
