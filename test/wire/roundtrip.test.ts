import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { WireDecoder } from '../../src/wire/decoder.js';
import {
  CHOKE, HAVE_ALL, HAVE_NONE, INTERESTED, KEEP_ALIVE, NOT_INTERESTED, UNCHOKE,
  encodeMessage, encodePiece, encodePieceHeader, encodeRequest, encodeHave, encodePort, encodeExtended,
} from '../../src/wire/encode.js';
import { MessageId } from '../../src/wire/ids.js';
import { encodeHandshake, extensionsOf, reservedBytes, HANDSHAKE_LENGTH } from '../../src/wire/handshake.js';
import type { WireMessage } from '../../src/wire/messages.js';
import { plain, wireMessage } from './arbitraries.js';

test('every message type round-trips through encodeMessage and the decoder', () => {
  fc.assert(
    fc.property(wireMessage, (m) => {
      const out = new WireDecoder({ handshake: false }).push(encodeMessage(m));
      assert.equal(out.length, 1);
      assert.deepEqual(plain(out[0]!), plain(m));
    }),
    { numRuns: 2000 },
  );
});

test('all 18 message kinds are covered by the arbitrary', () => {
  const seen = new Set<string>();
  fc.assert(fc.property(wireMessage, (m) => void seen.add(m.type)), { numRuns: 3000, seed: 1 });
  assert.equal(seen.size, 18);
});

test('fixed encodings match BEP 3 / BEP 6 bytes exactly', () => {
  assert.equal(KEEP_ALIVE.toString('hex'), '00000000');
  assert.equal(CHOKE.toString('hex'), '0000000100');
  assert.equal(UNCHOKE.toString('hex'), '0000000101');
  assert.equal(INTERESTED.toString('hex'), '0000000102');
  assert.equal(NOT_INTERESTED.toString('hex'), '0000000103');
  assert.equal(HAVE_ALL.toString('hex'), '000000010e');
  assert.equal(HAVE_NONE.toString('hex'), '000000010f');
  assert.equal(encodeHave(0x01020304).toString('hex'), '000000050401020304');
  assert.equal(encodeRequest(1, 16384, 16384).toString('hex'), '0000000d06000000010000400000004000');
  assert.equal(encodePort(6881).toString('hex'), '00000003091ae1');
  assert.equal(encodeExtended(0, Buffer.from('de')).toString('hex'), '000000041400' + '6465');
  assert.equal(MessageId.extended, 20);
});

test('encodePiece keeps the block as is (no copy) behind a 13-byte header', () => {
  const block = Buffer.alloc(16384, 7);
  const [header, body] = encodePiece(3, 32768, block);
  assert.equal(body, block);
  assert.equal(header.toString('hex'), '0000400907' + '00000003' + '00008000');
  assert.deepEqual(encodePieceHeader(3, 32768, 16384), header);
});

test('encoders reject out-of-range numbers', () => {
  assert.throws(() => encodeRequest(-1, 0, 1), { code: 'EWIRE_ENCODE' });
  assert.throws(() => encodeRequest(0, 2 ** 32, 1), { code: 'EWIRE_ENCODE' });
  assert.throws(() => encodeHave(1.5), { code: 'EWIRE_ENCODE' });
  assert.throws(() => encodePort(65536), { code: 'EWIRE_ENCODE' });
  assert.throws(() => encodeExtended(256, new Uint8Array(0)), { code: 'EWIRE_ENCODE' });
});

test('handshake encodes, decodes and carries the BEP 5/6/10 reserved bits', () => {
  const infoHash = Buffer.alloc(20, 0xab);
  const peerId = Buffer.from('-SH0001-abcdefghijkl');
  const hs = encodeHandshake({ infoHash, peerId, extensions: { extended: true, fast: true, dht: true } });
  assert.equal(hs.length, HANDSHAKE_LENGTH);
  assert.equal(hs.subarray(0, 20).toString('latin1'), '\x13BitTorrent protocol');
  assert.equal(hs.subarray(20, 28).toString('hex'), '0000000000100005');
  const d = new WireDecoder();
  const out = d.push(Buffer.concat([hs, INTERESTED]));
  assert.equal(out.length, 2);
  const h = out[0]!;
  assert.ok(h.type === 'handshake');
  assert.deepEqual(Buffer.from(h.infoHash), infoHash);
  assert.deepEqual(Buffer.from(h.peerId), peerId);
  assert.deepEqual(extensionsOf(h.reserved), { extended: true, fast: true, dht: true });
  assert.deepEqual(extensionsOf(reservedBytes({ fast: true })), { extended: false, fast: true, dht: false });
  assert.equal(out[1]!.type, 'interested');
  assert.ok(d.handshakeDone);
});

test('incoming side: the info-hash is exposed before the peer id arrives', () => {
  const infoHash = Buffer.alloc(20, 1);
  const hs = encodeHandshake({ infoHash, peerId: Buffer.alloc(20, 2) });
  const d = new WireDecoder({ emitInfoHash: true });
  assert.deepEqual(d.push(hs.subarray(0, 47)), []);
  const early = d.push(hs.subarray(47, 50));
  assert.equal(early.length, 1);
  assert.ok(early[0]!.type === 'handshake-info-hash');
  assert.deepEqual(Buffer.from(early[0]!.infoHash), infoHash);
  const rest = d.push(hs.subarray(50));
  assert.deepEqual(rest.map((m) => m.type), ['handshake']);
});

test('a wrong protocol string is refused at the first wrong byte', () => {
  const d = new WireDecoder();
  assert.throws(() => d.push(Buffer.from([18])), { code: 'EWIRE', reason: 'bad_handshake' });
  const d2 = new WireDecoder();
  assert.throws(() => d2.push(Buffer.from('\x13BitTorrent protocoX', 'latin1')), { code: 'EWIRE' });
  const d3 = new WireDecoder();
  assert.throws(() => d3.push(Buffer.from('GET / HTTP/1.1\r\n')), { code: 'EWIRE' });
  // After a violation the decoder stays failed.
  assert.throws(() => d3.push(Buffer.alloc(1)), { code: 'EWIRE' });
});

test('piece blocks of messages inside one chunk are views of that chunk (zero-copy)', () => {
  const block = Buffer.alloc(16384, 9);
  const chunk = Buffer.concat([...encodePiece(1, 0, block), ...encodePiece(1, 16384, block)]);
  const out = new WireDecoder({ handshake: false }).push(chunk) as WireMessage[];
  assert.equal(out.length, 2);
  for (const m of out) {
    assert.ok(m.type === 'piece');
    assert.equal(m.block.buffer, chunk.buffer);
    assert.equal(m.block.length, 16384);
  }
});
