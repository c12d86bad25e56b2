import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { Client } from '../../src/engine/index.js';
import { LsdDiscovery, type LsdOptions } from '../../src/engine/lsd.js';
import { encodeLsd, LSD_IPV4_GROUP } from '../../src/engine/lsd-message.js';
import type { PeerAddress } from '../../src/engine/discovery.js';
import { tempDir } from '../helpers/cli.js';
import { makeFixture, readTree, within } from './engine-fixtures.js';

/** A free UDP port of our own, so no other test's (or host's) LSD traffic reaches these sockets. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function lsdOn(port: number, extra: Partial<LsdOptions> = {}): LsdDiscovery {
  return new LsdDiscovery({ port, interface: '127.0.0.1', loopback: true, sendGapMs: 10, ...extra });
}

test('two clients with LSD and no tracker or --peer find each other and transfer a torrent', async (t) => {
  const { dir, cleanup } = await tempDir('shoal-lsd-');
  t.after(cleanup);
  const port = await freeUdpPort();
  const fx = await makeFixture(dir, 'lsd', { 'a.bin': 300_001, 'b/c.bin': 70_000 }, 32768);
  const lsdA = lsdOn(port);
  const lsdB = lsdOn(port);
  const seeder = new Client({ host: '127.0.0.1', discovery: [lsdA] });
  const leecher = new Client({ host: '127.0.0.1', discovery: [lsdB] });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await seeder.add(fx.torrent, { path: fx.seedDir, announce: false, resume: false });
  const out = join(dir, 'out');
  const leech = await leecher.add(fx.torrent, { path: out, announce: false, resume: false });
  await within(leech.whenDone(), 30_000, 'leecher done through LSD');
  const want = await readTree(fx.seedDir);
  const got = await readTree(out);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.ok(got.get(k)!.equals(v), `${k} differs`);
  assert.ok(lsdA.stats.sent >= 1 && lsdB.stats.sent >= 1, 'both announced');
  assert.ok(lsdA.stats.found + lsdB.stats.found >= 1, 'an announce was matched');
  assert.ok(lsdA.stats.own >= 1, 'our own looped-back announce was recognised by its cookie');
});

test('LSD: own announces ignored, other hashes ignored, malformed and flooding packets dropped', async (t) => {
  const port = await freeUdpPort();
  const lsd = lsdOn(port, { maxPerSource: 5 });
  t.after(() => lsd.close());
  const ih = Buffer.alloc(20, 0xab);
  const found: PeerAddress[] = [];
  let notify: () => void = () => {};
  lsd.watch(ih, { port: 0, seed: false }, (peers) => {
    found.push(...peers);
    notify();
  });
  await lsd.start();
  const tx = createSocket({ type: 'udp4', reuseAddr: true });
  t.after(() => tx.close());
  await new Promise<void>((res) => tx.bind(0, '127.0.0.1', () => res()));
  tx.setMulticastInterface('127.0.0.1');
  const send = (b: Uint8Array): Promise<void> => new Promise((res, rej) => tx.send(b, port, LSD_IPV4_GROUP, (e) => (e ? rej(e) : res())));
  const host = `${LSD_IPV4_GROUP}:6771`;
  const got = (n: number): Promise<void> => (found.length >= n ? Promise.resolve() : new Promise((res) => (notify = () => found.length >= n && res())));
  // Another torrent, a malformed packet, our own cookie: none reach the watcher; then a good one does.
  await send(encodeLsd({ host, port: 1111, infoHashes: ['cd'.repeat(20)] }));
  await send(Buffer.from('BT-SEARCH * HTTP/1.1\r\nHost: x\r\nPort: 99999\r\nInfohash: ' + 'ab'.repeat(20) + '\r\n\r\n\r\n'));
  await send(encodeLsd({ host, port: 2222, infoHashes: ['ab'.repeat(20)], cookie: lsd.cookie }));
  await send(encodeLsd({ host, port: 3333, infoHashes: ['cd'.repeat(20), 'AB'.repeat(20)] }));
  await within(got(1), 5000, 'good announce');
  assert.deepEqual(found, [{ host: '127.0.0.1', port: 3333 }]);
  assert.equal(lsd.stats.malformed, 1);
  assert.equal(lsd.stats.own, 1);
  assert.equal(lsd.stats.received, 2);
  // A flood from one source: past maxPerSource (5 per 10 s, 4 used) packets are dropped. A last
  // packet from another source (127.0.0.2) follows the flood on the same path: once it is in,
  // the flood before it has been handled.
  for (let i = 0; i < 10; i++) await send(encodeLsd({ host, port: 4000 + i, infoHashes: ['ab'.repeat(20)] }));
  const tx2 = createSocket({ type: 'udp4', reuseAddr: true });
  t.after(() => tx2.close());
  await new Promise<void>((res) => tx2.bind(0, '127.0.0.2', () => res()));
  tx2.setMulticastInterface('127.0.0.1');
  await new Promise<void>((res, rej) => tx2.send(encodeLsd({ host, port: 5555, infoHashes: ['ab'.repeat(20)] }), port, LSD_IPV4_GROUP, (e) => (e ? rej(e) : res())));
  await within(got(3), 5000, 'the barrier packet');
  assert.deepEqual(found.slice(1), [{ host: '127.0.0.1', port: 4000 }, { host: '127.0.0.2', port: 5555 }], 'one of the flood passed, then the other source');
  assert.equal(lsd.stats.limited, 9);
  // Watching with port 0 never announces.
  assert.equal(lsd.stats.sent, 0);
});

test('LSD: watch() announces at once, several torrents in one packet, never twice within the floor', async (t) => {
  const port = await freeUdpPort();
  const lsd = lsdOn(port, { sendGapMs: 50 });
  t.after(() => lsd.close());
  const rx = createSocket({ type: 'udp4', reuseAddr: true });
  t.after(() => rx.close());
  const packets: string[] = [];
  let notify: () => void = () => {};
  rx.on('message', (m) => {
    packets.push(m.toString('latin1'));
    notify();
  });
  await new Promise<void>((res) => rx.bind(port, () => res()));
  rx.addMembership(LSD_IPV4_GROUP, '127.0.0.1');
  const hashes = [1, 2, 3].map((i) => Buffer.alloc(20, i));
  const stops = hashes.map((h) => lsd.watch(h, { port: 7777, seed: true }, () => {}));
  // Watching the first again shares its schedule: no second announce.
  stops.push(lsd.watch(hashes[0]!, { port: 7777, seed: true }, () => {}));
  await within(new Promise<void>((res) => (notify = () => packets.join('').split('Infohash:').length - 1 >= 3 && res())), 5000, 'three hashes announced');
  const all = packets.join('');
  for (const h of hashes) assert.equal(all.split(h.toString('hex')).length - 1, 1, 'each hash once');
  assert.ok(packets.length <= 2, `in ${packets.length} packets`);
  assert.match(packets[0]!, /^BT-SEARCH \* HTTP\/1\.1\r\nHost: 239\.192\.152\.143:\d+\r\nPort: 7777\r\n/);
  assert.match(packets[0]!, new RegExp(`cookie: ${lsd.cookie}\r\n\r\n\r\n$`));
  for (const s of stops) s();
});
