import type { Socket } from 'node:net';
import type { Bitfield } from '../core/bitfield.js';
import type { Metainfo } from '../metainfo/types.js';
import type { CacheBudget } from '../storage/cache.js';
import type { Storage } from '../storage/interface.js';
import type { PeerDiscovery } from './discovery.js';
import type { BandwidthScheduler, RateLimiter, UploadSlots } from './limits.js';
import type { FilePriority } from './priority.js';
import type { Torrent } from './torrent.js';
import type { WebSeedOptions } from './webseed/types.js';

/** What a torrent needs from its client. */
export interface ClientLink {
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly uploadSlots: number;
  readonly minAnnounceInterval: number | undefined;
  /** Peer sources besides trackers (DHT, LSD). */
  readonly discovery: readonly PeerDiscovery[];
  /** Client-wide rate limits (parents of each torrent's) and the wake-up timer of throttled peers. */
  readonly bandwidth: BandwidthScheduler;
  readonly downLimit: RateLimiter;
  readonly upLimit: RateLimiter;
  /** Upload slots over all torrents. */
  readonly slots: UploadSlots;
  /** Room for more connections client-wide. */
  connectionRoom(): number;
  /** Opens an outgoing socket; `onChunk` gets its data (read into a reused buffer: views are valid during the call only). */
  dial(host: string, port: number, onChunk: (chunk: Buffer) => void): Socket;
  removeTorrent(t: Torrent): void;
}

export interface TorrentInit {
  readonly meta: Metainfo;
  readonly storage: Storage;
  readonly have: Bitfield;
  readonly resumePath: string | undefined;
  readonly select: readonly number[] | undefined;
  /** Per-file priorities (overrides select). */
  readonly priorities?: readonly FilePriority[] | undefined;
  readonly sequential: boolean;
  readonly seed: boolean;
  readonly peers: readonly string[];
  readonly maxPeers: number;
  readonly announce: boolean;
  readonly inFlightBytes: number;
  /** The seeding read cache's budget: the client's shared one, or the torrent's own. */
  readonly cacheBudget: CacheBudget;
  /** Pieces hashed at start-up and whether resume data was trusted whole. */
  readonly checkedPieces: number;
  readonly fromResume: boolean;
  /** BEP 16 super-seeding (only when the data is complete). */
  readonly superSeed?: boolean;
  /** BEP 19 web seeds: options, or false for none (default: the url-list, default options). */
  readonly webSeeds?: WebSeedOptions | false;
}

