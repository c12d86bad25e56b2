import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { decode } from '../../src/bencode/decode.js';
import { buildAnnounceUrl, buildScrapeUrl, parseAnnounceQuery, parseScrapeQuery, scrapeUrlOf, type AnnounceRequest } from '../../src/tracker/protocol/announce.js';
import { decodeCompactPeers, encodeCompactPeer, encodeCompactPeers, normalizeIp } from '../../src/tracker/protocol/compact.js';
import { TrackerProtocolError } from '../../src/tracker/protocol/errors.js';
import {
  decodeAnnounceResponse,
  decodeScrapeResponse,
  encodeAnnounceCompact,
  encodeAnnounceDicts,
  encodeFailure,
  encodeScrapeResponse,
} from '../../src/tracker/protocol/http-response.js';
import { parseQuery, percentDecode, percentEncode } from '../../src/tracker/protocol/query.js';

const bytes20 = fc.uint8Array({ minLength: 20, maxLength: 20 });

test('percent encoding round-trips every byte string', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      assert.equal(percentDecode(percentEncode(b)), Buffer.from(b).toString('latin1'));
    }),
  );
});

test('parseQuery: repeated keys, empty pairs, keys without values; bad escapes throw typed errors', () => {
  const q = parseQuery('a=1&&a=2&b&c=%41%42+');
  assert.deepEqual(q.get('a'), ['1', '2']);
  assert.deepEqual(q.get('b'), ['']);
  assert.deepEqual(q.get('c'), ['AB+']);
  for (const bad of ['a=%', 'a=%4', 'a=%g0', 'a=%0g', 'a= b', 'a=\u00e9']) {
    assert.throws(() => parseQuery(bad), (e: unknown) => e instanceof TrackerProtocolError && e.code === 'ETRACKER_PROTOCOL', bad);
  }
  assert.throws(() => parseQuery('x'.repeat(5000)), { reason: 'too_long' } as object);
  assert.throws(() => parseQuery('a=1&'.repeat(200)), { reason: 'too_many_params' } as object);
});

test('parseQuery never throws anything but TrackerProtocolError on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        parseQuery(s);
      } catch (e) {
        assert.ok(e instanceof TrackerProtocolError);
      }
    }),
  );
});

test('announce URL building and parsing round-trip', () => {
  fc.assert(
    fc.property(
      bytes20,
      bytes20,
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom('none', 'started', 'completed', 'stopped'),
      fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
      fc.boolean(),
      fc.nat(),
      (infoHash, peerId, port, event, numWant, compact, left) => {
        const r: AnnounceRequest = { infoHash, peerId, port, uploaded: 5, downloaded: 6, left, event: event as AnnounceRequest['event'], numWant, compact, noPeerId: false, key: 'k1' };
        const url = buildAnnounceUrl('http://t.example/announce?passkey=abc', r);
        const q = parseQuery(url.slice(url.indexOf('?') + 1));
        assert.deepEqual(q.get('passkey'), ['abc']);
        const p = parseAnnounceQuery(q);
        assert.deepEqual(Buffer.from(p.infoHash), Buffer.from(infoHash));
        assert.deepEqual(Buffer.from(p.peerId), Buffer.from(peerId));
        assert.deepEqual([p.port, p.event, p.numWant, p.compact, p.left, p.key], [port, event, numWant, compact, left, 'k1']);
      },
    ),
  );
});

test('scrape URLs (BEP 48) and scrape queries', () => {
  assert.equal(scrapeUrlOf('http://x/announce'), 'http://x/scrape');
  assert.equal(scrapeUrlOf('http://x/a/announce.php?k=1'), 'http://x/a/scrape.php?k=1');
  assert.equal(scrapeUrlOf('http://x/announce/x'), undefined);
  assert.equal(scrapeUrlOf('http://x/a'), undefined);
  const h = Buffer.alloc(20, 7);
  const url = buildScrapeUrl('http://x/scrape', [h, h]);
  const hs = parseScrapeQuery(parseQuery(url.split('?')[1]!));
  assert.equal(hs.length, 2);
  assert.throws(() => parseScrapeQuery(parseQuery('info_hash=abc')), { reason: 'bad_info_hash' } as object);
  assert.throws(() => parseScrapeQuery(parseQuery(buildScrapeUrl('', new Array(3).fill(h)).slice(1)), 2), { reason: 'too_many_params' } as object);
});

test('compact peers (BEP 23, BEP 7) round-trip and normalize mapped addresses', () => {
  assert.equal(Buffer.from(encodeCompactPeer('10.0.0.1', 6881)).toString('hex'), '0a0000011ae1');
  assert.equal(Buffer.from(encodeCompactPeer('::ffff:10.0.0.1', 6881)).toString('hex'), '0a0000011ae1');
  assert.equal(Buffer.from(encodeCompactPeer('2001:db8::1', 80)).toString('hex'), '20010db8000000000000000000000001' + '0050');
  assert.equal(normalizeIp('not an ip'), undefined);
  assert.throws(() => encodeCompactPeer('x', 1), TrackerProtocolError);
  assert.throws(() => encodeCompactPeer('1.2.3.4', 70000), TrackerProtocolError);
  assert.throws(() => decodeCompactPeers(new Uint8Array(7), 4), TrackerProtocolError);
  fc.assert(
    fc.property(fc.array(fc.record({ ip: fc.ipV4(), port: fc.integer({ min: 0, max: 65535 }) }), { maxLength: 20 }), (peers) => {
      assert.deepEqual(decodeCompactPeers(encodeCompactPeers(peers, 4), 4), peers.map((p) => ({ ip: p.ip, port: p.port })));
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 18, maxLength: 18 }), (b) => {
      const [p] = decodeCompactPeers(b, 6);
      assert.deepEqual(Buffer.from(encodeCompactPeer(p!.ip, p!.port)), Buffer.from(b));
    }),
  );
});

test('announce responses: compact, peers6, dictionaries and failures decode back', () => {
  const f = { complete: 3, incomplete: 4, downloaded: 5, interval: 1800, minInterval: 900 };
  const p4 = encodeCompactPeers([{ ip: '1.2.3.4', port: 5 }], 4);
  const p6 = encodeCompactPeers([{ ip: '2001:db8::2', port: 6 }], 6);
  const buf = encodeAnnounceCompact(f, p4, p6);
  // Canonical bencode: decodes strictly (sorted keys).
  assert.ok(decode(buf, { strict: true }) instanceof Map);
  const r = decodeAnnounceResponse(buf);
  assert.deepEqual(r, { type: 'ok', interval: 1800, minInterval: 900, complete: 3, incomplete: 4, downloaded: 5, peers: [{ ip: '1.2.3.4', port: 5 }, { ip: '2001:db8::2', port: 6 }], warning: undefined, trackerId: undefined });
  const d = decodeAnnounceResponse(encodeAnnounceDicts(f, [{ ip: '1.2.3.4', port: 5, peerId: Buffer.alloc(20, 65) }]));
  assert.ok(d.type === 'ok');
  assert.equal(Buffer.from(d.peers[0]!.peerId!).toString(), 'A'.repeat(20));
  assert.deepEqual(decodeAnnounceResponse(encodeFailure('nope', 5)), { type: 'failure', reason: 'nope', retryIn: 5 });
  assert.throws(() => decodeAnnounceResponse(Buffer.from('garbage')), { reason: 'bad_response' } as object);
  assert.throws(() => decodeAnnounceResponse(Buffer.from('de')), { reason: 'bad_response' } as object);
  assert.throws(() => decodeAnnounceResponse(Buffer.from('d8:intervali1e5:peersi3ee')), TrackerProtocolError);
});

test('scrape responses round-trip with sorted keys', () => {
  const entries = [
    { infoHash: Buffer.alloc(20, 9), complete: 1, incomplete: 2, downloaded: 3 },
    { infoHash: Buffer.alloc(20, 1), complete: 4, incomplete: 5, downloaded: 6 },
  ];
  const buf = encodeScrapeResponse(entries);
  assert.ok(decode(buf, { strict: true }) instanceof Map);
  const r = decodeScrapeResponse(buf);
  assert.ok(r.type === 'ok');
  assert.deepEqual(r.files.map((e) => e.complete).sort(), [1, 4]);
  assert.deepEqual(decodeScrapeResponse(encodeFailure('x')), { type: 'failure', reason: 'x' });
});

test('conformance: announce-compacted-peers.bin decodes', (t) => {
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const file = resolve(repoRoot, '../shared/conformance/bencode/announce-compacted-peers.bin');
  if (!existsSync(file)) {
    t.skip('../shared/conformance not found');
    return;
  }
  const r = decodeAnnounceResponse(readFileSync(file));
  assert.ok(r.type === 'ok');
  assert.ok(r.peers.length > 0);
  for (const p of r.peers) assert.ok(p.port >= 0 && p.port <= 65535 && normalizeIp(p.ip) !== undefined);
});
