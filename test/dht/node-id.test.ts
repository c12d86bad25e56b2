// BEP 42 secure node ids: the BEP's examples, the shared conformance vectors, local exemptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../helpers/cli.js';
import { commonPrefixBits, compareDistance, crc32c, isLocalAddress, isSecureNodeId, randomIdInBucket, secureNodeId } from '../../src/dht/node-id.js';

// The example table printed in BEP 42 (IP, rand, an example id whose checked parts are valid).
const BEP42_EXAMPLES: [string, number, string][] = [
  ['124.31.75.21', 1, '5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401'],
  ['21.75.31.124', 86, '5a3ce9c14e7a08645677bbd1cfe7d8f956d53256'],
  ['65.23.51.170', 22, 'a5d43220bc8f112a3d426c84764f8c2a1150e616'],
  ['84.124.73.14', 65, '1b0321dd1bb1fe518101ceef99462b947a01ff41'],
  ['43.213.53.83', 90, 'e56f6cbf5b7c4be0237986d5243b87aa6d51305a'],
];

function checkRow(ip: string, rand: number, hex: string): void {
  const example = Buffer.from(hex, 'hex');
  assert.ok(isSecureNodeId(example, ip), `${hex} is valid for ${ip}`);
  const mine = secureNodeId(ip, rand);
  assert.equal(mine[0], example[0], `${ip} byte 0`);
  assert.equal(mine[1], example[1], `${ip} byte 1`);
  assert.equal(mine[2]! & 0xf8, example[2]! & 0xf8, `${ip} byte 2 (top 5 bits)`);
  assert.equal(mine[19], rand);
  assert.ok(isSecureNodeId(mine, ip));
  // Any change in the checked 21 bits, or in r, makes it invalid.
  for (const [byte, bit] of [[0, 0x80], [1, 0x01], [2, 0x08], [19, 0x01]] as const) {
    const bad = Buffer.from(example);
    bad[byte] = bad[byte]! ^ bit;
    assert.equal(isSecureNodeId(bad, ip), false, `${ip}: flipping byte ${byte} bit ${bit}`);
  }
}

test('CRC-32C check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')).toString(16), 'e3069283');
});

test("BEP 42's own example table", () => {
  for (const [ip, rand, hex] of BEP42_EXAMPLES) checkRow(ip, rand, hex);
});

test('BEP 42 vectors from shared/conformance/vectors.md', (t) => {
  const path = join(sharedDir, 'conformance', 'vectors.md');
  if (!existsSync(path)) {
    t.skip('../shared/conformance/vectors.md not found');
    return;
  }
  const text = readFileSync(path, 'utf8');
  const section = text.slice(text.indexOf('## 2. BEP 42'), text.indexOf('\n## 3.') > 0 ? text.indexOf('\n## 3.') : undefined);
  const rows = [...section.matchAll(/^\|\s*(\d+\.\d+\.\d+\.\d+)\s*\|\s*(\d+)\s*\|\s*([0-9a-f]{40})\s*\|/gm)];
  assert.ok(rows.length >= 5, `found ${rows.length} vector rows`);
  for (const m of rows) checkRow(m[1]!, Number(m[2]), m[3]!);
  // The computed table: masked input and CRC per row.
  const crcRows = [...section.matchAll(/^\|\s*(\d+\.\d+\.\d+\.\d+)\s*\|\s*(\d)\s*\|\s*([0-9a-f]{8})\s*\|\s*([0-9a-f]{8})\s*\|/gm)];
  assert.ok(crcRows.length >= 5);
  for (const m of crcRows) assert.equal(crc32c(Buffer.from(m[3]!, 'hex')).toString(16).padStart(8, '0'), m[4], m[1]);
  t.diagnostic(`${rows.length} id vectors, ${crcRows.length} CRC rows`);
});

test('local addresses are exempt; IPv6 ids round-trip', () => {
  for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.0.9', '::1', 'fe80::1', 'fd00::5']) {
    assert.ok(isLocalAddress(ip), ip);
    assert.ok(isSecureNodeId(Buffer.alloc(20, 0xab), ip), `${ip} exempt`);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '11.0.0.1']) assert.equal(isLocalAddress(ip), false, ip);
  for (const ip of ['2001:db8::1', '2a00:1450:4001:81c::200e']) {
    for (let r = 0; r < 8; r++) {
      const id = secureNodeId(ip, r * 31);
      assert.ok(isSecureNodeId(id, ip));
      assert.equal(isSecureNodeId(id, '2a01:4f8:1:2::3'), false, `${ip} id is not valid for another prefix`);
    }
  }
  assert.equal(isSecureNodeId(Buffer.alloc(20), '8.8.8.8'), false);
});

test('XOR metric helpers', () => {
  const a = Buffer.alloc(20);
  const b = Buffer.alloc(20);
  b[0] = 0x10;
  assert.equal(commonPrefixBits(a, b), 3);
  assert.equal(commonPrefixBits(a, a), 160);
  const c = Buffer.alloc(20);
  c[19] = 1;
  assert.ok(compareDistance(a, c, b) < 0);
  for (let bits = 0; bits < 160; bits += 7) assert.equal(commonPrefixBits(a, randomIdInBucket(a, bits)), bits);
});
