// One compliance suite for every SwarmStore (memory and redis): call it with a factory.
import { describe, it, before, after } from 'node:test';
import { strict as assert } from 'node:assert';
import type { StoreAnnounce, StoreOptions, SwarmStore } from '../../src/tracker/server/store/interface.js';

export type StoreFactory = (opts: StoreOptions) => Promise<SwarmStore>;

let salt = 0;
/** A fresh random-ish info-hash per test so stores shared across tests never collide. */
export function ih(tag: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(tag, 0);
  b.writeUInt32BE(++salt, 4);
  b.writeUInt32BE(process.pid, 8);
  b.writeUInt32BE(Math.floor(Math.random() * 2 ** 32), 12);
  return b;
}

export function v4(i: number, port = 6881): Buffer {
  return Buffer.from([10, (i >> 16) & 255, (i >> 8) & 255, i & 255, port >> 8, port & 255]);
}

export function v6(i: number, port = 6881): Buffer {
  const b = Buffer.alloc(18);
  b[0] = 0x20;
  b[1] = 0x01;
  b.writeUInt32BE(i, 12);
  b.writeUInt16BE(port, 16);
  return b;
}

function pid(i: number): Buffer {
  return Buffer.from(`-SH0001-${String(i).padStart(12, '0')}`);
}

export function ann(infoHash: Uint8Array, addr: Uint8Array, over: Partial<StoreAnnounce> = {}): StoreAnnounce {
  return { infoHash, addr, peerId: pid(addr[3]! + addr.length), seeder: false, event: 'started', want4: 50, want6: 50, wantPeerIds: false, ...over };
}

function split(buf: Uint8Array, len: number): string[] {
  const out: string[] = [];
  for (let o = 0; o < buf.length; o += len) out.push(Buffer.from(buf.subarray(o, o + len)).toString('hex'));
  return out;
}

export function storeCompliance(name: string, factory: StoreFactory | undefined, skipReason?: string): void {
  describe(`SwarmStore compliance: ${name}`, { skip: factory ? false : (skipReason ?? true) }, () => {
    let store: SwarmStore;
    const T0 = 1_700_000_000_000;
    before(async () => {
      store = await factory!({ peerTtlMs: 10_000, maxPeersPerSwarm: 40 });
    });
    after(async () => {
      await store?.close();
    });

    it('returns other peers, never the announcer, and counts seeders and leechers', async () => {
      const h = ih(1);
      const r0 = await store.announce(ann(h, v4(1)), T0);
      assert.equal(r0.peers4.length, 0);
      assert.deepEqual([r0.complete, r0.incomplete], [0, 1]);
      await store.announce(ann(h, v4(2), { seeder: true }), T0);
      const r = await store.announce(ann(h, v4(3)), T0);
      assert.deepEqual([r.complete, r.incomplete], [1, 2]);
      assert.deepEqual(split(r.peers4, 6).sort(), [v4(1), v4(2)].map((b) => b.toString('hex')).sort());
      const s = await store.scrape([h, ih(99)], T0);
      assert.deepEqual(s, [
        { complete: 1, incomplete: 2, downloaded: 0 },
        { complete: 0, incomplete: 0, downloaded: 0 },
      ]);
    });

    it('re-announcing updates in place; completed counts once; stopped removes', async () => {
      const h = ih(2);
      await store.announce(ann(h, v4(1)), T0);
      await store.announce(ann(h, v4(1), { event: 'none' }), T0 + 1000);
      let s = (await store.scrape([h], T0))[0]!;
      assert.deepEqual(s, { complete: 0, incomplete: 1, downloaded: 0 });
      await store.announce(ann(h, v4(1), { event: 'completed', seeder: true }), T0 + 2000);
      await store.announce(ann(h, v4(1), { event: 'completed', seeder: true }), T0 + 3000);
      s = (await store.scrape([h], T0 + 3000))[0]!;
      assert.deepEqual(s, { complete: 1, incomplete: 0, downloaded: 1 });
      const r = await store.announce(ann(h, v4(1), { event: 'stopped', seeder: true }), T0 + 4000);
      assert.deepEqual([r.complete, r.incomplete, r.peers4.length], [0, 0, 0]);
      const r2 = await store.announce(ann(h, v4(2)), T0 + 4000);
      assert.equal(r2.peers4.length, 0, 'stopped peer is gone');
    });

    it('keeps IPv4 and IPv6 peers apart and honours want4/want6', async () => {
      const h = ih(3);
      for (let i = 1; i <= 5; i++) await store.announce(ann(h, v4(i)), T0);
      for (let i = 1; i <= 4; i++) await store.announce(ann(h, v6(i)), T0);
      const r = await store.announce(ann(h, v6(9), { want4: 3, want6: 10 }), T0);
      assert.equal(r.peers4.length, 3 * 6);
      assert.equal(r.peers6.length, 4 * 18);
      assert.ok(!split(r.peers6, 18).includes(v6(9).toString('hex')));
      assert.equal(new Set(split(r.peers4, 6)).size, 3, 'no duplicates');
      const z = await store.announce(ann(h, v4(1), { want4: 0, want6: 0 }), T0);
      assert.deepEqual([z.peers4.length, z.peers6.length], [0, 0]);
      assert.equal(z.incomplete, 10);
    });

    it('returns peer ids when asked', async () => {
      const h = ih(4);
      await store.announce(ann(h, v4(7), { peerId: Buffer.alloc(20, 0x41) }), T0);
      const r = await store.announce(ann(h, v4(8), { wantPeerIds: true }), T0);
      assert.equal(r.peers4.length, 6);
      assert.equal(Buffer.from(r.peerIds4!).toString(), 'A'.repeat(20));
    });

    it('expires peers that stop announcing', async () => {
      const h = ih(5);
      await store.announce(ann(h, v4(1)), T0);
      await store.announce(ann(h, v4(2), { seeder: true }), T0 + 5000);
      // At T0 + 12 s the first peer (TTL 10 s) is stale, the second is not.
      const removed = await store.sweep(T0 + 12_000);
      assert.ok(removed >= 1);
      let s = (await store.scrape([h], T0 + 12_000))[0]!;
      assert.deepEqual([s.complete, s.incomplete], [1, 0]);
      const r = await store.announce(ann(h, v4(3)), T0 + 12_000);
      assert.deepEqual(split(r.peers4, 6), [v4(2).toString('hex')]);
      await store.sweep(T0 + 30_000);
      s = (await store.scrape([h], T0 + 30_000))[0]!;
      assert.deepEqual([s.complete, s.incomplete], [0, 0]);
    });

    it('caps peers per swarm and lists swarms for full scrape', async () => {
      const h = ih(6);
      for (let i = 1; i <= 60; i++) await store.announce(ann(h, v4(i), { want4: 0, want6: 0 }), T0);
      const s = (await store.scrape([h], T0))[0]!;
      assert.equal(s.incomplete, 40, 'maxPeersPerSwarm holds');
      const r = await store.announce(ann(h, v4(1000), { want4: 200 }), T0);
      assert.equal(r.peers4.length, 40 * 6);
      const list = await store.list(100_000, T0);
      const mine = list.find((e) => Buffer.from(e.infoHash).equals(h));
      assert.equal(mine?.incomplete, 40);
      const t = await store.totals(T0);
      assert.ok(t.peers >= 40 && t.torrents >= 1);
      assert.equal(t.peers, t.seeders + t.leechers);
    });

    it('a stopped announce for an unknown swarm creates nothing', async () => {
      const h = ih(7);
      const r = await store.announce(ann(h, v4(1), { event: 'stopped' }), T0);
      assert.deepEqual([r.complete, r.incomplete], [0, 0]);
      const list = await store.list(100_000, T0);
      assert.ok(!list.some((e) => Buffer.from(e.infoHash).equals(h)));
    });

    it('a peer switching leecher -> seeder without "completed" moves between counts', async () => {
      const h = ih(8);
      await store.announce(ann(h, v4(1)), T0);
      await store.announce(ann(h, v4(1), { seeder: true, event: 'none' }), T0);
      const s = (await store.scrape([h], T0))[0]!;
      assert.deepEqual(s, { complete: 1, incomplete: 0, downloaded: 0 });
    });
  });
}
