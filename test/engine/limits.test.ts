import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import type { Torrent } from '../../src/engine/index.js';
import { BandwidthScheduler, RateLimiter, UploadSlots } from '../../src/engine/limits.js';
import { SchedulerError } from '../../src/engine/errors.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, within } from './engine-fixtures.js';

const MB = 1_000_000;

test('RateLimiter: a chain limits by its tightest level and charges every level', () => {
  const root = new RateLimiter(undefined, 0, 0);
  const child = new RateLimiter(root, 0, 0);
  assert.equal(child.limited, false);
  assert.equal(child.available(0), Infinity);
  root.setLimit(100_000, 0);
  assert.equal(child.limited, true, 'a parent limit limits the child');
  const burst = root.available(0);
  assert.ok(burst >= 32768 && burst <= 100_000, `burst ${burst}`);
  child.take(burst + 50_000, 0); // into debt
  assert.ok(root.available(0) < 0);
  assert.ok(child.available(0) < 0);
  assert.ok(child.delay(0) > 500, 'the debt is repaid before the next block');
  assert.ok(root.available(1000) > 0, 'refilled after a second');
  child.setLimit(20_000, 1000);
  root.setLimit(0, 1000);
  assert.ok(child.available(1000) <= 32768, 'the child bucket is now the tight one');
  assert.throws(() => child.setLimit(-1, 0), SchedulerError);
  assert.throws(() => child.setLimit(Number.NaN, 0), SchedulerError);
});

test('BandwidthScheduler: one timer wakes every waiter once, rotating who goes first', async () => {
  const s = new BandwidthScheduler();
  const lim = new RateLimiter(undefined, 1_000_000, performance.now());
  lim.take(lim.available(performance.now()) + 16384, performance.now());
  const order: string[] = [];
  let woke: () => void = () => {};
  const done = new Promise<void>((r) => (woke = r));
  const a = (): void => {
    order.push('a');
  };
  const b = (): void => {
    order.push('b');
    if (order.length === 2) woke();
  };
  s.wait(a, lim, performance.now());
  s.wait(a, lim, performance.now()); // twice is once
  s.wait(b, lim, performance.now());
  assert.equal(s.size, 2);
  await within(done, 5000, 'waiters woken');
  assert.deepEqual(order, ['a', 'b']);
  s.wait(a, lim, performance.now());
  s.wait(b, lim, performance.now());
  s.kick(); // a limit changed: everyone at once, the next one first this time
  assert.deepEqual(order, ['a', 'b', 'b', 'a']);
  s.wait(a, lim, performance.now());
  s.cancel(a);
  s.kick();
  assert.equal(order.length, 4, 'a cancelled waiter is not called');
  s.close();
});

test('UploadSlots: a global cap', () => {
  const s = new UploadSlots(2);
  assert.ok(s.take());
  assert.ok(s.take());
  assert.equal(s.take(), false);
  s.release();
  assert.ok(s.take());
});

/** Download rate after the first MB (the initial burst) until done, bytes/s. */
async function measure(leech: Torrent, total: number): Promise<number> {
  let t1 = 0;
  let b1 = 0;
  const onPiece = (): void => {
    const p = leech.progress();
    if (t1 === 0 && p.verifiedBytes >= MB) {
      t1 = performance.now();
      b1 = p.verifiedBytes;
    }
  };
  leech.on('piece', onPiece);
  await within(leech.whenDone(), 40_000, 'leecher done');
  leech.off('piece', onPiece);
  const dt = (performance.now() - t1) / 1000;
  return (total - b1) / dt;
}

test('a 2 MB/s global upload limit on the seeder gives 1.6-2.4 MB/s', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-limits-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'up', { 'a.bin': 7 * MB }, 65536);
  const seeder = new Client({ host: '127.0.0.1', uploadLimit: 2 * MB });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  assert.deepEqual(seeder.rateLimits, { download: 0, upload: 2 * MB });
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const leech = await leecher.add(fx.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  const rate = await measure(leech, fx.meta.totalLength);
  t.diagnostic(`upload-limited rate ${(rate / MB).toFixed(2)} MB/s`);
  assert.ok(rate >= 1.6 * MB && rate <= 2.4 * MB, `measured ${(rate / MB).toFixed(2)} MB/s`);
});

test('a 2 MB/s per-torrent download limit gives 1.6-2.4 MB/s; lifting it finishes at full speed', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-limits-');
  t.after(cleanup);
  const fx = await makeFixture(dir, 'down', { 'a.bin': 5 * MB, 'b.bin': 3 * MB }, 65536);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const leech = await leecher.add(fx.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  leech.setRateLimits({ download: 2 * MB });
  assert.deepEqual(leech.rateLimits, { download: 2 * MB, upload: 0 });
  // Measure over the first 5 MB, then lift the limit for the rest.
  const reached = new Promise<{ t: number; b: number }[]>((resolve) => {
    const marks: { t: number; b: number }[] = [];
    const on = (): void => {
      const v = leech.progress().verifiedBytes;
      if ((marks.length === 0 && v >= MB) || (marks.length === 1 && v >= 5 * MB)) marks.push({ t: performance.now(), b: v });
      if (marks.length === 2) {
        leech.off('piece', on);
        resolve(marks);
      }
    };
    leech.on('piece', on);
  });
  const [m1, m2] = await within(reached, 30_000, '5 MB downloaded');
  const rate = (m2!.b - m1!.b) / ((m2!.t - m1!.t) / 1000);
  t.diagnostic(`download-limited rate ${(rate / MB).toFixed(2)} MB/s`);
  assert.ok(rate >= 1.6 * MB && rate <= 2.4 * MB, `measured ${(rate / MB).toFixed(2)} MB/s`);
  const t0 = performance.now();
  leech.setRateLimits({ download: 0 });
  await within(leech.whenDone(), 20_000, 'done after lifting the limit');
  const rest = (fx.meta.totalLength - m2!.b) / ((performance.now() - t0) / 1000);
  t.diagnostic(`unlimited rate ${(rest / MB).toFixed(2)} MB/s`);
  assert.ok(rest > 2.4 * MB, `lifting the limit sped it up (${(rest / MB).toFixed(2)} MB/s)`);
});

test('a global download limit is shared by two torrents: 1.6-2.4 MB/s together', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-limits-');
  t.after(cleanup);
  const fa = await makeFixture(join(dir, 'a'), 'ta', { 'a.bin': 4 * MB }, 65536);
  const fb = await makeFixture(join(dir, 'b'), 'tb', { 'b.bin': 4 * MB }, 65536);
  const seeder = new Client({ host: '127.0.0.1' });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fa.torrent, { path: fa.seedDir, announce: false, resume: false });
  await seeder.add(fb.torrent, { path: fb.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  leecher.setRateLimits({ download: 2 * MB });
  const t0 = performance.now();
  const la = await leecher.add(fa.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  const lb = await leecher.add(fb.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  await within(Promise.all([la.whenDone(), lb.whenDone()]), 40_000, 'both done');
  const rate = (8 * MB) / ((performance.now() - t0) / 1000);
  t.diagnostic(`two torrents under one global limit: ${(rate / MB).toFixed(2)} MB/s`);
  // The whole run includes the start-up burst (a fifth of a second of tokens): allow it.
  assert.ok(rate >= 1.6 * MB && rate <= 2.5 * MB, `measured ${(rate / MB).toFixed(2)} MB/s`);
});

test('maxUploadSlots caps unchoked peers over all torrents', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-limits-');
  t.after(cleanup);
  const fa = await makeFixture(join(dir, 'a'), 'sa', { 'a.bin': 3 * MB }, 65536);
  const fb = await makeFixture(join(dir, 'b'), 'sb', { 'b.bin': 3 * MB }, 65536);
  // Slow enough that both leechers want data for a while.
  const seeder = new Client({ host: '127.0.0.1', maxUploadSlots: 1, uploadLimit: 2 * MB });
  const leecher = new Client({ host: '127.0.0.1', noListen: true });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  assert.equal(seeder.maxUploadSlots, 1);
  const sa = await seeder.add(fa.torrent, { path: fa.seedDir, announce: false, resume: false });
  const sb = await seeder.add(fb.torrent, { path: fb.seedDir, announce: false, resume: false });
  const port = await seeder.ready();
  const la = await leecher.add(fa.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  const lb = await leecher.add(fb.torrent, { path: join(dir, 'out'), peers: [`127.0.0.1:${port}`], announce: false, resume: false });
  let worst = 0;
  const check = (): void => {
    worst = Math.max(worst, sa.unchokedPeers + sb.unchokedPeers);
  };
  sa.on('progress', check);
  la.on('piece', check);
  lb.on('piece', check);
  await within(Promise.all([la.whenDone(), lb.whenDone()]), 40_000, 'both done one after the other');
  assert.equal(worst, 1, 'never more than one peer unchoked over both torrents');
});
