import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../../src/wire/extension.js';
import type { ExtensionHandshake } from '../../src/wire/extension.js';
import {
  decodeMetadataMessage, encodeMetadataData, encodeMetadataReject, encodeMetadataRequest, metadataPieceCount, METADATA_PIECE_SIZE,
} from '../../src/wire/metadata.js';
import { decodePex, encodePex, PexFlags } from '../../src/wire/pex.js';
import type { PexMessage } from '../../src/wire/pex.js';
import { ipToBytes, ipToString } from '../../src/wire/address.js';
import { WireError } from '../../src/wire/errors.js';
import { encode } from '../../src/bencode/encode.js';

const withoutRaw = (h: ExtensionHandshake): Omit<ExtensionHandshake, 'raw'> => {
  const { raw, ...rest } = h;
  void raw;
  return rest;
};

test('BEP 10 handshake round-trips every modelled field', () => {
  const h: ExtensionHandshake = {
    m: new Map([['ut_metadata', 3], ['ut_pex', 1], ['lt_donthave', 0]]),
    v: 'shoal 0.1.0 ✓',
    p: 6881,
    reqq: 500,
    yourip: '203.0.113.7',
    metadataSize: 31235,
    ipv4: '198.51.100.1',
    ipv6: '2001:db8::1',
    uploadOnly: true,
  };
  const d = decodeExtensionHandshake(encodeExtensionHandshake(h));
  assert.deepEqual(withoutRaw(d), h);
  assert.ok(d.raw instanceof Map);
  const y6 = decodeExtensionHandshake(encodeExtensionHandshake({ m: new Map(), yourip: '::ffff:10.0.0.1' }));
  assert.equal(y6.yourip, '::ffff:10.0.0.1');
});

test('BEP 10 handshake: the BEP 9 example and lenient field handling', () => {
  const d = decodeExtensionHandshake(Buffer.from('d1:md11:ut_metadatai3ee13:metadata_sizei31235ee'));
  assert.deepEqual([...d.m], [['ut_metadata', 3]]);
  assert.equal(d.metadataSize, 31235);
  // Unsorted keys, wrong types and out-of-range values: dropped, not fatal.
  const odd = Buffer.from('d1:pi70000e4:reqqi-1e1:v3:abc6:yourip3:abc1:md1:ai300e1:bi2e1:c1:xe4:ipv44:1234e');
  const o = decodeExtensionHandshake(odd);
  assert.deepEqual([...o.m], [['b', 2]]);
  assert.equal(o.p, undefined);
  assert.equal(o.reqq, undefined);
  assert.equal(o.yourip, undefined);
  assert.equal(o.v, 'abc');
  assert.equal(o.ipv4, '49.50.51.52');
  // m not a dict: empty map.
  assert.equal(decodeExtensionHandshake(Buffer.from('d1:mli1eee')).m.size, 0);
  // The cap on m entries.
  const many = encode({ m: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, 1])) });
  assert.equal(decodeExtensionHandshake(many, { maxExtensions: 10 }).m.size, 10);
});

test('BEP 10 handshake: malformed payloads are WireErrors', () => {
  const bad = ['', 'i1e', 'le', 'd1:m', 'd1:md11:ut_metadatai3ee13:metadata_sizei0ee', 'd13:metadata_sizei99999999999ee', 'd13:metadata_size3:abce', 'x'];
  for (const s of bad) {
    assert.throws(() => decodeExtensionHandshake(Buffer.from(s)), (e: unknown) => e instanceof WireError && e.reason === 'bad_extension', s);
  }
  const deep = Buffer.from('d1:m' + 'l'.repeat(50) + 'e'.repeat(50) + 'e');
  assert.throws(() => decodeExtensionHandshake(deep), WireError);
  assert.throws(() => decodeExtensionHandshake(Buffer.from('d13:metadata_sizei2000ee'), { maxMetadataSize: 1000 }), WireError);
});

test('BEP 9 ut_metadata: request, data, reject round-trip and match the BEP bytes', () => {
  assert.equal(encodeMetadataRequest(0).toString(), 'd8:msg_typei0e5:piecei0ee');
  assert.equal(encodeMetadataReject(0).toString(), 'd8:msg_typei2e5:piecei0ee');
  assert.deepEqual(decodeMetadataMessage(encodeMetadataRequest(4)), { type: 'request', piece: 4 });
  assert.deepEqual(decodeMetadataMessage(encodeMetadataReject(1)), { type: 'reject', piece: 1 });
  const total = 2 * METADATA_PIECE_SIZE + 100;
  assert.equal(metadataPieceCount(total), 3);
  const full = Buffer.alloc(METADATA_PIECE_SIZE, 1);
  const last = Buffer.alloc(100, 2);
  const d0 = decodeMetadataMessage(encodeMetadataData(0, total, full));
  assert.ok(d0.type === 'data');
  assert.equal(d0.totalSize, total);
  assert.deepEqual(Buffer.from(d0.data), full);
  const d2 = decodeMetadataMessage(encodeMetadataData(2, total, last));
  assert.ok(d2.type === 'data' && d2.piece === 2);
  assert.deepEqual(Buffer.from(d2.data), last);
  const head = 'd8:msg_typei1e5:piecei2e10:total_sizei32868ee';
  assert.equal(encodeMetadataData(2, total, last).subarray(0, head.length).toString(), head);
  assert.throws(() => encodeMetadataData(1, total, last), { code: 'EWIRE_ENCODE' });
  // Unknown msg_type MUST be ignored.
  assert.deepEqual(decodeMetadataMessage(Buffer.from('d8:msg_typei7e5:piecei0ee')), { type: 'unknown', msgType: 7 });
});

test('BEP 9 ut_metadata: malformed messages are WireErrors', () => {
  const bad: Buffer[] = [
    Buffer.from(''),
    Buffer.from('le'),
    Buffer.from('d5:piecei0ee'),
    Buffer.from('d8:msg_typei0ee'),
    Buffer.from('d8:msg_typei0e5:piecei-1ee'),
    Buffer.from('d8:msg_type1:a5:piecei0ee'),
    Buffer.from('d8:msg_typei1e5:piecei0ee'), // data without total_size
    Buffer.from('d8:msg_typei1e5:piecei0e10:total_sizei10eeabc'), // short data
    Buffer.from('d8:msg_typei1e5:piecei1e10:total_sizei10ee0123456789'), // piece beyond size
    Buffer.from('d8:msg_typei1e5:piecei0e10:total_sizei999999999ee'), // size beyond the limit
    Buffer.from('d8:msg_typei0e5:piecei999999ee'), // piece beyond any metadata
  ];
  for (const b of bad) assert.throws(() => decodeMetadataMessage(b), (e: unknown) => e instanceof WireError && e.reason === 'bad_metadata', b.toString());
});

test('BEP 11 ut_pex: IPv4 and IPv6 added/dropped with flags round-trip', () => {
  const m: PexMessage = {
    added: [
      { host: '10.1.2.3', port: 6881, family: 4, flags: PexFlags.seed | PexFlags.reachable },
      { host: '2001:db8::5', port: 51413, family: 6, flags: PexFlags.utp },
      { host: '192.168.0.1', port: 1, family: 4, flags: 0 },
    ],
    dropped: [
      { host: '172.16.0.9', port: 443, family: 4 },
      { host: 'fe80::1:2', port: 9, family: 6 },
    ],
  };
  const d = decodePex(encodePex(m));
  const order = (x: PexMessage): PexMessage => ({ added: [...x.added].sort((a, b) => a.family - b.family), dropped: [...x.dropped].sort((a, b) => a.family - b.family) });
  assert.deepEqual(order(d), order(m));
  assert.deepEqual(decodePex(Buffer.from('de')), { added: [], dropped: [] });
});

test('BEP 11 ut_pex: limits and malformed payloads', () => {
  const many = Buffer.alloc(6 * 500);
  for (let i = 0; i < 500; i++) many.writeUInt16BE(1000 + i, i * 6 + 4);
  const d = decodePex(encode({ added: many }), { maxPeers: 50 });
  assert.equal(d.added.length, 50);
  assert.equal(d.added[0]!.flags, 0, 'missing added.f reads as 0');
  const bad = [encode({ added: Buffer.alloc(7) }), encode({ dropped6: Buffer.alloc(17) }), encode({ added: 5 }), Buffer.from('l'), Buffer.from('dee'), encode([1])];
  for (const b of bad) assert.throws(() => decodePex(b), (e: unknown) => e instanceof WireError && e.reason === 'bad_pex', b.toString('latin1'));
});

test('BEP 11 ut_pex: property round-trip', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((a) => a.join('.'));
  const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipToString(b)!);
  const port = fc.integer({ min: 1, max: 65535 });
  const peer = fc.oneof(
    fc.record({ host: v4, port, family: fc.constant<4>(4), flags: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ host: v6, port, family: fc.constant<6>(6), flags: fc.integer({ min: 0, max: 255 }) }),
  );
  fc.assert(
    fc.property(fc.array(peer, { maxLength: 40 }), (added) => {
      const d = decodePex(encodePex({ added, dropped: [] }));
      const key = (p: { host: string; port: number; flags: number }): string => `${p.host}|${p.port}|${p.flags}`;
      assert.deepEqual(d.added.map(key).sort(), added.map(key).sort());
    }),
    { numRuns: 300 },
  );
});

test('IPv6 text form follows RFC 5952 and parses back', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['0001:0002:0003:0004:0005:0006:0007:0008', '1:2:3:4:5:6:7:8'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
  ];
  for (const [full, short] of cases) {
    const b = Buffer.from(full.replace(/:/g, ''), 'hex');
    assert.equal(ipToString(b), short);
    assert.deepEqual(Buffer.from(ipToBytes(short)!), b);
  }
  assert.equal(ipToBytes('not an ip'), undefined);
  assert.deepEqual([...ipToBytes('::ffff:1.2.3.4')!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => assert.deepEqual(Buffer.from(ipToBytes(ipToString(b)!)!), Buffer.from(b))));
});
