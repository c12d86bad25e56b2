import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Announcer, HttpTrackerTransport, TrackerClientError, UdpTrackerTransport } from '../../src/tracker/client/index.js';
import {
  decodeUdpRequest,
  encodeAnnounceCompact,
  encodeCompactPeers,
  encodeConnectResponse,
  encodeFailure,
  encodeUdpAnnounceResponse,
  encodeUdpError,
  parseAnnounceQuery,
  parseQuery,
  type AnnounceRequest,
} from '../../src/tracker/protocol/index.js';

const infoHash = randomBytes(20);
const peerId = Buffer.from('-SH0100-abcdefghijkl');
const req: AnnounceRequest = { infoHash, peerId, port: 6881, uploaded: 1, downloaded: 2, left: 3, event: 'started', numWant: 50, compact: true, noPeerId: true };

async function httpTracker(handler: (q: AnnounceRequest, r: IncomingMessage) => Buffer): Promise<{ server: Server; url: string; seen: AnnounceRequest[] }> {
  const seen: AnnounceRequest[] = [];
  const server = createServer((r, res) => {
    const q = parseAnnounceQuery(parseQuery((r.url ?? '').split('?')[1] ?? ''));
    seen.push(q);
    res.end(handler(q, r));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/announce`, seen };
}

test('HTTP announce sends every field and reads compact peers', async () => {
  const peers = encodeCompactPeers([{ ip: '127.0.0.2', port: 5000 }, { ip: '127.0.0.3', port: 5001 }], 4);
  const t = await httpTracker(() => encodeAnnounceCompact({ complete: 4, incomplete: 7, downloaded: 9, interval: 900, minInterval: 60 }, peers, new Uint8Array()));
  try {
    const res = await new HttpTrackerTransport().announce(t.url, req);
    assert.deepEqual(res.peers, [{ ip: '127.0.0.2', port: 5000 }, { ip: '127.0.0.3', port: 5001 }]);
    assert.equal(res.interval, 900);
    assert.equal(res.minInterval, 60);
    assert.equal(res.seeders, 4);
    assert.equal(res.leechers, 7);
    const q = t.seen[0]!;
    assert.ok(Buffer.from(q.infoHash).equals(infoHash));
    assert.ok(Buffer.from(q.peerId).equals(peerId));
    assert.equal(q.event, 'started');
    assert.equal(q.left, 3);
    assert.equal(q.numWant, 50);
  } finally {
    t.server.close();
  }
});

test('HTTP failure reasons, bad responses and dead trackers are TrackerClientErrors', async () => {
  const t = await httpTracker((q) => (q.left === 0 ? Buffer.from('garbage') : encodeFailure('torrent not registered')));
  try {
    const http = new HttpTrackerTransport();
    await assert.rejects(http.announce(t.url, req), (e: unknown) => e instanceof TrackerClientError && /torrent not registered/.test(e.message));
    await assert.rejects(http.announce(t.url, { ...req, left: 0 }), (e: unknown) => e instanceof TrackerClientError && /invalid announce response/.test(e.message));
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    await once(dead, 'close');
    await assert.rejects(http.announce(`http://127.0.0.1:${port}/announce`, req), TrackerClientError);
  } finally {
    t.server.close();
  }
});

/** A BEP 15 tracker that ignores the first `drop` packets it gets. */
async function udpTracker(opts: { drop?: number; error?: string } = {}): Promise<{ sock: Socket; url: string; received: string[] }> {
  const sock = createSocket('udp4');
  const received: string[] = [];
  let drop = opts.drop ?? 0;
  const cid = randomBytes(8);
  sock.on('message', (msg, rinfo) => {
    const r = decodeUdpRequest(msg);
    received.push(r.type);
    if (drop > 0) {
      drop--;
      return;
    }
    let out: Buffer;
    if (r.type === 'connect') out = encodeConnectResponse(r.transactionId, cid);
    else if (opts.error) out = encodeUdpError(r.transactionId, opts.error);
    else if (r.type === 'announce') {
      assert.ok(Buffer.from(r.connectionId).equals(cid));
      out = encodeUdpAnnounceResponse(r.transactionId, 1200, 3, 2, encodeCompactPeers([{ ip: '127.0.0.9', port: 7000 }], 4));
    } else return;
    sock.send(out, rinfo.port, rinfo.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return { sock, url: `udp://127.0.0.1:${sock.address().port}`, received };
}

test('UDP announce connects, announces and retransmits lost packets', async () => {
  const t = await udpTracker({ drop: 1 });
  const udp = new UdpTrackerTransport({ baseTimeoutMs: 150, maxTries: 3 });
  try {
    const res = await udp.announce(t.url, req);
    assert.deepEqual(res.peers, [{ ip: '127.0.0.9', port: 7000 }]);
    assert.equal(res.interval, 1200);
    assert.equal(res.seeders, 2);
    assert.equal(res.leechers, 3);
    assert.deepEqual(t.received, ['connect', 'connect', 'announce']);
    // The connection id is reused for a minute: a second announce needs no connect.
    await udp.announce(t.url, req);
    assert.deepEqual(t.received.slice(3), ['announce']);
  } finally {
    udp.close();
    t.sock.close();
  }
});

test('UDP error packets and silence become TrackerClientErrors', async () => {
  const t = await udpTracker({ error: 'go away' });
  const silent = await udpTracker({ drop: 1000 });
  const udp = new UdpTrackerTransport({ baseTimeoutMs: 50, maxTries: 2 });
  try {
    await assert.rejects(udp.announce(t.url, req), /go away/);
    await assert.rejects(udp.announce(silent.url, req), /no response after 2 tries/);
    await assert.rejects(udp.announce('udp://127.0.0.1', req), /needs udp:\/\/host:port/);
  } finally {
    udp.close();
    t.sock.close();
    silent.sock.close();
  }
});

test('Announcer falls back within a tier, reports peers and status, and sends stopped', async () => {
  const peers = encodeCompactPeers([{ ip: '127.0.0.5', port: 6000 }], 4);
  const live = await httpTracker(() => encodeAnnounceCompact({ complete: 1, incomplete: 0, downloaded: 0, interval: 1800 }, peers, new Uint8Array()));
  const dead = `http://127.0.0.1:1/announce`;
  const errors: string[] = [];
  let resolvePeers!: (p: unknown) => void;
  const gotPeers = new Promise((r) => (resolvePeers = r));
  const a = new Announcer({
    tiers: [[dead, live.url]],
    infoHash,
    peerId,
    port: 6881,
    stats: () => ({ uploaded: 0, downloaded: 0, left: 100 }),
    onPeers: (p, url) => resolvePeers({ p, url }),
    onError: (e) => errors.push(e.message),
    timeoutMs: 2000,
  });
  try {
    a.start();
    const got = (await gotPeers) as { p: unknown; url: string };
    assert.deepEqual(got.p, [{ ip: '127.0.0.5', port: 6000 }]);
    assert.equal(got.url, live.url);
    const st = a.status();
    assert.equal(st[0]!.url, live.url, 'the working tracker moved to the front of its tier');
    assert.equal(st[0]!.state, 'ok');
    // The dead tracker may have been tried first or not at all (tiers are shuffled).
    assert.ok(errors.length <= 1);
  } finally {
    await a.stop();
  }
  assert.equal(live.seen.at(-1)!.event, 'stopped');
  assert.equal(live.seen[0]!.event, 'started');
  live.server.close();
});
