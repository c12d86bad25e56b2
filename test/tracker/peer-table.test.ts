import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { PeerTable } from '../../src/tracker/server/store/peer-table.js';

const key = (i: number) => Buffer.from([10, 0, (i >> 8) & 255, i & 255, 0x1a, 0xe1]);

test('PeerTable behaves like a Map under random add/update/remove/expire', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'expire', 'sample'), fc.integer({ min: 0, max: 300 }), fc.boolean()), { maxLength: 600 }),
      (ops) => {
        const t = new PeerTable(6);
        const model = new Map<number, { exp: number; seed: boolean }>();
        let now = 0;
        for (const [op, k, seed] of ops) {
          now++;
          if (op === 'add') {
            const s = t.find(key(k));
            if (s >= 0) t.update(s, Buffer.alloc(20, k & 255), now + 50, seed);
            else t.add(key(k), Buffer.alloc(20, k & 255), now + 50, seed);
            model.set(k, { exp: now + 50, seed });
          } else if (op === 'remove') {
            const s = t.find(key(k));
            assert.equal(s >= 0, model.has(k));
            if (s >= 0) t.remove(s);
            model.delete(k);
          } else if (op === 'expire') {
            const n = t.expire(now);
            let m = 0;
            for (const [kk, v] of model) if (v.exp <= now) (model.delete(kk), m++);
            assert.equal(n, m);
          } else {
            const want = k % 60;
            const out = new Uint8Array(want * 6);
            const ids = new Uint8Array(want * 20);
            const skip = t.find(key(seed ? k : 999));
            const got = t.sample(want, skip, out, ids);
            assert.equal(got, Math.min(want, t.n - (skip >= 0 ? 1 : 0)));
            const seen = new Set<string>();
            for (let i = 0; i < got; i++) {
              const a = Buffer.from(out.subarray(i * 6, i * 6 + 6));
              const kk = a.readUInt16BE(2);
              assert.ok(model.has(kk), 'sampled a live peer');
              assert.ok(skip < 0 || kk !== k, 'never the announcer');
              assert.equal(ids[i * 20], kk & 255, 'peer id travels with its address');
              seen.add(a.toString('hex'));
            }
            assert.equal(seen.size, got, 'no duplicates');
          }
          assert.equal(t.n, model.size);
          assert.equal(t.seeders, [...model.values()].filter((v) => v.seed).length);
        }
        for (const k of model.keys()) assert.ok(t.find(key(k)) >= 0);
      },
    ),
    { numRuns: 60 },
  );
});
