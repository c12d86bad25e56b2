// Daemon rate limits, upload slots, file priorities, tracker status and verify, over real
// HTTP against in-process daemons that transfer real data to each other on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Daemon } from '../../src/daemon/index.js';
import { MiniTracker } from '../helpers/mini-tracker.js';
import { call, testDaemon, until } from './helpers.js';
import type { TestDaemon } from './helpers.js';

const MB = 1_000_000;

async function shareFile(td: TestDaemon, name: string, size: number, trackers: string[] = []): Promise<string> {
  const p = join(td.shareDir, name);
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE((i * 2654435761) >>> 0, i);
  await writeFile(p, buf);
  const r = await call(td.d, 'POST', '/api/v1/share', { body: { path: p, wait: true, trackers } });
  assert.equal(r.status, 201, r.body.toString());
  return r.json.job.infoHash as string;
}

/** Transmission RPC call (with the session-id handshake). */
async function rpc(d: Daemon, method: string, args: Record<string, unknown> = {}): Promise<{ result: string; arguments: Record<string, any> }> {
  const first = await call(d, 'POST', '/transmission/rpc', { body: { method: 'session-get' } });
  const sid = String(first.headers['x-transmission-session-id']);
  const r = await call(d, 'POST', '/transmission/rpc', { body: { method, arguments: args }, headers: { 'X-Transmission-Session-Id': sid } });
  assert.equal(r.status, 200, r.body.toString());
  return r.json;
}

test('per-torrent and session limits take effect; list and detail agree on peers', async (t) => {
  const a = await testDaemon();
  const b = await testDaemon();
  t.after(() => Promise.all([a.close(), b.close()]));
  const hash = await shareFile(a, 'big.bin', 8 * MB);
  const tor = await call(a.d, 'GET', `/api/v1/torrents/${hash}/torrent`);
  const added = await call(b.d, 'POST', `/api/v1/torrents?peer=127.0.0.1:${a.d.peerPort}&paused=true`, { raw: tor.body, headers: { 'Content-Type': 'application/x-bittorrent' } });
  assert.equal(added.status, 201, added.body.toString());
  // 2 MB/s for this torrent, set while stopped: applied when it starts.
  const lim = await call(b.d, 'PUT', `/api/v1/torrents/${hash}/limits`, { body: { download: 2 * MB } });
  assert.deepEqual(lim.json, { download: 2 * MB, upload: 0 });
  await call(b.d, 'POST', `/api/v1/torrents/${hash}/start`, { body: {} });
  assert.deepEqual(b.d.manager.get(hash).torrent?.rateLimits, { download: 2 * MB, upload: 0 });

  const sample = async (): Promise<{ at: number; bytes: number; list: any; detail: any }> => {
    const detail = (await call(b.d, 'GET', `/api/v1/torrents/${hash}`)).json;
    const list = (await call(b.d, 'GET', '/api/v1/torrents')).json.torrents[0];
    return { at: performance.now(), bytes: detail.piecesHave * detail.pieceLength, list, detail };
  };
  const s1 = await until(async () => {
    const s = await sample();
    return s.bytes >= MB ? s : undefined;
  }, 20_000, 'first MB');
  const s2 = await until(async () => {
    const s = await sample();
    return s.bytes >= 5 * MB ? s : undefined;
  }, 20_000, 'five MB');
  const rate = (s2.bytes - s1.bytes) / ((s2.at - s1.at) / 1000);
  t.diagnostic(`daemon per-torrent limit: ${(rate / MB).toFixed(2)} MB/s`);
  assert.ok(rate >= 1.6 * MB && rate <= 2.4 * MB, `measured ${(rate / MB).toFixed(2)} MB/s`);
  // The list's peer count is the detail's (it showed 0 / 0 while peers were connected).
  for (const s of [s1, s2]) {
    assert.equal(s.detail.peerList.length >= 1, true);
    assert.equal(s.list.peers, s.detail.peerList.length, 'list peers = detail peers');
    assert.equal(s.list.seeds, s.detail.peerList.filter((p: { pieces: number }) => p.pieces === s.detail.pieceCount).length);
  }

  // Session limits: JSON API on the seeder, Transmission session-set on the leecher.
  const sess = await call(a.d, 'PATCH', '/api/v1/session', { body: { uploadLimit: 3 * MB } });
  assert.equal(sess.status, 200, sess.body.toString());
  assert.equal(sess.json.uploadLimit, 3 * MB);
  assert.equal(sess.json.rateLimitsEnforced, true);
  assert.deepEqual(a.d.manager.client.rateLimits, { download: 0, upload: 3 * MB });
  assert.equal((await call(a.d, 'PATCH', '/api/v1/session', { body: { uploadLimit: -5 } })).json.error.code, 'INVALID_ARGUMENT');
  assert.equal((await call(a.d, 'PATCH', '/api/v1/session', { body: { bogus: 1 } })).json.error.code, 'INVALID_ARGUMENT');
  assert.equal((await rpc(b.d, 'session-set', { 'speed-limit-down': 1500, 'speed-limit-down-enabled': true })).result, 'success');
  assert.equal(b.d.manager.client.rateLimits.download, 1_500_000);
  let g = (await rpc(b.d, 'session-get')).arguments;
  assert.equal(g['speed-limit-down'], 1500);
  assert.equal(g['speed-limit-down-enabled'], true);
  await rpc(b.d, 'session-set', { 'speed-limit-down-enabled': false });
  assert.equal(b.d.manager.client.rateLimits.download, 0);
  g = (await rpc(b.d, 'session-get')).arguments;
  assert.equal(g['speed-limit-down'], 1500, 'the value is remembered while disabled');
  assert.equal(g['speed-limit-down-enabled'], false);
  await rpc(b.d, 'session-set', { 'speed-limit-down-enabled': true });
  assert.equal(b.d.manager.client.rateLimits.download, 1_500_000);
  await rpc(b.d, 'session-set', { 'speed-limit-down-enabled': false });

  // Lifting the torrent's limit through Transmission torrent-set lets it finish quickly.
  await rpc(b.d, 'torrent-set', { ids: [hash], downloadLimited: false });
  assert.deepEqual(b.d.manager.get(hash).torrent?.rateLimits, { download: 0, upload: 0 });
  await until(async () => (await call(b.d, 'GET', `/api/v1/torrents/${hash}`)).json.progress === 1, 20_000, 'done');
  assert.ok(a.d.manager.client.maxUploadSlots > 0, 'a global upload-slot cap is configured');
});

test('session limits survive a restart; command-line limits override the saved ones', async (t) => {
  const first = await testDaemon();
  const root = first.root;
  await call(first.d, 'PATCH', '/api/v1/session', { body: { downloadLimit: 700_000, uploadLimit: 300_000 } });
  await first.d.close();
  const again = await testDaemon({}, root);
  assert.deepEqual(again.d.manager.client.rateLimits, { download: 700_000, upload: 300_000 });
  const s = (await call(again.d, 'GET', '/api/v1/session')).json;
  assert.equal(s.downloadLimit, 700_000);
  await again.d.close();
  const third = await testDaemon({ uploadLimit: 0, maxUploadSlots: 7 }, root);
  t.after(() => third.close().then(() => import('node:fs/promises')).then((fs) => fs.rm(root, { recursive: true, force: true })));
  assert.deepEqual(third.d.manager.client.rateLimits, { download: 700_000, upload: 0 });
  assert.equal((await call(third.d, 'GET', '/api/v1/session')).json.maxUploadSlots, 7);
});

test('tracker status in get, Transmission trackerStats and the priorities the picker uses', async (t) => {
  const tr = await MiniTracker.start();
  t.after(() => tr.close());
  const td = await testDaemon({ minAnnounceInterval: 1 });
  t.after(() => td.close());
  const dead = 'http://127.0.0.1:9/announce';
  const hash = await shareFile(td, 'tracked.bin', 300_000, [tr.url, dead]);
  const d = await until(async () => {
    const r = (await call(td.d, 'GET', `/api/v1/torrents/${hash}`)).json;
    const ok = r.trackers.find((x: { url: string }) => x.url === tr.url);
    const bad = r.trackers.find((x: { url: string }) => x.url === dead);
    return ok?.status === 'ok' && bad?.status === 'error' ? r : undefined;
  }, 15_000, 'both trackers answered');
  const ok = d.trackers.find((x: { url: string }) => x.url === tr.url);
  assert.equal(ok.seeders, 1);
  assert.equal(ok.leechers, 0);
  assert.equal(ok.peers, 0);
  assert.equal(ok.error, null);
  assert.ok(ok.lastAnnounce > Date.now() - 60_000 && ok.nextAnnounce > Date.now() - 1000);
  const bad = d.trackers.find((x: { url: string }) => x.url === dead);
  assert.match(bad.error, /./);
  const stats = (await rpc(td.d, 'torrent-get', { ids: [hash], fields: ['trackerStats'] })).arguments['torrents'][0].trackerStats;
  const tok = stats.find((x: { announce: string }) => x.announce === tr.url);
  assert.equal(tok.lastAnnounceSucceeded, true);
  assert.equal(tok.seederCount, 1);
  assert.equal(tok.leecherCount, 0);
  assert.equal(tok.hasAnnounced, true);
  assert.ok(tok.nextAnnounceTime >= Math.floor(Date.now() / 1000) - 1);
  const tbad = stats.find((x: { announce: string }) => x.announce === dead);
  assert.equal(tbad.lastAnnounceSucceeded, false);
  assert.notEqual(tbad.lastAnnounceResult, 'Success');
  // Stopped: inactive.
  await call(td.d, 'POST', `/api/v1/torrents/${hash}/stop`, { body: {} });
  const st = (await call(td.d, 'GET', `/api/v1/torrents/${hash}`)).json;
  assert.deepEqual(st.trackers.map((x: { status: string }) => x.status), ['inactive', 'inactive']);
});

test('priorities reach the picker (API and Transmission); verify of a running torrent rechecks in place', async (t) => {
  const td = await testDaemon();
  t.after(() => td.close());
  const dir = join(td.shareDir, 'two');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.bin'), Buffer.alloc(200_000, 7));
  await writeFile(join(dir, 'b.bin'), Buffer.alloc(200_000, 9));
  const r = await call(td.d, 'POST', '/api/v1/share', { body: { path: dir, wait: true } });
  assert.equal(r.status, 201, r.body.toString());
  const hash: string = r.json.job.infoHash;
  const e = td.d.manager.get(hash);
  const meta = e.meta;
  const lastPiece = meta.pieceCount - 1;
  const firstPiece = 0;
  assert.equal((await call(td.d, 'PATCH', `/api/v1/torrents/${hash}/files`, { body: { priorities: ['high', 'low'] } })).status, 200);
  assert.equal(e.torrent!.picker.piecePriority(firstPiece), 2);
  assert.equal(e.torrent!.picker.piecePriority(lastPiece), 0);
  await rpc(td.d, 'torrent-set', { ids: [hash], 'priority-normal': [] });
  assert.equal(e.torrent!.picker.piecePriority(firstPiece), 1);
  assert.equal(e.torrent!.picker.piecePriority(lastPiece), 1);
  const fields = (await rpc(td.d, 'torrent-get', { ids: [hash], fields: ['priorities', 'recheckProgress'] })).arguments['torrents'][0];
  assert.deepEqual(fields.priorities, [0, 0]);
  assert.equal(fields.recheckProgress, 1);

  // Corrupt a byte on disk; verify (JSON API) finds it while the torrent keeps running.
  const torrentBefore = e.torrent;
  const fh = await open(join(dir, 'b.bin'), 'r+');
  await fh.write(Buffer.from([0x42]), 0, 1, 150_000);
  await fh.close();
  const v = await call(td.d, 'POST', `/api/v1/torrents/${hash}/verify`, { body: {} });
  assert.equal(v.status, 200, v.body.toString());
  assert.equal(e.torrent, torrentBefore, 'rechecked in place, not re-added');
  assert.deepEqual({ lost: e.torrent!.lastRecheck!.lost, checked: e.torrent!.lastRecheck!.checked }, { lost: 1, checked: meta.pieceCount });
  const after = (await call(td.d, 'GET', `/api/v1/torrents/${hash}`)).json;
  assert.equal(after.piecesHave, meta.pieceCount - 1);
  assert.equal(after.state, 'downloading');
  assert.ok(after.progress < 1);
  // Put the byte back; Transmission torrent-verify finds the piece again.
  const orig = await readFile(join(dir, 'a.bin'));
  assert.equal(orig[0], 7);
  const fh2 = await open(join(dir, 'b.bin'), 'r+');
  await fh2.write(Buffer.from([9]), 0, 1, 150_000);
  await fh2.close();
  assert.equal((await rpc(td.d, 'torrent-verify', { ids: [hash] })).result, 'success');
  await until(async () => (await call(td.d, 'GET', `/api/v1/torrents/${hash}`)).json.state === 'seeding', 10_000, 'seeding again');
  assert.equal(e.torrent!.lastRecheck!.gained, 1);
});

test('after stop and start the event stream carries the reconnected peers (list view peers column)', async (t) => {
  const a = await testDaemon();
  const b = await testDaemon();
  t.after(() => Promise.all([a.close(), b.close()]));
  const { mkdir } = await import('node:fs/promises');
  const { request } = await import('node:http');
  const dir = join(a.shareDir, 'pair');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.bin'), Buffer.alloc(100_000, 1));
  await writeFile(join(dir, 'b.bin'), Buffer.alloc(100_000, 2));
  const r = await call(a.d, 'POST', '/api/v1/share', { body: { path: dir, wait: true } });
  const hash: string = r.json.job.infoHash;
  const tor = await call(a.d, 'GET', `/api/v1/torrents/${hash}/torrent`);
  // b wants one file only: once it has it, it stays connected to a, both idle.
  const added = await call(b.d, 'POST', '/api/v1/torrents', { body: { torrent: tor.body.toString('base64'), peers: [`127.0.0.1:${a.d.peerPort}`], priorities: ['normal', 'skip'] } });
  assert.equal(added.status, 201, added.body.toString());
  await until(async () => (await call(b.d, 'GET', `/api/v1/torrents/${hash}`)).json.progress === 1, 20_000, 'b has its file');
  await until(async () => (await call(a.d, 'GET', '/api/v1/torrents')).json.torrents[0].peers === 1, 10_000, 'a sees b');
  // Let a's idle figures settle into one signature, then stop and start a.
  const events: any[] = [];
  const req = request({ host: '127.0.0.1', port: a.d.port, path: '/api/v1/events', agent: false });
  const stream = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let k: number;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, ...JSON.parse(data) });
        }
      });
      resolve();
    });
  });
  req.on('error', () => {});
  req.end();
  t.after(() => req.destroy());
  await stream;
  await call(a.d, 'POST', `/api/v1/torrents/${hash}/stop`, { body: {} });
  await call(a.d, 'POST', `/api/v1/torrents/${hash}/start`, { body: {} });
  const from = events.length;
  await until(async () => (await call(a.d, 'GET', `/api/v1/torrents/${hash}`)).json.peerList.length === 1, 30_000, 'b reconnected');
  await until(async () => events.slice(from).some((e) => e.type === 'progress' && e.torrent.peers === 1) || undefined, 5_000, 'a progress event with the peer');
});

test('transmission-remote sets global and per-torrent speed limits and sees tracker stats', async (t) => {
  const REMOTE = '/usr/bin/transmission-remote';
  const { existsSync } = await import('node:fs');
  if (!existsSync(REMOTE)) return t.skip(`${REMOTE} not installed`);
  const { execFile } = await import('node:child_process');
  const td = await testDaemon();
  t.after(() => td.close());
  const remote = (...args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(REMOTE, [`127.0.0.1:${td.d.port}`, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
      });
    });
  const hash = await shareFile(td, 'remote.bin', 100_000);
  assert.equal((await remote('-d', '250')).code, 0);
  assert.equal(td.d.manager.client.rateLimits.download, 250_000);
  assert.equal((await remote('-u', '120')).code, 0);
  assert.equal(td.d.manager.client.rateLimits.upload, 120_000);
  const si = await remote('-si');
  assert.match(si.out, /250/);
  assert.equal((await remote('-D')).code, 0);
  assert.equal(td.d.manager.client.rateLimits.download, 0);
  assert.equal((await remote('-t', '1', '-d', '64')).code, 0);
  assert.deepEqual(td.d.manager.get(hash).torrent?.rateLimits, { download: 64_000, upload: 0 });
  assert.equal((await remote('-t', '1', '-D')).code, 0);
  assert.deepEqual(td.d.manager.get(hash).torrent?.rateLimits, { download: 0, upload: 0 });
  const info = await remote('-t', '1', '-it');
  assert.equal(info.code, 0, info.out);
});
