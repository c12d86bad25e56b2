// MetadataFetcher against fake ut_metadata peers on 127.0.0.1: assembly from several peers,
// liars, oversized and malformed metadata, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { MetadataFetcher } from '../../src/engine/metadata/fetch.js';
import type { MetadataFetchOptions } from '../../src/engine/metadata/fetch.js';
import { MetadataError } from '../../src/engine/metadata/errors.js';
import { makePeerId } from '../../src/engine/client.js';
import { within } from './engine-fixtures.js';
import { FakeMetaPeer, makeInfo } from './metadata-peer.js';
import type { FakeMetaPeerOptions } from './metadata-peer.js';

const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();

function fetcher(infoHash: Buffer, peers: string[], extra: Partial<MetadataFetchOptions> = {}): MetadataFetcher {
  return new MetadataFetcher({
    infoHash,
    peerId: makePeerId(),
    dial: (host, port, onChunk) => {
      const s = connect({ host, port });
      s.on('data', onChunk);
      return s;
    },
    peers,
    ...extra,
  });
}

async function peers(t: { after: (fn: () => Promise<void>) => void }, list: FakeMetaPeerOptions[]): Promise<FakeMetaPeer[]> {
  const out: FakeMetaPeer[] = [];
  for (const o of list) {
    const p = await FakeMetaPeer.start(o);
    t.after(() => p.close());
    out.push(p);
  }
  return out;
}

test('fetch assembles metadata from two peers', async (t) => {
  const info = makeInfo(100_000); // 7 pieces
  const ih = sha1(info);
  const [a, b] = await peers(t, [{ infoHash: ih, blob: info }, { infoHash: ih, blob: info }]);
  const f = fetcher(ih, [a!.address, b!.address]);
  const progress: number[] = [];
  f.on('progress', (p) => progress.push(p.piecesHave));
  const got = await within(f.fetch(), 15_000, 'metadata from two peers');
  assert.ok(got.equals(info));
  assert.ok(a!.served > 0 && b!.served > 0, `both peers served pieces (${a!.served}, ${b!.served})`);
  assert.ok(a!.served + b!.served >= 7);
  assert.ok(progress.includes(7), 'progress reached every piece');
});

/** `info` with one byte flipped in every 16 KiB metadata piece. */
function lie(info: Buffer): Buffer {
  const out = Buffer.from(info);
  for (let o = 100; o < out.length; o += 16384) out[o] = out[o]! ^ 0xff;
  return out;
}

test('a peer sending metadata that does not match the info-hash is dropped and the good peer used', async (t) => {
  const info = makeInfo(100_000);
  const ih = sha1(info);
  const [bad, good] = await peers(t, [{ infoHash: ih, blob: lie(info) }, { infoHash: ih, blob: info }]);
  const f = fetcher(ih, [bad!.address]);
  const warnings: string[] = [];
  f.on('warning', (w) => warnings.push(w));
  const done = f.fetch();
  const dropped = new Promise<void>((res) => f.on('warning', (w) => w.includes(bad!.address) && res()));
  await within(dropped, 10_000, 'the liar dropped');
  assert.ok(warnings.some((w) => w.includes(bad!.address) && w.includes('does not match')), warnings.join('\n'));
  f.addPeers([{ host: '127.0.0.1', port: good!.port }, { host: '127.0.0.1', port: bad!.port }]);
  const got = await within(done, 15_000, 'metadata from the good peer');
  assert.ok(got.equals(info));
  assert.equal(bad!.connections, 1, 'the liar was not dialled again');
  assert.ok(good!.served >= 7);
});

test('a liar and a good peer at once: mixed copies are fetched per peer until one matches', async (t) => {
  const info = makeInfo(100_000);
  const ih = sha1(info);
  const [bad, good] = await peers(t, [{ infoHash: ih, blob: lie(info) }, { infoHash: ih, blob: info }]);
  const f = fetcher(ih, [bad!.address, good!.address]);
  const warnings: string[] = [];
  f.on('warning', (w) => warnings.push(w));
  const got = await within(f.fetch(), 20_000, 'metadata despite a liar');
  assert.ok(got.equals(info));
  assert.ok(!warnings.some((w) => w.includes(`dropped peer ${good!.address}`)), 'the good peer was kept');
  if (bad!.served > 0 && good!.served > 0) assert.ok(warnings.length > 0, 'a mixed copy was noticed');
});

test('a lone liar is banned: never dialled again, the fetch times out', async (t) => {
  const info = makeInfo(20_000);
  const ih = sha1(info);
  const [bad] = await peers(t, [{ infoHash: ih, blob: lie(info) }]);
  const f = fetcher(ih, [bad!.address], { timeoutMs: 2500 });
  const err = await f.fetch().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof MetadataError && err.reason === 'timeout', String(err));
  assert.equal(bad!.connections, 1);
});

test('a peer advertising metadata_size over the limit is dropped, others used', async (t) => {
  const info = makeInfo(40_000);
  const ih = sha1(info);
  const [big, good] = await peers(t, [
    { infoHash: ih, blob: info, advertise: 64 << 20 },
    { infoHash: ih, blob: info },
  ]);
  const f = fetcher(ih, [big!.address, good!.address], { maxMetadataSize: 1 << 20 });
  const got = await within(f.fetch(), 15_000, 'metadata beside an oversized peer');
  assert.ok(got.equals(info));
  assert.equal(big!.requests.length, 0, 'nothing asked of the oversized peer');
});

test('adversarial sizes and malformed pieces never crash the fetch', async (t) => {
  const info = makeInfo(60_000);
  const ih = sha1(info);
  const bad = await peers(t, [
    { infoHash: ih, blob: info, advertise: 0 },
    { infoHash: ih, blob: info, advertise: -5 },
    { infoHash: ih, blob: info, advertise: 2n ** 70n },
    { infoHash: ih, blob: info, advertise: 'abc' },
    { infoHash: ih, blob: info, advertise: null },
    { infoHash: ih, blob: info, mode: 'short' },
    { infoHash: ih, blob: info, mode: 'long' },
    { infoHash: ih, blob: info, mode: 'total' },
    { infoHash: ih, blob: info, mode: 'index' },
    { infoHash: ih, blob: info, mode: 'garbage' },
    { infoHash: ih, blob: info, mode: 'reject' },
    { infoHash: ih, blob: info, advertise: info.length + 1 },
  ]);
  // First the bad ones alone: the fetch must survive all of them and keep waiting.
  const f = fetcher(ih, bad.map((p) => p.address), { requestTimeoutMs: 1000 });
  const done = f.fetch();
  let settled = false;
  void done.then(() => (settled = true), () => (settled = true));
  await within(
    (async () => {
      while (bad.slice(5, 10).some((p) => p.requests.length === 0)) await new Promise((r) => setTimeout(r, 20));
    })(),
    10_000,
    'every malformed peer was asked',
  );
  assert.equal(settled, false, 'no metadata from malformed peers');
  const [good] = await peers(t, [{ infoHash: ih, blob: info }]);
  f.addPeers([{ host: '127.0.0.1', port: good!.port }]);
  const got = await within(done, 15_000, 'metadata after the bad peers');
  assert.ok(got.equals(info));
});

test('timeout and abort reject with MetadataError', async (t) => {
  const info = makeInfo(20_000);
  const ih = sha1(info);
  const [silent] = await peers(t, [{ infoHash: ih, blob: info, mode: 'silent' }]);
  const f = fetcher(ih, [silent!.address], { timeoutMs: 800 });
  await assert.rejects(f.fetch(), (e: unknown) => e instanceof MetadataError && e.reason === 'timeout' && /no metadata after/.test(e.message));
  const ac = new AbortController();
  const g = fetcher(ih, [silent!.address], { signal: ac.signal });
  const p = g.fetch();
  setImmediate(() => ac.abort());
  await assert.rejects(p, (e: unknown) => e instanceof MetadataError && e.reason === 'aborted');
  const h = fetcher(ih, [silent!.address]);
  const q = h.fetch();
  await h.close();
  await assert.rejects(q, (e: unknown) => e instanceof MetadataError && e.reason === 'closed');
});
