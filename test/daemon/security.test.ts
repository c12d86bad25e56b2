// Security of the daemon's HTTP surface over real connections: token for untrusted callers
// (a real connection from 127.0.0.2 counted as remote), Host allow list, CSRF guards,
// path validation, token file mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createTorrent } from '../../src/metainfo/create.js';
import { call, testDaemon } from './helpers.js';

test('untrusted caller (127.0.0.2 counted as remote) needs the token; token file is 0600 and stable', async (t) => {
  const td = await testDaemon({ trusted: ['127.0.0.1'] });
  const token = td.d.token;
  assert.equal(td.d.tokenCreated, true);
  const st = await stat(join(td.dataDir, 'token'));
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal((await readFile(join(td.dataDir, 'token'), 'utf8')).trim(), token);

  const remote = await call(td.d, 'GET', '/api/v1/torrents', { localAddress: '127.0.0.2' });
  assert.equal(remote.status, 401);
  assert.equal(remote.json.error.code, 'UNAUTHORIZED');
  const wrong = await call(td.d, 'GET', '/api/v1/torrents', { localAddress: '127.0.0.2', headers: { Authorization: `Bearer ${token}x` } });
  assert.equal(wrong.status, 401);
  const withToken = await call(td.d, 'GET', '/api/v1/torrents', { localAddress: '127.0.0.2', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(withToken.status, 200);
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents', { localAddress: '127.0.0.2', headers: { 'X-Shoal-Token': token } })).status, 200);
  assert.equal((await call(td.d, 'GET', `/api/v1/torrents?token=${token}`, { localAddress: '127.0.0.2' })).status, 200);
  // A token in the query string is not accepted for state-changing requests.
  assert.equal((await call(td.d, 'POST', `/api/v1/torrents?token=${token}`, { localAddress: '127.0.0.2', body: {} })).status, 401);
  // Loopback 127.0.0.1 is trusted here.
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents')).status, 200);
  // Transmission RPC: 401 with a Basic challenge; the token as Basic password works.
  const rpc401 = await call(td.d, 'POST', '/transmission/rpc', { localAddress: '127.0.0.2', body: { method: 'session-get' } });
  assert.equal(rpc401.status, 401);
  assert.match(String(rpc401.headers['www-authenticate']), /^Basic /);
  const basic = `Basic ${Buffer.from(`any:${token}`).toString('base64')}`;
  const rpc409 = await call(td.d, 'POST', '/transmission/rpc', { localAddress: '127.0.0.2', body: { method: 'session-get' }, headers: { Authorization: basic } });
  assert.equal(rpc409.status, 409);
  await td.d.close();

  // Restart: same token, not created again.
  const again = await testDaemon({}, td.root);
  t.after(async () => {
    await again.close();
    await rm(td.root, { recursive: true, force: true });
  });
  assert.equal(again.d.token, token);
  assert.equal(again.d.tokenCreated, false);
});

test('--auth always: even loopback needs the token', async (t) => {
  const td = await testDaemon({ auth: 'always' });
  t.after(() => td.close());
  assert.equal((await call(td.d, 'GET', '/api/v1/session')).status, 401);
  assert.equal((await call(td.d, 'GET', '/api/v1/session', { headers: { Authorization: `Bearer ${td.d.token}` } })).status, 200);
});

test('Host header allow list (DNS rebinding)', async (t) => {
  const td = await testDaemon({ allowedHosts: ['shoal.lan'] });
  t.after(() => td.close());
  for (const host of ['evil.example.com', `evil.example.com:${td.d.port}`, 'localhost.evil.com', '127.0.0.1.nip.io']) {
    const r = await call(td.d, 'GET', '/api/v1/torrents', { host });
    assert.equal(r.status, 403, host);
    assert.equal(r.json.error.code, 'PERMISSION_DENIED');
  }
  // Even with the token: a rebinding page could never have it, but the Host check comes first anyway.
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents', { host: 'evil.example.com', headers: { Authorization: `Bearer ${td.d.token}` } })).status, 403);
  assert.equal((await call(td.d, 'POST', '/transmission/rpc', { host: 'evil.example.com', body: {} })).status, 403);
  assert.equal((await call(td.d, 'GET', '/', { host: 'evil.example.com' })).status, 403);
  // No Host header at all (HTTP/1.0 allows that): refused too.
  const raw = await new Promise<string>((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: td.d.port }, () => sock.end('GET /api/v1/torrents HTTP/1.0\r\n\r\n'));
    let text = '';
    sock.setEncoding('utf8').on('data', (d: string) => (text += d));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.[01] 403 /);
  assert.match(raw, /PERMISSION_DENIED/);
  for (const host of [`localhost:${td.d.port}`, `127.0.0.1:${td.d.port}`, '[::1]:9091', `shoal.lan:${td.d.port}`, 'SHOAL.LAN']) {
    assert.equal((await call(td.d, 'GET', '/api/v1/torrents', { host })).status, 200, host);
  }
});

test('CSRF: cross-origin or form-like state-changing requests without the token are refused', async (t) => {
  const td = await testDaemon();
  t.after(() => td.close());
  const file = join(td.shareDir, 'c.bin');
  await writeFile(file, Buffer.alloc(10_000, 7));
  const torrent = (await createTorrent(file, { creationDate: false })).torrent;
  const body = { torrent: torrent.toString('base64'), downloadDir: td.shareDir };
  const refused = [
    await call(td.d, 'POST', '/api/v1/torrents', { body, headers: { Origin: 'http://evil.example' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body, headers: { Origin: 'null' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body, headers: { 'Sec-Fetch-Site': 'cross-site' } }),
    // What a plain HTML form can send: a simple content type, no custom header.
    await call(td.d, 'POST', '/api/v1/torrents', { raw: Buffer.from(JSON.stringify(body)), headers: { 'Content-Type': 'text/plain' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { raw: Buffer.from('torrent=x'), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    await call(td.d, 'POST', '/transmission/rpc', { body: { method: 'torrent-stop' }, headers: { Origin: 'http://evil.example' } }),
  ];
  for (const r of refused) {
    assert.equal(r.status, 403, r.body.toString());
    assert.equal(r.json.error.code, 'PERMISSION_DENIED');
  }
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents')).json.torrents.length, 0, 'nothing was added');
  // Same origin is fine; cross-origin with the token is fine (a page cannot know the token).
  const same = await call(td.d, 'POST', '/api/v1/torrents', { body: { ...body, paused: true }, headers: { Origin: `http://127.0.0.1:${td.d.port}` } });
  assert.equal(same.status, 201, same.body.toString());
  const withToken = await call(td.d, 'POST', `/api/v1/torrents/${same.json.infoHash}/start`, { raw: Buffer.alloc(0), headers: { Origin: 'http://elsewhere.example', Authorization: `Bearer ${td.d.token}`, 'Content-Type': 'text/plain' } });
  assert.equal(withToken.status, 200);
  // Safe methods are not CSRF-checked (reads have no side effects and CORS keeps the answer from the page).
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents', { headers: { Origin: 'http://evil.example' } })).status, 200);
  // No CORS approval is ever given.
  const pre = await call(td.d, 'OPTIONS', '/api/v1/torrents', { headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
});

test('path traversal and paths outside the allowed roots are INVALID_ARGUMENT', async (t) => {
  const td = await testDaemon();
  t.after(() => td.close());
  await mkdir(join(td.root, 'outside'), { recursive: true });
  await writeFile(join(td.root, 'outside', 'secret.bin'), Buffer.alloc(1000, 1));
  await symlink(join(td.root, 'outside'), join(td.shareDir, 'link'));
  const file = join(td.shareDir, 'ok.bin');
  await writeFile(file, Buffer.alloc(1000, 2));
  const torrent = (await createTorrent(file, { creationDate: false })).torrent.toString('base64');
  const cases = [
    await call(td.d, 'POST', '/api/v1/share', { body: { path: `${td.shareDir}/../outside/secret.bin` } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: '../outside' } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: '/etc/passwd' } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: join(td.shareDir, 'link', 'secret.bin') } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: `${td.shareDir}/ok.bin\u0000` } }),
    await call(td.d, 'POST', '/api/v1/share', { body: { path: 42 } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent, downloadDir: '../../tmp' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent, downloadDir: '/tmp' } }),
    await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent, downloadDir: join(td.shareDir, 'link') } }),
    await call(td.d, 'POST', `/api/v1/torrents?downloadDir=${encodeURIComponent('/etc')}`, { raw: Buffer.from(torrent, 'base64'), headers: { 'Content-Type': 'application/x-bittorrent' } }),
  ];
  for (const r of cases) {
    assert.equal(r.status, 400, r.body.toString());
    assert.equal(r.json.error.code, 'INVALID_ARGUMENT');
  }
  assert.equal((await call(td.d, 'GET', '/api/v1/torrents')).json.torrents.length, 0);
  // Inside the roots: relative to the download dir, or anywhere under a share root.
  const ok = await call(td.d, 'POST', '/api/v1/torrents', { body: { torrent, downloadDir: 'sub/dir', paused: true } });
  assert.equal(ok.status, 201, ok.body.toString());
  assert.equal(ok.json.downloadDir, join(td.downloadDir, 'sub', 'dir'));
  // Static files: no web root, no traversal.
  assert.equal((await call(td.d, 'GET', '/../../etc/passwd')).status, 404);
});
