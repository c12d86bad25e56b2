import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { TrackerProtocolError } from '../../src/tracker/protocol/errors.js';
import {
  decodeUdpRequest,
  decodeUdpResponse,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeUdpAnnounceRequest,
  encodeUdpAnnounceResponse,
  encodeUdpError,
  encodeUdpScrapeRequest,
  encodeUdpScrapeResponse,
} from '../../src/tracker/protocol/udp.js';

test('connect request is the 16 bytes of BEP 15', () => {
  assert.equal(encodeConnectRequest(0x01020304).toString('hex'), '0000041727101980' + '00000000' + '01020304');
  const r = decodeUdpRequest(encodeConnectRequest(9));
  assert.deepEqual(r, { type: 'connect', transactionId: 9 });
  const resp = decodeUdpResponse(encodeConnectResponse(9, Buffer.from('0102030405060708', 'hex')));
  assert.ok(resp.type === 'connect');
  assert.equal(Buffer.from(resp.connectionId).toString('hex'), '0102030405060708');
});

test('announce request round-trips through the server-side decoder', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom('none', 'started', 'completed', 'stopped'),
      fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      (cid, tid, h, port, event, numWant, left) => {
        const req: AnnounceRequest = { infoHash: h, peerId: h, port, uploaded: 1, downloaded: 2, left, event: event as AnnounceRequest['event'], numWant, compact: true, noPeerId: true };
        const d = decodeUdpRequest(encodeUdpAnnounceRequest(cid, tid, req, { key: 7 }));
        assert.ok(d.type === 'announce');
        assert.deepEqual([d.transactionId, d.port, d.event, d.numWant, d.left, d.uploaded, d.downloaded, d.keyNum], [tid, port, event, numWant, left, 1, 2, 7]);
        assert.deepEqual(Buffer.from(d.connectionId), Buffer.from(cid));
        assert.deepEqual(Buffer.from(d.infoHash), Buffer.from(h));
      },
    ),
  );
});

test('scrape and responses round-trip', () => {
  const cid = randomBytes(8);
  const hs = [randomBytes(20), randomBytes(20)];
  const d = decodeUdpRequest(encodeUdpScrapeRequest(cid, 3, hs));
  assert.ok(d.type === 'scrape');
  assert.deepEqual(d.infoHashes.map((h) => Buffer.from(h)), hs);
  const files = [{ complete: 1, incomplete: 2, downloaded: 3 }];
  assert.deepEqual(decodeUdpResponse(encodeUdpScrapeResponse(3, files)), { type: 'scrape', transactionId: 3, files });
  const peers = randomBytes(36);
  const a = decodeUdpResponse(encodeUdpAnnounceResponse(4, 1800, 5, 6, peers));
  assert.ok(a.type === 'announce');
  assert.deepEqual([a.interval, a.leechers, a.seeders, Buffer.from(a.peers)], [1800, 5, 6, peers]);
  const a6 = decodeUdpResponse(encodeUdpAnnounceResponse(4, 1800, 5, 6, peers), 6);
  assert.ok(a6.type === 'announce' && a6.peers.length === 36);
  assert.deepEqual(decodeUdpResponse(encodeUdpError(5, 'bad thing')), { type: 'error', transactionId: 5, message: 'bad thing' });
  assert.equal(encodeUdpError(5, 'x'.repeat(500), 10).length, 18);
  assert.throws(() => encodeUdpScrapeRequest(cid, 1, []), TrackerProtocolError);
  assert.throws(() => encodeUdpAnnounceRequest(randomBytes(7), 1, { infoHash: hs[0]!, peerId: hs[0]!, port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'none', numWant: undefined, compact: true, noPeerId: true }), TrackerProtocolError);
});

test('every length 0..255 of every action decodes or throws TrackerProtocolError only', () => {
  for (const action of [0, 1, 2, 3, 4, -1]) {
    for (let len = 0; len <= 255; len++) {
      for (let k = 0; k < 4; k++) {
        const b = randomBytes(len);
        if (k & 1 && len >= 8) Buffer.from('0000041727101980', 'hex').copy(b, 0);
        if (len >= 12) b.writeInt32BE(action, 8);
        try {
          const r = decodeUdpRequest(b);
          if (r.type === 'announce') assert.ok(len >= 98);
          if (r.type === 'scrape') assert.ok(len >= 36 && (len - 16) % 20 === 0);
          if (r.type === 'connect') assert.ok(len >= 16);
        } catch (e) {
          assert.ok(e instanceof TrackerProtocolError, String(e));
        }
        try {
          decodeUdpResponse(b);
        } catch (e) {
          assert.ok(e instanceof TrackerProtocolError, String(e));
        }
      }
    }
  }
});
