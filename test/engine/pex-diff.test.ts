import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSelf, pexDiff, usableAddress } from '../../src/engine/pex-peers.js';
import type { PexPeer } from '../../src/wire/pex.js';

const peer = (i: number): PexPeer => ({ host: `10.0.${i >> 8}.${i & 0xff}`, port: 6881, family: 4, flags: 0 });
const key = (p: PexPeer): string => `${p.host}:${p.port}`;

test('pexDiff: capped lists, never the receiver itself, and repeated diffs converge on the truth', () => {
  fc.assert(
    fc.property(fc.array(fc.uniqueArray(fc.nat(300), { maxLength: 150 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 50 }), fc.nat(300), (states, max, selfIdx) => {
      const told = new Map<string, PexPeer>();
      const self = key(peer(selfIdx));
      for (const ids of states) {
        const now = new Map(ids.map((i) => [key(peer(i)), peer(i)]));
        const want = new Set([...now.keys()].filter((k) => k !== self));
        // Send until nothing is left: every message within the caps, added/dropped consistent.
        for (let round = 0; round < 400; round++) {
          const before = new Set(told.keys());
          const { added, dropped } = pexDiff(now, told, self, max);
          assert.ok(added.length <= max && dropped.length <= max);
          for (const a of added) {
            assert.ok(!before.has(key(a)) && now.has(key(a)) && key(a) !== self);
          }
          for (const d of dropped) assert.ok(before.has(`${d.host}:${d.port}`) && !now.has(`${d.host}:${d.port}`));
          if (added.length === 0 && dropped.length === 0) break;
        }
        assert.deepEqual(new Set(told.keys()), want);
      }
    }),
    { numRuns: 200 },
  );
});

test('addresses nobody can dial and our own listener are recognised', () => {
  for (const h of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '239.192.152.143', '::', 'ff02::1', 'example.com', '']) assert.equal(usableAddress(h), false, h);
  for (const h of ['127.0.0.1', '10.1.2.3', '192.0.2.7', '::1', '2001:db8::1']) assert.equal(usableAddress(h), true, h);
  const now = performance.now();
  assert.equal(isSelf('127.0.0.1', 6881, 6881, now), true);
  assert.equal(isSelf('127.0.0.5', 6881, 6881, now), true);
  assert.equal(isSelf('::ffff:127.0.0.1', 6881, 6881, now), true);
  assert.equal(isSelf('127.0.0.1', 6882, 6881, now), false);
  assert.equal(isSelf('192.0.2.200', 6881, 6881, now), false);
  assert.equal(isSelf('127.0.0.1', 6881, 0, now), false, 'not listening: nothing is ours');
});
