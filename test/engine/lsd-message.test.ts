import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeLsd, lsdHost, lsdPackets, LsdError, LSD_MAX_PACKET, parseLsd } from '../../src/engine/lsd-message.js';

const H1 = '0123456789abcdef0123456789abcdef01234567';
const H2 = 'ffffffffffffffffffffffffffffffffffffffff';
const HOST = '239.192.152.143:6771';

test('BEP 14 announce: exact bytes, and parsed back', () => {
  const b = encodeLsd({ host: HOST, port: 6881, infoHashes: [H1], cookie: 'c00k1e' });
  assert.equal(b.toString('latin1'), `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 6881\r\nInfohash: ${H1}\r\ncookie: c00k1e\r\n\r\n\r\n`);
  assert.deepEqual(parseLsd(b), { host: HOST, port: 6881, infoHashes: [H1], cookie: 'c00k1e' });
  assert.equal(lsdHost('ff15::efc0:988f', 6771), '[ff15::efc0:988f]:6771');
});

test('several Infohash headers, names in any case, unknown headers skipped, one CRLF at the end accepted', () => {
  const s = `BT-SEARCH * HTTP/1.1\r\nhost: ${HOST}\r\nPORT: 51413\r\nInfohash: ${H1}\r\nINFOHASH: ${H2.toUpperCase()}\r\nX-Other: 1\r\n\r\n`;
  assert.deepEqual(parseLsd(Buffer.from(s)), { host: HOST, port: 51413, infoHashes: [H1, H2] });
});

test('malformed announces are LsdErrors', () => {
  const ok = `Host: ${HOST}\r\nPort: 6881\r\nInfohash: ${H1}\r\n`;
  const bad = [
    '',
    `M-SEARCH * HTTP/1.1\r\n${ok}\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}`, // no blank line
    `BT-SEARCH * HTTP/1.1\n${ok}\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nInfohash: ${H1}\r\n\r\n`, // no port
    `BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: ${H1}\r\n\r\n`, // no host
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 6881\r\n\r\n`, // no infohash
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 0\r\nInfohash: ${H1}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 65536\r\nInfohash: ${H1}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 68x1\r\nInfohash: ${H1}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 6881\r\nPort: 6882\r\nInfohash: ${H1}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 6881\r\nInfohash: ${H1.slice(1)}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\nHost: ${HOST}\r\nPort: 6881\r\nInfohash: ${H1.slice(1)}g\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}no colon\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}\r\n\r\ntrailing`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}cookie: \r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}${'X: y\r\n'.repeat(41)}\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}X: ${'y'.repeat(300)}\r\n\r\n`,
    `BT-SEARCH * HTTP/1.1\r\n${ok}${' '.repeat(1400)}\r\n\r\n`,
  ];
  for (const s of bad) assert.throws(() => parseLsd(Buffer.from(s, 'latin1')), LsdError, JSON.stringify(s.slice(0, 80)));
});

test('encode refuses what it cannot send', () => {
  assert.throws(() => encodeLsd({ host: HOST, port: 0, infoHashes: [H1] }), LsdError);
  assert.throws(() => encodeLsd({ host: HOST, port: 1, infoHashes: [] }), LsdError);
  assert.throws(() => encodeLsd({ host: HOST, port: 1, infoHashes: ['xyz'] }), LsdError);
  assert.throws(() => encodeLsd({ host: HOST, port: 1, infoHashes: [H1], cookie: 'has space' }), LsdError);
  assert.throws(() => encodeLsd({ host: HOST, port: 1, infoHashes: new Array<string>(30).fill(H1) }), LsdError);
});

test('lsdPackets: every hash once, each packet at most 1400 bytes and parseable', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 20, maxLength: 20 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 65535 }), fc.option(fc.stringMatching(/^[a-z0-9]{1,64}$/), { nil: undefined }), (hs, port, cookie) => {
      const hexes = hs.map((h) => Buffer.from(h).toString('hex'));
      const packets = lsdPackets(HOST, port, hexes, cookie);
      const seen: string[] = [];
      for (const p of packets) {
        assert.ok(p.bytes.length <= LSD_MAX_PACKET);
        const a = parseLsd(p.bytes);
        assert.deepEqual(a.infoHashes, p.infoHashes);
        assert.equal(a.port, port);
        assert.equal(a.cookie, cookie);
        seen.push(...a.infoHashes);
      }
      assert.deepEqual(seen, hexes);
    }),
    { numRuns: 200 },
  );
});

test('random and mutated datagrams: parseLsd returns an announce or throws LsdError, nothing else', () => {
  const good = encodeLsd({ host: HOST, port: 6881, infoHashes: [H1, H2], cookie: 'abc' });
  const check = (b: Uint8Array): void => {
    try {
      const a = parseLsd(b);
      assert.ok(a.port >= 1 && a.port <= 65535 && a.infoHashes.length >= 1);
    } catch (e) {
      assert.ok(e instanceof LsdError, String(e));
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), check), { numRuns: 500 });
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(good.length), (i, v, cut) => {
      const m = Buffer.from(good);
      m[i] = v;
      check(m);
      check(m.subarray(0, cut));
    }),
    { numRuns: 2000 },
  );
});
