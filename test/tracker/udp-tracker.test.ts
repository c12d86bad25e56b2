import { test, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  decodeUdpResponse,
  encodeConnectRequest,
  encodeUdpAnnounceRequest,
  encodeUdpScrapeRequest,
  PROTOCOL_ID_HI,
  PROTOCOL_ID_LO,
} from '../../src/tracker/protocol/udp.js';
import type { AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { startTracker, type Tracker } from '../../src/tracker/server/index.js';
import { infoHash, peerId, UdpClient } from './helpers.js';

let t: Tracker;
let c: UdpClient;
let clock = 1_700_000_000_000;
before(async () => {
  t = await startTracker({ host: '127.0.0.1', http: false, udp: 0, announceInterval: 900, now: () => clock, maxNumWant: 300, udpAmplification: 2 });
  c = await UdpClient.open();
});
after(async () => {
  c.close();
  await t.close();
});

function areq(over: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return { infoHash: infoHash(1), peerId: peerId(1), port: 6881, uploaded: 0, downloaded: 0, left: 10, event: 'started', numWant: undefined, compact: true, noPeerId: true, ...over };
}

async function connectId(client = c): Promise<Uint8Array> {
  client.send(encodeConnectRequest(0x1234), t.udpPort!);
  const r = decodeUdpResponse(await client.next());
  assert.equal(r.type, 'connect');
  assert.equal(r.transactionId, 0x1234);
  return r.type === 'connect' ? r.connectionId : new Uint8Array(8);
}

/** Sends `pkt`, then a connect as a marker: loopback keeps order, so a reply to `pkt` would arrive first. */
async function silent(pkt: Uint8Array): Promise<boolean> {
  c.send(pkt, t.udpPort!);
  c.send(encodeConnectRequest(0xfeedf00d), t.udpPort!);
  const first = decodeUdpResponse(await c.next());
  return first.type === 'connect' && first.transactionId === 0xfeedf00d;
}

test('connect, announce and scrape (BEP 15)', async () => {
  const id = await connectId();
  const h = infoHash(200);
  const other = await UdpClient.open();
  const id2 = await connectId(other);
  other.send(encodeUdpAnnounceRequest(id2, 7, areq({ infoHash: h, port: 7001, left: 0 })), t.udpPort!);
  const first = decodeUdpResponse(await other.next());
  assert.ok(first.type === 'announce');
  assert.deepEqual([first.transactionId, first.interval, first.seeders, first.leechers, first.peers.length], [7, 900, 1, 0, 0]);
  c.send(encodeUdpAnnounceRequest(id, 8, areq({ infoHash: h, port: 7002 })), t.udpPort!);
  const r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'announce');
  assert.deepEqual([r.seeders, r.leechers], [1, 1]);
  assert.equal(Buffer.from(r.peers).toString('hex'), '7f000001' + (7001).toString(16).padStart(4, '0'));
  c.send(encodeUdpScrapeRequest(id, 9, [h, infoHash(201)]), t.udpPort!);
  const s = decodeUdpResponse(await c.next());
  assert.ok(s.type === 'scrape');
  assert.deepEqual(s.files, [
    { complete: 1, incomplete: 1, downloaded: 0 },
    { complete: 0, incomplete: 0, downloaded: 0 },
  ]);
  other.close();
});

test('spoofed, stale and foreign connection ids get no reply', async () => {
  const id = await connectId();
  const ann = (cid: Uint8Array) => encodeUdpAnnounceRequest(cid, 1, areq());
  assert.ok(await silent(ann(randomBytes(8))), 'random id');
  assert.ok(await silent(ann(new Uint8Array(8))), 'zero id');
  const flipped = Uint8Array.from(id);
  flipped[7]! ^= 1;
  assert.ok(await silent(ann(flipped)), 'one bit off');
  assert.ok(await silent(encodeUdpScrapeRequest(randomBytes(8), 1, [infoHash(1)])), 'scrape with a bad id');
  // An id issued to another source port is not valid for this one.
  const other = await UdpClient.open();
  const foreign = await connectId(other);
  other.close();
  assert.ok(await silent(ann(foreign)), 'id of another address');
  // Valid now, still valid one window later, dead after two.
  c.send(ann(id), t.udpPort!);
  assert.equal(decodeUdpResponse(await c.next()).type, 'announce');
  clock += 65_000;
  c.send(ann(id), t.udpPort!);
  assert.equal(decodeUdpResponse(await c.next()).type, 'announce');
  clock += 65_000;
  assert.ok(await silent(ann(id)), 'expired id');
});

test('every length 0..255 of every action: no crash, only silence or a proper reply', async () => {
  const id = await connectId();
  const before = t.stats();
  const actions = [0, 1, 2, 3, 4, 0xffffffff];
  const replies: Buffer[] = [];
  let marker = 0xabcdef00;
  // In batches of 64 packets, each closed by a connect marker, so no socket buffer overflows.
  for (const action of actions) {
    for (let from = 0; from <= 255; from += 32) {
      for (let len = from; len < from + 32 && len <= 255; len++) {
        for (const withId of [true, false]) {
          const pkt = randomBytes(len);
          if (len >= 8) (withId ? Buffer.from(id) : Buffer.from([0, 0, PROTOCOL_ID_HI >> 8, PROTOCOL_ID_HI & 255, PROTOCOL_ID_LO >>> 24, (PROTOCOL_ID_LO >> 16) & 255, (PROTOCOL_ID_LO >> 8) & 255, PROTOCOL_ID_LO & 255])).copy(pkt, 0);
          if (len >= 12) pkt.writeUInt32BE(action, 8);
          c.send(pkt, t.udpPort!);
        }
      }
      const tid = ++marker;
      c.send(encodeConnectRequest(tid), t.udpPort!);
      for (;;) {
        const m = await c.next();
        const r = decodeUdpResponse(m);
        if (r.type === 'connect' && r.transactionId === tid) break;
        replies.push(m);
        // Never more than the amplification cap (2x here) over the largest request.
        assert.ok(m.length <= 255 * 2);
      }
    }
  }
  for (const m of replies) assert.ok([0, 1, 2, 3].includes(m.readUInt32BE(0)));
  const after = t.stats();
  assert.ok(after['udpDropped']! > before['udpDropped']!, 'bad packets were dropped');
  // The tracker still works.
  c.send(encodeUdpAnnounceRequest(id, 5, areq()), t.udpPort!);
  assert.equal(decodeUdpResponse(await c.next()).type, 'announce');
});

test('short and malformed packets with a valid id get an error packet', async () => {
  const id = await connectId();
  const full = encodeUdpAnnounceRequest(id, 77, areq());
  c.send(full.subarray(0, 97), t.udpPort!);
  let r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'error');
  assert.equal(r.transactionId, 77);
  assert.match(r.message, /need 98/);
  const scrape = encodeUdpScrapeRequest(id, 78, [infoHash(1)]);
  c.send(scrape.subarray(0, 30), t.udpPort!);
  r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'error');
  const badEvent = Buffer.from(full);
  badEvent.writeUInt32BE(9, 80);
  c.send(badEvent, t.udpPort!);
  r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'error' && /event/.test(r.message));
  const port0 = Buffer.from(full);
  port0.writeUInt16BE(0, 96);
  c.send(port0, t.udpPort!);
  r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'error' && /port/.test(r.message));
  // Extra bytes after the 98 (BEP 41 options) are accepted.
  c.send(Buffer.concat([full, Buffer.from([2, 5, 47, 97, 98, 99, 100, 0])]), t.udpPort!);
  assert.equal(decodeUdpResponse(await c.next()).type, 'announce');
  // Connect with a wrong protocol id: silence.
  const badConnect = encodeConnectRequest(5);
  badConnect[0] = 1;
  assert.ok(await silent(badConnect));
  // More than 74 hashes: an error, not a huge reply.
  const many = Buffer.concat([encodeUdpScrapeRequest(id, 80, [infoHash(1)]), Buffer.alloc(20 * 80)]);
  c.send(many, t.udpPort!);
  r = decodeUdpResponse(await c.next());
  assert.ok(r.type === 'error');
});

test('announce replies are capped by the amplification factor', async () => {
  const id = await connectId();
  const h = infoHash(300);
  // 60 peers (distinct ports from one client socket are distinct peers).
  for (let i = 0; i < 60; i++) {
    c.send(encodeUdpAnnounceRequest(id, i, areq({ infoHash: h, port: 10_000 + i, numWant: 0 })), t.udpPort!);
    await c.next();
  }
  c.send(encodeUdpAnnounceRequest(id, 99, areq({ infoHash: h, port: 20_000, numWant: 1000 })), t.udpPort!);
  const m = await c.next();
  // Request 98 bytes x 2 = 196 bytes: 20-byte header + 29 peers.
  assert.ok(m.length <= 98 * 2, `reply of ${m.length} bytes`);
  const r = decodeUdpResponse(m);
  assert.ok(r.type === 'announce');
  assert.equal(r.peers.length / 6, 29);
  assert.equal(r.leechers, 61);
});
