import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { DEFAULT_REQQ, RequestQueue } from '../../src/engine/requests.js';
import { BLOCK_SIZE } from '../../src/engine/picker/blocks.js';
import type { BlockRequest } from '../../src/engine/picker/blocks.js';

let next = 0;
function reqs(n: number): BlockRequest[] {
  return Array.from({ length: n }, () => {
    const k = next++;
    return { index: k >> 4, begin: (k & 15) * BLOCK_SIZE, length: BLOCK_SIZE };
  });
}

/**
 * Simulates a peer that serves `rate` bytes/s with `rttMs` latency, answering in order,
 * for `seconds`; the engine's 100 ms tick refills up to room(). Returns the queue.
 */
function simulate(rate: number, rttMs: number, seconds: number, opts = {}): { q: RequestQueue; maxOutstanding: number } {
  const q = new RequestQueue(0, opts);
  const inFlight: { r: BlockRequest; due: number }[] = [];
  let linkFreeAt = 0;
  let maxOutstanding = 0;
  for (let now = 0; now <= seconds * 1000; now += 10) {
    while (inFlight.length > 0 && inFlight[0]!.due <= now) {
      const { r } = inFlight.shift()!;
      q.received(r.index, r.begin, r.length, now);
    }
    if (now % 100 === 0) {
      q.tick(now);
      const batch = reqs(q.room());
      q.sent(batch, now);
      for (const r of batch) {
        linkFreeAt = Math.max(linkFreeAt, now + rttMs / 2) + (BLOCK_SIZE * 1000) / rate;
        inFlight.push({ r, due: Math.ceil(linkFreeAt + rttMs / 2) });
      }
      maxOutstanding = Math.max(maxOutstanding, q.outstanding);
    }
  }
  return { q, maxOutstanding };
}

test('target follows rate x 3 s in 16 KiB blocks after slow start', () => {
  const { q } = simulate(1_000_000, 100, 30);
  assert.equal(q.slowStart, false, 'slow start ended');
  const expected = Math.ceil((q.download.rate(30_000) * 3) / BLOCK_SIZE);
  assert.ok(Math.abs(q.target - expected) <= 2, `target ${q.target}, rate-derived ${expected}`);
  assert.ok(q.download.rate(30_000) > 900_000, `the queue keeps the link busy: ${q.download.rate(30_000)} B/s`);
});

test('the target stays within [floor, reqq]', () => {
  const slow = simulate(5_000, 50, 20).q;
  assert.equal(slow.target, 4, 'floor for a slow peer');
  const fast = simulate(50_000_000, 200, 20, { reqq: 40 });
  assert.equal(fast.q.target, 40, 'capped by the advertised reqq');
  assert.ok(fast.maxOutstanding <= 40);
  const q = new RequestQueue(0, { reqq: undefined });
  assert.equal(q.ceiling, DEFAULT_REQQ);
  q.setReqq(-3);
  assert.equal(q.ceiling, DEFAULT_REQQ, 'nonsense reqq ignored');
  q.setReqq(100_000);
  assert.equal(q.ceiling, 500, 'our own ceiling');
});

test('slow start grows the queue by one per block received', () => {
  const q = new RequestQueue(0);
  assert.equal(q.room(), 4);
  const batch = reqs(4);
  q.sent(batch, 0);
  assert.equal(q.room(), 0);
  for (const r of batch) assert.equal(q.received(r.index, r.begin, r.length, 50), true);
  assert.equal(q.target, 8);
  assert.equal(q.room(), 8);
  assert.equal(q.received(999, 0, BLOCK_SIZE, 60), false, 'unrequested block');
});

test('silence snubs the peer: all requests come back, none are sent until endgame or a block', () => {
  const q = new RequestQueue(0, { minTimeoutMs: 15_000 });
  const batch = reqs(4);
  q.sent(batch, 0);
  assert.deepEqual(q.tick(14_000), []);
  const back = q.tick(15_100);
  assert.deepEqual(back, batch);
  assert.equal(q.snubbed, true);
  assert.equal(q.outstanding, 0);
  assert.equal(q.room(), 0);
  assert.equal(q.room(true), 1, 'one request at a time in endgame');
  q.received(batch[0]!.index, batch[0]!.begin, BLOCK_SIZE, 16_000);
  assert.equal(q.snubbed, false, 'a late block revives it');
  assert.equal(q.room(), 4);
});

test('a single request ignored while others are answered is given up after maxTimeoutMs, without snubbing', () => {
  const q = new RequestQueue(0, { maxTimeoutMs: 60_000 });
  const [lost] = reqs(1);
  q.sent([lost!], 0);
  for (let t = 1000; t <= 70_000; t += 1000) {
    const [r] = reqs(1);
    q.sent([r!], t - 500);
    q.received(r!.index, r!.begin, r!.length, t);
    const back = q.tick(t);
    if (t <= 60_000) assert.deepEqual(back, [], `nothing given up at ${t}`);
    else if (t === 61_000) assert.deepEqual(back, [lost]);
  }
  assert.equal(q.snubbed, false);
  assert.equal(q.outstanding, 0);
});

test('cancel and clear', () => {
  const q = new RequestQueue(0);
  const batch = reqs(3);
  q.sent(batch, 0);
  assert.equal(q.has(batch[1]!.index, batch[1]!.begin), true);
  assert.equal(q.cancel(batch[1]!.index, batch[1]!.begin), true);
  assert.equal(q.cancel(batch[1]!.index, batch[1]!.begin), false);
  assert.deepEqual(q.clear(), [batch[0], batch[2]]);
  assert.equal(q.outstanding, 0);
});
