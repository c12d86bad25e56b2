// Routing table bounds and replacement, token expiry, peer store caps, rate limiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RoutingTable, K, QUESTIONABLE_MS } from '../../src/dht/routing.js';
import { TokenIssuer, TOKEN_ROTATE_MS } from '../../src/dht/tokens.js';
import { PeerStore, PEER_TTL_MS } from '../../src/dht/peer-store.js';
import { RateLimiter } from '../../src/dht/rate-limit.js';
import { commonPrefixBits, compareDistance, randomIdInBucket } from '../../src/dht/node-id.js';

let portSeq = 1;
const node = (id: Uint8Array) => ({ id, host: `10.${(portSeq >> 16) & 255}.${(portSeq >> 8) & 255}.${portSeq & 255}`, port: 1 + (portSeq++ % 60000) });

test('routing table never grows past its bound under a flood of ids', () => {
  const own = randomBytes(20);
  const table = new RoutingTable(own);
  for (let i = 0; i < 50_000; i++) table.add(node(randomBytes(20)), i % 2 === 0);
  // A hostile flood of ids right next to ours forces every possible split.
  for (let bits = 0; bits < 160; bits++) for (let j = 0; j < 20; j++) table.add(node(randomIdInBucket(own, bits)), true);
  assert.ok(table.footprint <= table.capacity, `${table.footprint} <= ${table.capacity}`);
  assert.ok(table.bucketCount <= 160);
  for (const n of table.nodes()) assert.ok(commonPrefixBits(own, n.id) >= 0);
  assert.ok(table.size > 100, `holds ${table.size} nodes`);
  // Our own id is never added.
  assert.equal(table.add(node(own), true).result, 'rejected');
});

test('closest() is sorted by XOR distance and capped at K', () => {
  const table = new RoutingTable(randomBytes(20));
  for (let i = 0; i < 2000; i++) table.add(node(randomBytes(20)), true);
  const target = randomBytes(20);
  const c = table.closest(target);
  assert.equal(c.length, K);
  for (let i = 1; i < c.length; i++) assert.ok(compareDistance(target, c[i - 1]!.id, c[i]!.id) < 0);
  // Nothing in the table is closer than the last one returned.
  const far = c[c.length - 1]!;
  for (const n of table.nodes()) if (!c.includes(n)) assert.ok(compareDistance(target, n.id, far.id) > 0);
});

test('a full bucket asks to ping a questionable node and replaces it when the ping fails', () => {
  let now = 1_000_000;
  const own = Buffer.alloc(20, 0);
  const table = new RoutingTable(own, { now: () => now });
  // Fill the far bucket (ids starting with 1) past the point where our own bucket splits off.
  const far = (i: number): Buffer => {
    const id = randomBytes(20);
    id[0] = 0x80 | (i & 0x7f);
    return id;
  };
  const first = Array.from({ length: K }, (_, i) => node(far(i)));
  for (const n of first) table.add(n, true);
  table.add(node(Buffer.alloc(20, 1)), true); // forces the split: own-side bucket
  const extra = node(far(99));
  const r1 = table.add(extra, true);
  assert.equal(r1.result, 'replacement');
  assert.equal(r1.ping, undefined, 'every node is fresh: nothing to ping');
  now += QUESTIONABLE_MS + 1;
  const extra2 = node(far(100));
  const r2 = table.add(extra2, true);
  assert.equal(r2.result, 'replacement');
  assert.ok(r2.ping, 'a questionable node is offered for a ping');
  table.failed(r2.ping.id);
  assert.equal(table.get(r2.ping.id), undefined, 'the silent node is gone');
  assert.ok(table.get(extra2.id), 'the freshest replacement took its place');
  // A node that answers is kept and its failures reset.
  const live = first.find((n) => table.get(n.id))!;
  table.failed(live.id);
  table.seen(live.id);
  assert.equal(table.get(live.id)!.fails, 0);
  // Two failures in a row make a node bad; the next offer takes its slot.
  const victim = first.find((n) => table.get(n.id) && n !== live)!;
  table.failed(victim.id);
  table.failed(victim.id);
  assert.equal(table.get(victim.id), undefined);
});

test('a known id claimed from another address does not move the entry', () => {
  const table = new RoutingTable(randomBytes(20));
  const id = randomBytes(20);
  table.add({ id, host: '1.1.1.1', port: 1000 }, true);
  assert.equal(table.add({ id, host: '6.6.6.6', port: 666 }, true).result, 'rejected');
  assert.equal(table.get(id)!.host, '1.1.1.1');
});

test('tokens: valid for the current and the previous secret, then expire', () => {
  let now = 5_000;
  const tokens = new TokenIssuer(() => now);
  const tok = tokens.issue('1.2.3.4');
  assert.equal(tok.length, 8);
  assert.ok(tokens.check(tok, '1.2.3.4'));
  assert.equal(tokens.check(tok, '1.2.3.5'), false, 'bound to the IP');
  assert.equal(tokens.check(Buffer.alloc(8), '1.2.3.4'), false);
  assert.equal(tokens.check(tok.subarray(0, 4), '1.2.3.4'), false);
  now += TOKEN_ROTATE_MS + 1;
  assert.ok(tokens.check(tok, '1.2.3.4'), 'previous secret still accepted');
  const tok2 = tokens.issue('1.2.3.4');
  assert.notDeepEqual(tok2, tok);
  now += TOKEN_ROTATE_MS;
  assert.equal(tokens.check(tok, '1.2.3.4'), false, 'two rotations later the token is dead');
  assert.ok(tokens.check(tok2, '1.2.3.4'));
  now += 3 * TOKEN_ROTATE_MS;
  assert.equal(tokens.check(tok2, '1.2.3.4'), false, 'a long pause kills every token');
});

test('peer store: per-hash and total caps, expiry, family filter', () => {
  let now = 0;
  const store = new PeerStore({ perHash: 10, hashes: 5, total: 30, now: () => now });
  const h = (i: number): Buffer => Buffer.alloc(20, i);
  for (let i = 0; i < 100; i++) store.add(h(1), { host: `1.0.0.${i}`, port: 1000 });
  assert.equal(store.get(h(1), 4, 100).length, 10);
  for (let j = 2; j < 50; j++) for (let i = 0; i < 20; i++) store.add(h(j), { host: `2.0.${j}.${i}`, port: 2000 });
  assert.ok(store.size <= 30, `total ${store.size}`);
  assert.ok(store.hashCount <= 5);
  store.add(h(60), { host: '::1', port: 3 });
  assert.deepEqual(store.get(h(60), 6), [{ host: '::1', port: 3 }]);
  assert.deepEqual(store.get(h(60), 4), []);
  // Re-announcing refreshes instead of duplicating.
  store.add(h(60), { host: '::1', port: 3 });
  assert.equal(store.get(h(60), 6).length, 1);
  now += PEER_TTL_MS + 1;
  assert.deepEqual(store.get(h(60), 6), []);
  store.expire();
  assert.equal(store.size, 0);
});

test('rate limiter: burst then steady rate per IP, bounded IP table', () => {
  let now = 0;
  const rl = new RateLimiter({ rate: 10, burst: 20, maxIps: 100, now: () => now });
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (rl.allow('9.9.9.9')) allowed++;
  assert.equal(allowed, 20);
  assert.ok(rl.allow('9.9.9.8'), 'other IPs unaffected');
  now += 1000;
  allowed = 0;
  for (let i = 0; i < 100; i++) if (rl.allow('9.9.9.9')) allowed++;
  assert.equal(allowed, 10);
  for (let i = 0; i < 10_000; i++) rl.allow(`10.0.${i >> 8}.${i & 255}`);
  assert.ok(rl.tracked <= 100);
});
