import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { WireDecoder } from '../../src/wire/decoder.js';
import { encodeMessage } from '../../src/wire/encode.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import type { DecodedMessage, WireMessage } from '../../src/wire/messages.js';
import { plain, wireMessage } from './arbitraries.js';

function decodeChunks(chunks: Uint8Array[], handshake: boolean): unknown[] {
  const d = new WireDecoder({ handshake, emitInfoHash: handshake });
  const out: DecodedMessage[] = [];
  for (const c of chunks) out.push(...d.push(c));
  assert.equal(d.bufferedBytes, 0, 'nothing left over at the end of the stream');
  return out.map(plain);
}

// One of every kind, including sizes that straddle the 5-byte header in interesting ways.
const fixedStream: WireMessage[] = [
  { type: 'keep-alive' },
  { type: 'choke' },
  { type: 'keep-alive' },
  { type: 'keep-alive' },
  { type: 'unchoke' },
  { type: 'interested' },
  { type: 'not-interested' },
  { type: 'have', index: 0xdeadbeef },
  { type: 'bitfield', bitfield: Buffer.from([0xff, 0x80]) },
  { type: 'bitfield', bitfield: new Uint8Array(0) },
  { type: 'request', index: 1, begin: 16384, length: 16384 },
  { type: 'piece', index: 1, begin: 16384, block: Buffer.from('hello world') },
  { type: 'piece', index: 2, begin: 0, block: new Uint8Array(0) },
  { type: 'cancel', index: 1, begin: 16384, length: 16384 },
  { type: 'port', port: 6881 },
  { type: 'suggest', index: 5 },
  { type: 'have-all' },
  { type: 'have-none' },
  { type: 'reject', index: 7, begin: 0, length: 100 },
  { type: 'allowed-fast', index: 9 },
  { type: 'extended', extId: 0, payload: Buffer.from('d1:md11:ut_metadatai3eee') },
  { type: 'extended', extId: 3, payload: new Uint8Array(0) },
  { type: 'unknown', id: 21, payload: Buffer.from([1, 2, 3]) },
  { type: 'keep-alive' },
];

test('a stream split at EVERY offset (two chunks) decodes identically', () => {
  const hs = encodeHandshake({ infoHash: Buffer.alloc(20, 0x11), peerId: Buffer.alloc(20, 0x22), extensions: { fast: true, extended: true } });
  const stream = Buffer.concat([hs, ...fixedStream.map(encodeMessage)]);
  const whole = decodeChunks([stream], true);
  assert.equal(whole.length, fixedStream.length + 2);
  assert.deepEqual(whole.slice(2), fixedStream.map(plain));
  for (let i = 0; i <= stream.length; i++) {
    assert.deepEqual(decodeChunks([stream.subarray(0, i), stream.subarray(i)], true), whole, `split at ${i}`);
  }
});

test('a stream split at every pair of offsets (three chunks) decodes identically', () => {
  const stream = Buffer.concat(fixedStream.slice(5, 16).map(encodeMessage));
  const whole = decodeChunks([stream], false);
  for (let i = 0; i <= stream.length; i++) {
    for (let j = i; j <= stream.length; j++) {
      assert.deepEqual(decodeChunks([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)], false), whole, `split at ${i},${j}`);
    }
  }
});

test('a stream fed one byte at a time decodes identically (fresh copies, not views)', () => {
  const hs = encodeHandshake({ infoHash: Buffer.alloc(20, 3), peerId: Buffer.alloc(20, 4) });
  const stream = Buffer.concat([hs, ...fixedStream.map(encodeMessage)]);
  const whole = decodeChunks([stream], true);
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) bytes.push(Uint8Array.of(stream[i]!));
  assert.deepEqual(decodeChunks(bytes, true), whole);
});

test('property: random message streams split at random offsets decode identically', () => {
  fc.assert(
    fc.property(fc.array(wireMessage, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
      const stream = Buffer.concat(msgs.map(encodeMessage));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let prev = 0;
      for (const p of points) {
        chunks.push(stream.subarray(prev, p));
        prev = p;
      }
      chunks.push(stream.subarray(prev));
      assert.deepEqual(decodeChunks(chunks, false), msgs.map(plain));
    }),
    { numRuns: 500 },
  );
});

test('a large piece straddling 64 KiB chunks is gathered once and intact', () => {
  const block = Buffer.alloc(16384);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
  const msgs: WireMessage[] = [];
  for (let i = 0; i < 20; i++) msgs.push({ type: 'piece', index: i, begin: 0, block });
  const stream = Buffer.concat(msgs.map(encodeMessage));
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < stream.length; o += 65536) chunks.push(stream.subarray(o, o + 65536));
  const out = decodeChunks(chunks, false);
  assert.deepEqual(out, msgs.map(plain));
});

test('reusePieceBuffer: split pieces are gathered into two buffers in turn, each intact when handled before the next push', () => {
  const msgs: WireMessage[] = [];
  for (let i = 0; i < 24; i++) {
    const block = Buffer.alloc(16384 - (i % 3) * 1000);
    for (let k = 0; k < block.length; k++) block[k] = (k * 7 + i) & 0xff;
    msgs.push({ type: 'piece', index: i, begin: i * 16384, block });
    if (i % 5 === 0) msgs.push({ type: 'have', index: i });
  }
  const stream = Buffer.concat(msgs.map(encodeMessage));
  // Chunks of odd sizes so that many pieces straddle two or three chunks.
  const reused = new WireDecoder({ handshake: false, reusePieceBuffer: true });
  const seen: unknown[] = [];
  const bodies = new Set<ArrayBufferLike>();
  let split = 0;
  const chunks: Uint8Array[] = [];
  for (let o = 0, n = 0; o < stream.length; n++) {
    const size = 5000 + (n % 7) * 1777;
    chunks.push(stream.subarray(o, o + size));
    o += size;
  }
  for (const chunk of chunks) {
    for (const m of reused.push(chunk)) {
      seen.push(plain(m)); // read now, as the engine does
      if (m.type === 'piece' && m.block.buffer !== chunk.buffer) {
        split++;
        bodies.add(m.block.buffer);
      }
    }
  }
  assert.deepEqual(seen, msgs.map(plain));
  assert.ok(split >= 10, `most pieces straddle chunks here (${split})`);
  assert.equal(bodies.size, 2, 'every split piece was gathered into one of the same two buffers');
});
