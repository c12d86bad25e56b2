import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { WireDecoder } from '../../src/wire/decoder.js';
import { WireError } from '../../src/wire/errors.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import { ShoalError } from '../../src/core/errors.js';

function frame(len: number, id?: number, payload: number[] = []): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(len);
  return Buffer.concat([b, Buffer.from(id === undefined ? [] : [id, ...payload])]);
}

test('an oversized length is rejected from its 4-byte prefix, before any allocation', () => {
  const d = new WireDecoder({ handshake: false });
  const err = assert.throws(() => d.push(frame(0xffffffff)), (e: unknown) => {
    assert.ok(e instanceof WireError);
    assert.ok(e instanceof ShoalError);
    assert.equal(e.code, 'EWIRE');
    assert.equal(e.reason, 'too_long');
    assert.equal(e.context.length, 0xffffffff);
    return true;
  });
  void err;
  assert.ok(d.bufferedBytes <= 5);
});

test('an oversized length split over chunks is rejected as soon as the prefix is complete', () => {
  const d = new WireDecoder({ handshake: false });
  const f = frame(0x7fffffff);
  d.push(f.subarray(0, 2));
  assert.throws(() => d.push(f.subarray(2, 4)), { code: 'EWIRE', reason: 'too_long' });
});

test('per-id limits apply as soon as the id byte is in (piece, bitfield, extended, unknown)', () => {
  const cases: [number, number, WireDecoder][] = [
    [7, 9 + 16384 + 1, new WireDecoder({ handshake: false })],
    [7, 9 + 65536 + 1, new WireDecoder({ handshake: false, maxBlockLength: 65536 })],
    [5, 1 + 101, new WireDecoder({ handshake: false, maxBitfieldLength: 100 })],
    [5, 1 + (1 << 20) + 1, new WireDecoder({ handshake: false })],
    [20, 1 + 1001, new WireDecoder({ handshake: false, maxExtendedLength: 1000 })],
    [99, 1 + (256 << 10) + 1, new WireDecoder({ handshake: false })],
  ];
  for (const [id, len, d] of cases) {
    assert.throws(() => d.push(frame(len, id)), { code: 'EWIRE', reason: 'too_long' }, `id ${id} len ${len}`);
    assert.ok(d.bufferedBytes <= 5);
  }
  const later = new WireDecoder({ handshake: false });
  later.setMaxBitfieldLength(2);
  assert.throws(() => later.push(frame(4, 5, [0, 0, 0])), { code: 'EWIRE', reason: 'too_long' });
  // Exactly at the limit is fine.
  const ok = new WireDecoder({ handshake: false, maxBitfieldLength: 100 });
  assert.equal(ok.push(Buffer.concat([frame(101, 5), Buffer.alloc(100)]))[0]!.type, 'bitfield');
});

test('fixed-size messages with a wrong length are violations', () => {
  const fixed: [number, number][] = [
    [0, 1], [1, 1], [2, 1], [3, 1], [4, 5], [6, 13], [8, 13], [9, 3], [13, 5], [14, 1], [15, 1], [16, 13], [17, 5],
  ];
  for (const [id, len] of fixed) {
    for (const bad of [len - 1, len + 1, len + 100]) {
      if (bad < 1) continue;
      const d = new WireDecoder({ handshake: false });
      assert.throws(() => d.push(Buffer.concat([frame(bad, id), Buffer.alloc(Math.max(0, bad - 1))])), { code: 'EWIRE', reason: 'bad_length' }, `id ${id} length ${bad}`);
    }
  }
  // piece needs index and begin; extended needs its extended id.
  assert.throws(() => new WireDecoder({ handshake: false }).push(Buffer.concat([frame(8, 7), Buffer.alloc(7)])), { reason: 'bad_length' });
  assert.throws(() => new WireDecoder({ handshake: false }).push(frame(1, 20)), { reason: 'bad_length' });
});

test('unknown ids are surfaced for the engine to ignore, not thrown', () => {
  const out = new WireDecoder({ handshake: false }).push(Buffer.concat([frame(3, 200, [1, 2]), frame(1, 10)]));
  assert.deepEqual(out.map((m) => m.type), ['unknown', 'unknown']);
});

test('random bytes never throw anything but WireError (with and without handshake)', () => {
  const hs = encodeHandshake({ infoHash: Buffer.alloc(20), peerId: Buffer.alloc(20) });
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (withHs, chunks) => {
      const d = new WireDecoder({ handshake: withHs, emitInfoHash: true, maxBitfieldLength: 64 });
      try {
        if (withHs) d.push(hs);
        for (const c of chunks) d.push(c);
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        assert.equal(e.code, 'EWIRE');
      }
      assert.ok(d.bufferedBytes <= 68 + 5 + (256 << 10));
    }),
    { numRuns: 3000 },
  );
});

test('random small-length frames: every outcome is a message or a WireError', () => {
  // Biased toward plausible frames (small lengths, known ids) so the parser bodies run.
  const framed = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 25 }), fc.uint8Array({ maxLength: 40 })).map(([len, id, rest]) =>
    Buffer.concat([frame(len, id), rest]),
  );
  let messages = 0;
  fc.assert(
    fc.property(fc.array(framed, { maxLength: 8 }), (frames) => {
      const d = new WireDecoder({ handshake: false });
      try {
        messages += d.push(Buffer.concat(frames)).length;
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(messages > 100, 'the generator reaches the message parsers');
});
