import { test, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { decode } from '../../src/bencode/decode.js';
import { percentEncode } from '../../src/tracker/protocol/query.js';
import { buildAnnounceUrl, type AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { decodeAnnounceResponse, decodeScrapeResponse } from '../../src/tracker/protocol/http-response.js';
import { startTracker, type Tracker } from '../../src/tracker/server/index.js';
import { httpRequest, infoHash, peerId, pipelined, rawHttp } from './helpers.js';

let t: Tracker;
before(async () => {
  t = await startTracker({ host: '127.0.0.1', http: 0, udp: false, announceInterval: 600, maxNumWant: 5 });
});
after(async () => {
  await t.close();
});

function req(over: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return { infoHash: infoHash(1), peerId: peerId(1), port: 6881, uploaded: 0, downloaded: 0, left: 100, event: 'started', numWant: undefined, compact: true, noPeerId: false, ...over };
}

async function announce(r: AnnounceRequest) {
  const url = buildAnnounceUrl('/announce', r);
  const res = await httpRequest(t.httpPort!, url);
  assert.equal(res.status, 200);
  return decodeAnnounceResponse(res.body);
}

async function failureOf(query: string): Promise<string> {
  const res = await httpRequest(t.httpPort!, `/announce?${query}`);
  assert.equal(res.status, 200);
  const d = decode(res.body) as Map<string, Uint8Array>;
  const f = d.get('failure reason');
  assert.ok(f instanceof Uint8Array, `expected a failure for ${query.slice(0, 80)}`);
  return Buffer.from(f).toString();
}

test('compact announce: peers find each other; interval and min interval are sent', async () => {
  const h = infoHash(100);
  const a = await announce(req({ infoHash: h, port: 7001 }));
  assert.equal(a.type, 'ok');
  if (a.type !== 'ok') return;
  assert.equal(a.interval, 600);
  assert.equal(a.minInterval, 300);
  assert.deepEqual(a.peers, []);
  const b = await announce(req({ infoHash: h, port: 7002, peerId: peerId(2), left: 0 }));
  assert.ok(b.type === 'ok');
  assert.deepEqual(b.peers, [{ ip: '127.0.0.1', port: 7001 }]);
  assert.deepEqual([b.complete, b.incomplete], [1, 1]);
});

test('non-compact announce returns dictionaries with peer ids unless no_peer_id', async () => {
  const h = infoHash(101);
  await announce(req({ infoHash: h, port: 7001, peerId: peerId(7) }));
  const b = await announce(req({ infoHash: h, port: 7002, compact: false }));
  assert.ok(b.type === 'ok');
  assert.equal(b.peers.length, 1);
  assert.equal(b.peers[0]!.port, 7001);
  assert.deepEqual(Buffer.from(b.peers[0]!.peerId!), peerId(7));
  const c = await announce(req({ infoHash: h, port: 7003, compact: false, noPeerId: true }));
  assert.ok(c.type === 'ok');
  assert.equal(c.peers.length, 2);
  assert.ok(c.peers.every((p) => p.peerId === undefined));
});

test('numwant is capped by the tracker and honoured below the cap', async () => {
  const h = infoHash(102);
  for (let i = 0; i < 10; i++) await announce(req({ infoHash: h, port: 8000 + i, numWant: 0 }));
  const a = await announce(req({ infoHash: h, port: 9000, numWant: 1000 }));
  assert.ok(a.type === 'ok');
  assert.equal(a.peers.length, 5);
  const b = await announce(req({ infoHash: h, port: 9001, numWant: 2 }));
  assert.ok(b.type === 'ok');
  assert.equal(b.peers.length, 2);
  const z = await announce(req({ infoHash: h, port: 9002, numWant: 0 }));
  assert.ok(z.type === 'ok');
  assert.equal(z.peers.length, 0);
});

test('events: completed counts a download, stopped removes the peer; scrape agrees', async () => {
  const h = infoHash(103);
  await announce(req({ infoHash: h, port: 7001 }));
  await announce(req({ infoHash: h, port: 7001, event: 'completed', left: 0 }));
  await announce(req({ infoHash: h, port: 7002 }));
  let s = decodeScrapeResponse((await httpRequest(t.httpPort!, `/scrape?info_hash=${percentEncode(h)}`)).body);
  assert.ok(s.type === 'ok');
  assert.deepEqual(s.files.map((f) => [f.complete, f.incomplete, f.downloaded]), [[1, 1, 1]]);
  await announce(req({ infoHash: h, port: 7002, event: 'stopped' }));
  s = decodeScrapeResponse((await httpRequest(t.httpPort!, `/scrape?info_hash=${percentEncode(h)}`)).body);
  assert.ok(s.type === 'ok');
  assert.deepEqual(s.files.map((f) => [f.complete, f.incomplete, f.downloaded]), [[1, 0, 1]]);
});

test('scrape: several hashes, unknown ones as zeros, full scrape lists swarms', async () => {
  const h = infoHash(104);
  await announce(req({ infoHash: h, port: 7001 }));
  const unknown = infoHash(999);
  const q = [h, unknown].map((x) => `info_hash=${percentEncode(x)}`).join('&');
  const s = decodeScrapeResponse((await httpRequest(t.httpPort!, `/scrape?${q}`)).body);
  assert.ok(s.type === 'ok');
  assert.equal(s.files.length, 2);
  const full = decodeScrapeResponse((await httpRequest(t.httpPort!, '/scrape')).body);
  assert.ok(full.type === 'ok');
  assert.ok(full.files.some((f) => Buffer.from(f.infoHash).equals(h)));
  const bad = decode((await httpRequest(t.httpPort!, '/scrape?info_hash=abc')).body) as Map<string, Uint8Array>;
  assert.match(Buffer.from(bad.get('failure reason')!).toString(), /20 bytes/);
});

const H = percentEncode(infoHash(1));
const P = percentEncode(peerId(1));
const base = `info_hash=${H}&peer_id=${P}&port=6881&uploaded=0&downloaded=0&left=0`;

test('every malformed announce gets a bencoded failure reason', async () => {
  const cases: [string, RegExp][] = [
    ['', /missing info_hash/],
    [base.replace(`info_hash=${H}`, `info_hash=${H}%00`), /20 bytes, got 21/],
    [base.replace(`info_hash=${H}`, 'info_hash=abc'), /20 bytes, got 3/],
    [base.replace(`info_hash=${H}`, `info_hash=${H.slice(0, -3)}`), /20 bytes, got 19/],
    [base.replace(`peer_id=${P}`, 'peer_id=x'), /peer_id must be 20 bytes/],
    [base.replace(`peer_id=${P}&`, ''), /missing peer_id/],
    [base.replace('port=6881', 'port=0'), /port/],
    [base.replace('port=6881', 'port=70000'), /port/],
    [base.replace('port=6881', 'port=-1'), /port/],
    [base.replace('port=6881&', ''), /missing port/],
    [base.replace('left=0', 'left=abc'), /left must be/],
    [base.replace('&left=0', ''), /missing left/],
    [base + '&event=exploded', /unknown event/],
    [base + '&numwant=lots', /numwant/],
    [base + '&x=%zz', /percent escape/],
    [base + '&x=%4', /percent escape/],
    [base + '&x=%', /percent escape/],
    [base + '&' + 'a=1&'.repeat(200), /query (parameters|longer)/],
    [base + '&pad=' + 'x'.repeat(5000), /longer than/],
  ];
  for (const [q, re] of cases) assert.match(await failureOf(q), re, q.slice(0, 60));
  assert.ok((t.stats()["failures"] ?? 0) >= cases.length);
});

test('the HTTP parser refuses bad requests with a status and closes', async () => {
  assert.match(await rawHttp(t.httpPort!, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(t.httpPort!, 'GET /announce HTTP/2.0\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(t.httpPort!, `GET /x HTTP/1.1\r\nX: ${'a'.repeat(9000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  assert.match(await rawHttp(t.httpPort!, `GET /x HTTP/1.1\r\nX: ${'a'.repeat(9000)}`), /^HTTP\/1\.1 431 /);
  assert.match(await rawHttp(t.httpPort!, 'GET /x HTTP/1.1\r\nbad header\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(t.httpPort!, 'GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawHttp(t.httpPort!, 'POST /announce HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'), /^HTTP\/1\.1 501 /);
  assert.match(await rawHttp(t.httpPort!, 'POST /stats HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789'), /^HTTP\/1\.1 413 /);
  assert.match(await rawHttp(t.httpPort!, 'GET /nowhere HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 404 [^]*Connection: close/);
  assert.match(await rawHttp(t.httpPort!, 'POST /announce HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 405 /);
});

test('keep-alive with pipelined requests is answered in order', async () => {
  const one = `GET /announce?${base} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const res = await pipelined(t.httpPort!, one + 'GET /stats HTTP/1.1\r\n\r\n' + one, 3);
  assert.equal(res.length, 3);
  assert.match(res[0]!, /8:intervali600e/);
  assert.match(res[1]!, /application\/json/);
  assert.match(res[2]!, /8:intervali600e/);
});

test('/stats is JSON and /metrics is Prometheus text', async () => {
  const s = JSON.parse((await httpRequest(t.httpPort!, '/stats')).body.toString()) as Record<string, number>;
  assert.ok(s['httpAnnounces']! > 0);
  assert.ok(s['torrents']! > 0);
  assert.equal(s['peers'], s['seeders']! + s['leechers']!);
  const m = await httpRequest(t.httpPort!, '/metrics');
  assert.match(m.headers['content-type']!, /text\/plain; version=0\.0\.4/);
  const text = m.body.toString();
  assert.match(text, /# TYPE shoal_tracker_announces_total counter/);
  assert.match(text, /shoal_tracker_announces_total\{transport="http"\} \d+/);
  assert.match(text, /shoal_tracker_peers\{state="leecher"\} \d+/);
  for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? \d+)$/);
});

test('a deep pipeline mixing slow and fast routes is answered completely and in order', async () => {
  const one = `GET /announce?${base} HTTP/1.1\r\n\r\n`;
  let data = '';
  for (let i = 0; i < 400; i++) data += i % 50 === 0 ? 'GET /stats HTTP/1.1\r\n\r\n' : one;
  const res = await pipelined(t.httpPort!, data, 400);
  assert.equal(res.length, 400);
  res.forEach((r, i) => assert.match(r, i % 50 === 0 ? /application\/json/ : /8:intervali600e/, `response ${i}`));
});
