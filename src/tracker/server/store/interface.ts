import type { AnnounceEvent } from '../../protocol/announce.js';
import type { ScrapeEntry, SwarmCounts } from '../../protocol/http-response.js';

export type MaybePromise<T> = T | Promise<T>;

/** One announce as a store sees it: the server has validated and capped everything. */
export interface StoreAnnounce {
  readonly infoHash: Uint8Array;
  /** The peer's compact address: 6 bytes (IPv4) or 18 bytes (IPv6). Identifies the peer in the swarm. */
  readonly addr: Uint8Array;
  readonly peerId: Uint8Array;
  /** left === 0. */
  readonly seeder: boolean;
  readonly event: AnnounceEvent;
  /** IPv4 peers wanted (0..cap). */
  readonly want4: number;
  /** IPv6 peers wanted (0..cap). */
  readonly want6: number;
  /** Also return the peer ids of the returned peers (non-compact HTTP responses). */
  readonly wantPeerIds: boolean;
}

export interface StoreAnnounceResult extends SwarmCounts {
  /** Concatenated 6-byte entries, never the announcing peer. */
  readonly peers4: Uint8Array;
  /** Concatenated 18-byte entries. */
  readonly peers6: Uint8Array;
  /** 20 bytes per entry of peers4 / peers6, when wantPeerIds. */
  readonly peerIds4?: Uint8Array | undefined;
  readonly peerIds6?: Uint8Array | undefined;
}

export interface StoreTotals {
  readonly torrents: number;
  readonly peers: number;
  readonly seeders: number;
  readonly leechers: number;
}

/**
 * Where swarms live. The memory store answers synchronously (the hot path never awaits);
 * the redis store returns promises. Callers handle both (`MaybePromise`).
 * Times are milliseconds (the caller's clock), so tests can drive expiry.
 */
export interface SwarmStore {
  readonly kind: string;
  /** Records (or, on `stopped`, removes) the peer and returns counts and other peers. */
  announce(a: StoreAnnounce, now: number): MaybePromise<StoreAnnounceResult>;
  /** Counts for each hash, in order (zeros for an unknown swarm). */
  scrape(infoHashes: readonly Uint8Array[], now: number): MaybePromise<SwarmCounts[]>;
  /** Up to `limit` swarms with their counts (full scrape, catalog, metrics). */
  list(limit: number, now: number): MaybePromise<ScrapeEntry[]>;
  totals(now: number): MaybePromise<StoreTotals>;
  /** Drops peers whose last announce is older than the peer TTL; returns how many. */
  sweep(now: number): MaybePromise<number>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A peer not heard from for this long is dropped. Default 2700 s (1.5 x 30 min). */
  readonly peerTtlMs?: number;
  /** Caps that keep memory bounded under any stream of announces. */
  readonly maxSwarms?: number;
  readonly maxPeersPerSwarm?: number;
  readonly maxPeers?: number;
}

export const STORE_DEFAULTS = {
  peerTtlMs: 2_700_000,
  maxSwarms: 1_000_000,
  maxPeersPerSwarm: 100_000,
  maxPeers: 10_000_000,
} as const;
