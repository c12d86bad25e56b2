/**
 * Peers announced to us (announce_peer), per info-hash, bounded per hash and in total;
 * entries expire after PEER_TTL_MS. Oldest entries make room first.
 */
import type { Address } from './compact.js';
import { addrKey, familyOf } from './compact.js';

export const PEER_TTL_MS = 30 * 60_000;

export interface PeerStoreOptions {
  /** Peers kept per info-hash (default 200). */
  readonly perHash?: number;
  /** Info-hashes kept (default 2000). */
  readonly hashes?: number;
  /** Peers kept over all hashes (default 20000). */
  readonly total?: number;
  readonly now?: () => number;
}

export class PeerStore {
  private readonly perHash: number;
  private readonly maxHashes: number;
  private readonly maxTotal: number;
  private readonly now: () => number;
  /** hex info-hash -> (address key -> {addr, expires}); Maps keep insertion order = age. */
  private readonly byHash = new Map<string, Map<string, { addr: Address; expires: number }>>();
  private count = 0;

  constructor(opts: PeerStoreOptions = {}) {
    this.perHash = opts.perHash ?? 200;
    this.maxHashes = opts.hashes ?? 2000;
    this.maxTotal = opts.total ?? 20_000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.count;
  }

  get hashCount(): number {
    return this.byHash.size;
  }

  add(infoHash: Uint8Array, addr: Address): void {
    const hex = Buffer.from(infoHash).toString('hex');
    let peers = this.byHash.get(hex);
    if (!peers) {
      if (this.byHash.size >= this.maxHashes) this.dropOldestHash();
      peers = new Map();
      this.byHash.set(hex, peers);
    }
    const key = addrKey(addr);
    if (peers.delete(key)) this.count--;
    if (peers.size >= this.perHash) this.dropFirst(peers);
    while (this.count >= this.maxTotal) if (!this.dropAnyOldest(peers)) break;
    peers.set(key, { addr: { host: addr.host, port: addr.port }, expires: this.now() + PEER_TTL_MS });
    this.count++;
  }

  /** Up to `max` live peers of one address family, in random order. */
  get(infoHash: Uint8Array, family: 4 | 6, max = 50): Address[] {
    const hex = Buffer.from(infoHash).toString('hex');
    const peers = this.byHash.get(hex);
    if (!peers) return [];
    const now = this.now();
    const live: Address[] = [];
    for (const [key, p] of peers) {
      if (p.expires <= now) {
        peers.delete(key);
        this.count--;
      } else if (familyOf(p.addr.host) === family) live.push(p.addr);
    }
    if (peers.size === 0) this.byHash.delete(hex);
    for (let i = live.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [live[i], live[j]] = [live[j]!, live[i]!];
    }
    return live.slice(0, max);
  }

  /** Removes expired entries everywhere (call now and then). */
  expire(): void {
    const now = this.now();
    for (const [hex, peers] of this.byHash) {
      for (const [key, p] of peers) {
        if (p.expires <= now) {
          peers.delete(key);
          this.count--;
        }
      }
      if (peers.size === 0) this.byHash.delete(hex);
    }
  }

  private dropFirst(peers: Map<string, unknown>): void {
    const first = peers.keys().next();
    if (!first.done) {
      peers.delete(first.value);
      this.count--;
    }
  }

  private dropOldestHash(): void {
    const first = this.byHash.entries().next();
    if (first.done) return;
    this.count -= first.value[1].size;
    this.byHash.delete(first.value[0]);
  }

  /** Frees one entry, preferring another hash than `except`. */
  private dropAnyOldest(except: Map<string, unknown>): boolean {
    for (const [hex, peers] of this.byHash) {
      if (peers === except && this.byHash.size > 1) continue;
      if (peers.size === 0) continue;
      this.dropFirst(peers);
      if (peers.size === 0 && peers !== except) this.byHash.delete(hex);
      return true;
    }
    return false;
  }
}
