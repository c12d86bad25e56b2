import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { RateMeter, TokenBucket } from '../../src/engine/rate.js';
import { SchedulerError } from '../../src/engine/errors.js';

test('rate meter: steady traffic reads as its rate, young or full window', () => {
  const m = new RateMeter(0, 5);
  for (let t = 0; t < 20_000; t += 100) {
    m.add(10_000, t); // 100 kB/s
    if (t === 2_000) assert.ok(Math.abs(m.rate(t + 50) - 100_000) < 5_000, `young: ${m.rate(t + 50)}`);
  }
  const r = m.rate(20_000);
  assert.ok(Math.abs(r - 100_000) < 10_000, `full window: ${r}`);
  assert.equal(m.total, 200 * 10_000);
});

test('rate meter: the first block is not a burst, old traffic leaves the window, long idle is zero', () => {
  const m = new RateMeter(1_000_000, 10);
  m.add(16_384, 1_000_010);
  assert.equal(m.rate(1_000_020), 16_384, 'span taken as at least one second');
  m.add(1_000_000, 1_001_500);
  assert.ok(m.rate(1_005_000) > 0);
  assert.equal(m.rate(1_012_000), 0, 'everything older than the window is gone');
  m.add(5_000, 1_012_100);
  assert.equal(m.rate(1_500_000), 0, 'idle for ages');
  assert.equal(m.total, 16_384 + 1_000_000 + 5_000);
  assert.throws(() => new RateMeter(0, 1), SchedulerError);
});

test('rate meter: a step change is seen within the window', () => {
  const m = new RateMeter(0, 5);
  for (let s = 0; s < 10; s++) m.add(1_000_000, s * 1000 + 500);
  for (let s = 10; s < 16; s++) m.add(100_000, s * 1000 + 500);
  const r = m.rate(16_000);
  assert.ok(r > 90_000 && r < 130_000, `after the step: ${r}`);
});

test('token bucket: grants up to the burst, refills at the rate, debts are repaid', () => {
  const b = new TokenBucket(100_000, 0); // burst = 1 s
  assert.equal(b.grant(250_000, 0), 100_000);
  assert.equal(b.grant(1, 0), 0);
  assert.equal(b.delayFor(50_000, 0), 500);
  assert.equal(b.grant(80_000, 500), 50_000);
  b.consume(100_000, 500); // data that arrived anyway
  assert.ok(b.available(500) < 0);
  assert.equal(b.grant(10, 1_000), 0, 'still in debt');
  assert.equal(b.delayFor(16_384, 1_000), Math.ceil(((16_384 + 50_000) * 1000) / 100_000));
  assert.equal(b.grant(200_000, 10_000), 100_000, 'saved tokens capped at the burst');
});

test('token bucket: unlimited, zero and changed rates', () => {
  const u = new TokenBucket(Infinity, 0);
  assert.equal(u.unlimited, true);
  assert.equal(u.grant(1e9, 0), 1e9);
  assert.equal(u.delayFor(1e9, 0), 0);
  const z = new TokenBucket(0, 0);
  assert.equal(z.grant(20_000, 0), 16_384, 'the minimum burst');
  assert.equal(z.grant(1, 60_000), 0);
  assert.equal(z.delayFor(1, 60_000), Infinity);
  z.setRate(1_000_000, 60_000);
  assert.equal(z.grant(1_000_000, 61_000), 1_000_000);
  assert.throws(() => new TokenBucket(-1, 0), SchedulerError);
  assert.throws(() => new TokenBucket(NaN, 0), SchedulerError);
});
