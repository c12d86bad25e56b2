// Two `shoal tracker` processes sharing one real redis-server: a peer announcing to one is
// returned by the other (HTTP and UDP), and peers expire there too.
import { test, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildAnnounceUrl, type AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { decodeAnnounceResponse, decodeScrapeResponse } from '../../src/tracker/protocol/http-response.js';
import { decodeUdpResponse, encodeConnectRequest, encodeUdpAnnounceRequest } from '../../src/tracker/protocol/udp.js';
import { percentEncode } from '../../src/tracker/protocol/query.js';
import { httpRequest, infoHash, peerId, UdpClient } from '../tracker/helpers.js';
import { redisAvailable, startRedis, type RedisHandle } from '../tracker/redis-helper.js';
import { start, type Proc } from './tracker/procs.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const RUN = join(repoRoot, 'build/test/interop/tracker/run-tracker.js');
const have = redisAvailable();

let redis: RedisHandle;
const trackers: { proc: Proc; http: number; udp: number }[] = [];

async function spawnTracker(url: string) {
  const proc = start(process.execPath, [RUN, '--host', '127.0.0.1', '--http', '0', '--udp', '0', '--store', url, '--announce-interval', '2']);
  const h = await proc.waitFor(/listening http:\/\/127\.0\.0\.1:(\d+)/);
  const u = await proc.waitFor(/listening udp:\/\/127\.0\.0\.1:(\d+)/);
  return { proc, http: Number(h[1]), udp: Number(u[1]) };
}

if (have) {
  before(async () => {
    redis = await startRedis();
    trackers.push(await spawnTracker(redis.url), await spawnTracker(redis.url));
  });
  after(async () => {
    for (const t of trackers) await t.proc.kill('SIGKILL');
    await redis?.stop();
  });
}

const H = infoHash(4242);
function req(port: number, over: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return { infoHash: H, peerId: peerId(port), port, uploaded: 0, downloaded: 0, left: 5, event: 'started', numWant: undefined, compact: true, noPeerId: false, ...over };
}

async function scrape(port: number): Promise<[number, number]> {
  const r = decodeScrapeResponse((await httpRequest(port, `/scrape?info_hash=${percentEncode(H)}`)).body);
  assert.ok(r.type === 'ok');
  const f = r.files[0];
  return [f?.complete ?? 0, f?.incomplete ?? 0];
}

test('two trackers on one redis share swarms, over HTTP and UDP, and peers expire', { skip: have ? false : 'redis-server not installed', timeout: 50_000 }, async () => {
  const [a, b] = [trackers[0]!, trackers[1]!];
  const r1 = decodeAnnounceResponse((await httpRequest(a.http, buildAnnounceUrl('/announce', req(7001)))).body);
  assert.ok(r1.type === 'ok' && r1.peers.length === 0);
  const r2 = decodeAnnounceResponse((await httpRequest(b.http, buildAnnounceUrl('/announce', req(7002, { left: 0 })))).body);
  assert.ok(r2.type === 'ok');
  assert.deepEqual(r2.peers, [{ ip: '127.0.0.1', port: 7001 }], 'tracker B returns the peer that announced to A');
  assert.deepEqual([r2.complete, r2.incomplete], [1, 1]);

  const c = await UdpClient.open();
  c.send(encodeConnectRequest(1), b.udp);
  const conn = decodeUdpResponse(await c.next());
  assert.ok(conn.type === 'connect');
  c.send(encodeUdpAnnounceRequest(conn.connectionId, 2, req(7003)), b.udp);
  const u = decodeUdpResponse(await c.next());
  assert.ok(u.type === 'announce');
  assert.deepEqual([u.seeders, u.leechers, u.peers.length / 6], [1, 2, 2]);
  c.close();
  assert.deepEqual(await scrape(a.http), [1, 2], 'A sees the UDP peer that announced to B');

  // Announce interval 2 s: peers expire after 3 s without an announce; the trackers' sweeps
  // (and every script run) drop them. Poll, since no event marks the moment.
  const t0 = Date.now();
  let counts = await scrape(a.http);
  while (counts[0] + counts[1] > 0 && Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 250));
    counts = await scrape(a.http);
  }
  assert.deepEqual(counts, [0, 0]);
  assert.ok(Date.now() - t0 >= 2000, 'not before the TTL');
  assert.deepEqual(await scrape(b.http), [0, 0]);

  // SIGTERM closes cleanly with exit code 0.
  a.proc.child.kill('SIGTERM');
  assert.equal(await a.proc.exit(10_000), 0);
});
