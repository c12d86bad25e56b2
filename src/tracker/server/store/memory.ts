import { hashKey } from '../hash-key.js';
import type { ScrapeEntry, SwarmCounts } from '../../protocol/http-response.js';
import { TrackerServerError } from '../errors.js';
import { PeerTable } from './peer-table.js';
import { STORE_DEFAULTS, type StoreAnnounce, type StoreAnnounceResult, type StoreOptions, type StoreTotals, type SwarmStore } from './interface.js';

class Swarm {
  t4: PeerTable | null = null;
  t6: PeerTable | null = null;
  downloaded = 0;
  /** Seconds; an empty swarm is dropped once this is older than the peer TTL. */
  lastSeen = 0;

  get peers(): number {
    return (this.t4?.n ?? 0) + (this.t6?.n ?? 0);
  }
  get seeders(): number {
    return (this.t4?.seeders ?? 0) + (this.t6?.seeders ?? 0);
  }
  counts(): SwarmCounts {
    const s = this.seeders;
    return { complete: s, incomplete: this.peers - s, downloaded: this.downloaded };
  }
}

const EMPTY = new Uint8Array(0);
const ZERO: SwarmCounts = { complete: 0, incomplete: 0, downloaded: 0 };

/** The embedded store: a Map of swarms, each holding compact peer tables. Synchronous. */
export class MemoryStore implements SwarmStore {
  readonly kind = 'memory';
  private readonly swarms = new Map<string, Swarm>();
  private readonly ttlSec: number;
  private readonly maxSwarms: number;
  private readonly maxPeersPerSwarm: number;
  private readonly maxPeers: number;
  private peerCount = 0;

  constructor(opts: StoreOptions = {}) {
    this.ttlSec = Math.max(1, Math.round((opts.peerTtlMs ?? STORE_DEFAULTS.peerTtlMs) / 1000));
    this.maxSwarms = opts.maxSwarms ?? STORE_DEFAULTS.maxSwarms;
    this.maxPeersPerSwarm = opts.maxPeersPerSwarm ?? STORE_DEFAULTS.maxPeersPerSwarm;
    this.maxPeers = opts.maxPeers ?? STORE_DEFAULTS.maxPeers;
  }

  announce(a: StoreAnnounce, now: number): StoreAnnounceResult {
    const nowSec = Math.floor(now / 1000);
    const key = hashKey(a.infoHash);
    let sw = this.swarms.get(key);
    if (sw === undefined) {
      if (a.event === 'stopped') return { ...ZERO, peers4: EMPTY, peers6: EMPTY };
      if (this.swarms.size >= this.maxSwarms) throw new TrackerServerError('ETRACKER_FULL', 'tracker is full (too many torrents)');
      sw = new Swarm();
      this.swarms.set(key, sw);
    }
    sw.lastSeen = nowSec;
    const v6 = a.addr.length === 18;
    let t = v6 ? sw.t6 : sw.t4;
    if (t === null) {
      t = new PeerTable(v6 ? 18 : 6);
      if (v6) sw.t6 = t;
      else sw.t4 = t;
    }
    let slot = t.find(a.addr);
    if (a.event === 'stopped') {
      if (slot >= 0) {
        t.remove(slot);
        this.peerCount--;
      }
      return { ...sw.counts(), peers4: EMPTY, peers6: EMPTY };
    }
    const exp = nowSec + this.ttlSec;
    if (slot >= 0) {
      if (a.event === 'completed' && !t.isSeed(slot)) sw.downloaded++;
      t.update(slot, a.peerId, exp, a.seeder);
    } else {
      if (a.event === 'completed') sw.downloaded++;
      if (sw.peers < this.maxPeersPerSwarm && this.peerCount < this.maxPeers) {
        slot = t.add(a.addr, a.peerId, exp, a.seeder);
        this.peerCount++;
      }
    }
    const seeders = sw.seeders;
    let peers4 = EMPTY;
    let peers6 = EMPTY;
    let peerIds4: Uint8Array | undefined;
    let peerIds6: Uint8Array | undefined;
    const t4 = sw.t4;
    if (t4 !== null && a.want4 > 0 && t4.n > 0) {
      const k = Math.min(a.want4, t4.n);
      const out = new Uint8Array(k * 6);
      const ids = a.wantPeerIds ? new Uint8Array(k * 20) : null;
      const got = t4.sample(k, v6 ? -1 : slot, out, ids);
      peers4 = out.subarray(0, got * 6);
      if (ids) peerIds4 = ids.subarray(0, got * 20);
    }
    const t6 = sw.t6;
    if (t6 !== null && a.want6 > 0 && t6.n > 0) {
      const k = Math.min(a.want6, t6.n);
      const out = new Uint8Array(k * 18);
      const ids = a.wantPeerIds ? new Uint8Array(k * 20) : null;
      const got = t6.sample(k, v6 ? slot : -1, out, ids);
      peers6 = out.subarray(0, got * 18);
      if (ids) peerIds6 = ids.subarray(0, got * 20);
    }
    return { complete: seeders, incomplete: sw.peers - seeders, downloaded: sw.downloaded, peers4, peers6, peerIds4, peerIds6 };
  }

  scrape(infoHashes: readonly Uint8Array[]): SwarmCounts[] {
    return infoHashes.map((h) => this.swarms.get(hashKey(h))?.counts() ?? ZERO);
  }

  list(limit: number): ScrapeEntry[] {
    const out: ScrapeEntry[] = [];
    for (const [k, sw] of this.swarms) {
      if (out.length >= limit) break;
      out.push({ infoHash: Buffer.from(k, 'latin1'), ...sw.counts() });
    }
    return out;
  }

  totals(): StoreTotals {
    let seeders = 0;
    for (const sw of this.swarms.values()) seeders += sw.seeders;
    return { torrents: this.swarms.size, peers: this.peerCount, seeders, leechers: this.peerCount - seeders };
  }

  sweep(now: number): number {
    const nowSec = Math.floor(now / 1000);
    let removed = 0;
    for (const [k, sw] of this.swarms) {
      if (sw.t4) removed += sw.t4.expire(nowSec);
      if (sw.t6) removed += sw.t6.expire(nowSec);
      if (sw.peers === 0 && sw.lastSeen + this.ttlSec < nowSec) this.swarms.delete(k);
    }
    this.peerCount -= removed;
    return removed;
  }

  async close(): Promise<void> {
    this.swarms.clear();
    this.peerCount = 0;
  }
}
