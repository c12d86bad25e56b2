import type { SwarmStore } from './store/interface.js';

/** Options of `startTracker`. Every list and size has a cap; defaults suit a public tracker. */
export interface TrackerOptions {
  /** Address to bind. Default '0.0.0.0'. */
  readonly host?: string;
  /** HTTP port (0: ephemeral), or false for none. Default 6969. */
  readonly http?: number | false;
  /** UDP port (0: ephemeral), or false for none. Default 6969. */
  readonly udp?: number | false;
  /** 'memory' (default), a redis://HOST:PORT URL, or a store instance. */
  readonly store?: 'memory' | string | SwarmStore;
  /** File of allowed info-hashes (hex, one per line); only these are served. */
  readonly allowFile?: string;
  /** File of refused info-hashes. */
  readonly denyFile?: string;
  /** Seconds between announces we ask for. Default 1800. */
  readonly announceInterval?: number;
  /** `min interval` sent. Default announceInterval / 2. */
  readonly minInterval?: number;
  /** A peer is dropped after this long without an announce. Default 1.5 announce intervals. */
  readonly peerTtlMs?: number;
  /** Peers returned when numwant is absent. Default 50. */
  readonly defaultNumWant?: number;
  /** Cap on peers returned (per address family). Default 200. */
  readonly maxNumWant?: number;
  /** Serve /scrape without info_hash (all swarms, capped). Default true. */
  readonly fullScrape?: boolean;
  /** Cap on swarms in a full scrape and in GET /torrents counts. Default 10000. */
  readonly fullScrapeLimit?: number;
  /** Most info_hash values in one HTTP scrape. Default 128. */
  readonly maxScrapeHashes?: number;
  /** UDP response size <= this x request size. Default 8. */
  readonly udpAmplification?: number;
  /** Store caps (memory bound under any stream of announces). */
  readonly maxSwarms?: number;
  readonly maxPeersPerSwarm?: number;
  readonly maxPeers?: number;
  /** Bearer token required by POST /torrents (none: uploads are open). */
  readonly catalogToken?: string;
  /** Largest .torrent accepted by POST /torrents. Default 4 MiB. */
  readonly maxTorrentBytes?: number;
  /** Most torrents in the catalog. Default 10000. */
  readonly maxCatalog?: number;
  /** Use the announce's `ip` parameter (only behind a trusted proxy). Default false. */
  readonly trustIpParam?: boolean;
  /** How often expired peers are swept. Default min(peer TTL / 4, 60 s). */
  readonly sweepIntervalMs?: number;
  /** UDP connection-id window (ids live 1-2 windows). Default 60 s. */
  readonly connectionIdWindowMs?: number;
  /** Clock in ms (tests). Default Date.now. */
  readonly now?: () => number;
}

export interface ResolvedConfig {
  readonly interval: number;
  readonly minInterval: number;
  readonly peerTtlMs: number;
  readonly defaultNumWant: number;
  readonly maxNumWant: number;
  readonly fullScrape: boolean;
  readonly fullScrapeLimit: number;
  readonly maxScrapeHashes: number;
  readonly udpAmplification: number;
  readonly catalogToken: string | undefined;
  readonly maxTorrentBytes: number;
  readonly maxCatalog: number;
  readonly trustIpParam: boolean;
  readonly sweepIntervalMs: number;
}

export function resolveConfig(o: TrackerOptions): ResolvedConfig {
  const interval = Math.max(1, Math.round(o.announceInterval ?? 1800));
  const peerTtlMs = o.peerTtlMs ?? Math.round(interval * 1500);
  return {
    interval,
    minInterval: Math.max(1, Math.round(o.minInterval ?? interval / 2)),
    peerTtlMs,
    defaultNumWant: o.defaultNumWant ?? 50,
    maxNumWant: o.maxNumWant ?? 200,
    fullScrape: o.fullScrape ?? true,
    fullScrapeLimit: o.fullScrapeLimit ?? 10_000,
    maxScrapeHashes: o.maxScrapeHashes ?? 128,
    udpAmplification: o.udpAmplification ?? 8,
    catalogToken: o.catalogToken,
    maxTorrentBytes: o.maxTorrentBytes ?? 4 * 1024 * 1024,
    maxCatalog: o.maxCatalog ?? 10_000,
    trustIpParam: o.trustIpParam ?? false,
    sweepIntervalMs: o.sweepIntervalMs ?? Math.min(Math.max(250, peerTtlMs / 4), 60_000),
  };
}
