import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { MemoryStore } from '../../src/tracker/server/store/memory.js';
import { TrackerServerError } from '../../src/tracker/server/errors.js';
import { ann, ih, storeCompliance, v4 } from './store-compliance.js';

storeCompliance('memory', async (o) => new MemoryStore(o));

test('memory store: swarm cap refuses new torrents with ETRACKER_FULL', () => {
  const s = new MemoryStore({ maxSwarms: 2 });
  s.announce(ann(ih(1), v4(1)), 0);
  s.announce(ann(ih(2), v4(1)), 0);
  assert.throws(() => s.announce(ann(ih(3), v4(1)), 0), (e: unknown) => e instanceof TrackerServerError && e.code === 'ETRACKER_FULL');
});

test('memory store: total peer cap holds under a flood of distinct peers', () => {
  const s = new MemoryStore({ maxPeers: 1000 });
  const h = ih(4);
  for (let i = 0; i < 5000; i++) s.announce(ann(h, v4(i), { want4: 0, want6: 0 }), 0);
  assert.equal(s.totals().peers, 1000);
});

test('memory store: empty swarms are forgotten after the TTL', () => {
  const s = new MemoryStore({ peerTtlMs: 1000 });
  s.announce(ann(ih(5), v4(1)), 0);
  assert.equal(s.totals().torrents, 1);
  s.sweep(1500);
  assert.equal(s.totals().peers, 0);
  s.sweep(5000);
  assert.equal(s.totals().torrents, 0);
});
