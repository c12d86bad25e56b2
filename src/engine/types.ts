import type { Metainfo } from '../metainfo/types.js';
import type { Storage, StorageLayout } from '../storage/interface.js';
import type { PeerDiscovery } from './discovery.js';
import type { HealthFigures } from './health.js';
import type { FilePriority } from './priority.js';
import type { WebSeedOptions } from './webseed/types.js';

/** Options of a `Client` (one listener, many torrents). */
export interface ClientOptions {
  /** TCP port for incoming peers; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on. Default '::' (IPv6 and IPv4), falling back to '0.0.0.0'. */
  readonly host?: string;
  /** 20 bytes, or a string of 20 latin1 characters. Default '-SH0100-' + 12 random characters. */
  readonly peerId?: Uint8Array | string;
  /** Seeding read cache for all torrents of the client together, bytes (default 64 MiB). */
  readonly cacheBytes?: number;
  /** Connections over all torrents (default 200). */
  readonly maxConnections?: number;
  /** Default per-torrent peer limit (default 50). */
  readonly maxPeers?: number;
  /** Regular upload slots per torrent, besides the optimistic one (default 4). */
  readonly uploadSlots?: number;
  /** Peers unchoked at once over all torrents (default: no global cap). */
  readonly maxUploadSlots?: number;
  /** Global rate limits in bytes/s, 0 = unlimited (default); see also Client.setRateLimits. */
  readonly downloadLimit?: number;
  readonly uploadLimit?: number;
  /** Do not accept incoming connections (outgoing only). Default false. */
  readonly noListen?: boolean;
  /** Lowest re-announce interval in seconds honoured (default 30; tests lower it). */
  readonly minAnnounceInterval?: number;
  /**
   * Peer sources besides trackers (DHT, LSD), shared by every torrent and closed with the
   * client. Private torrents never use them.
   */
  readonly discovery?: readonly PeerDiscovery[];
}

/** Options of `Client.add`. */
export interface AddOptions {
  /** Download directory: the torrent's file or folder goes inside it under the torrent's name. */
  readonly path: string;
  /** File indexes to download (default: all). */
  readonly select?: readonly number[];
  /**
   * Per-file priority, one per file ('skip' = not downloaded; 'high' files' pieces are
   * picked first, 'low' last). Overrides `select` when given.
   */
  readonly priorities?: readonly FilePriority[];
  /** Pick pieces in order (streaming) instead of rarest first. */
  readonly sequential?: boolean;
  /**
   * Super-seeding (BEP 16) for an initial seeder: peers are offered one piece at a time so
   * the first full copy reaches the swarm with the least upload. Ignored unless the data
   * is complete; ends by itself once every piece has been seen at some peer.
   */
  readonly superSeed?: boolean;
  /**
   * Keep serving peers once complete (default true). With false the torrent stops
   * (peers closed, `stopped` announced) right after 'done'.
   */
  readonly seed?: boolean;
  /** Peers to connect to, 'host:port' (IPv6 as '[::1]:6881'). */
  readonly peers?: readonly string[];
  /** Peer limit for this torrent (default: the client's maxPeers). */
  readonly maxPeers?: number;
  /** Announce to the torrent's trackers (default true). */
  readonly announce?: boolean;
  /**
   * Where resume data lives. Default `<path>/.shoal/<infohash>.resume`; false: none
   * (every start checks existing files).
   */
  readonly resume?: string | false;
  /** Storage factory (default: FsStorage rooted at `path`). */
  readonly storage?: (layout: StorageLayout) => Storage;
  /** Memory for pieces being downloaded, bytes (default 32 MiB). */
  readonly inFlightBytes?: number;
  /** A read cache of this many bytes for this torrent alone (default: it shares the client's, ClientOptions.cacheBytes). */
  readonly cacheBytes?: number;
  /** BEP 19 web seeds: extra URLs, connections, retry timing; false: none (default: the torrent's url-list). */
  readonly webSeeds?: WebSeedOptions | false;
}

export type TorrentSource = Buffer | Uint8Array | string | Metainfo;

export type TorrentState = 'checking' | 'downloading' | 'seeding' | 'paused' | 'closed' | 'error';

/** Snapshot of a torrent's transfer, emitted once a second as 'progress'. */
export interface TorrentProgress {
  readonly state: TorrentState;
  /** Verified pieces on disk / pieces wanted (selection) in bytes. */
  readonly verifiedBytes: number;
  readonly wantedBytes: number;
  /** 0..1 over the selection. */
  readonly progress: number;
  readonly piecesHave: number;
  readonly pieceCount: number;
  /** Payload bytes received / sent this session. */
  readonly downloaded: number;
  readonly uploaded: number;
  /** Bytes per second over the last seconds. */
  readonly downloadRate: number;
  readonly uploadRate: number;
  readonly peers: number;
  /** Seconds to completion at the current rate (Infinity when stalled, 0 when done). */
  readonly eta: number;
  /** Replication in the swarm we see (Torrent.health() adds the single-holder pieces). */
  readonly health: HealthFigures;
}

/** One connected peer, as `Torrent.peers` lists it. */
export interface PeerInfo {
  readonly address: string;
  /** Hex peer id (after the handshake). */
  readonly peerId: string | undefined;
  /** Client name from its extension handshake ('v'). */
  readonly client: string | undefined;
  readonly incoming: boolean;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly downloadRate: number;
  readonly uploadRate: number;
  readonly amChoking: boolean;
  readonly amInterested: boolean;
  readonly peerChoking: boolean;
  readonly peerInterested: boolean;
  /** Pieces it has. */
  readonly pieces: number;
}

/** 'peer' event payload. */
export interface PeerEvent {
  readonly type: 'connect' | 'disconnect';
  readonly address: string;
  readonly peerId: string | undefined;
  readonly client: string | undefined;
  readonly incoming: boolean;
  /** Why it disconnected. */
  readonly reason?: string;
  /** Payload bytes exchanged with it (on disconnect). */
  readonly downloaded?: number;
  readonly uploaded?: number;
}

/** Events of a Torrent (an `EventEmitter<TorrentEvents>`). */
export interface TorrentEvents {
  /** Once a second while running. */
  progress: [TorrentProgress];
  /** A piece was verified and written: its index. */
  piece: [number];
  /** A peer connected (after the handshake) or disconnected. */
  peer: [PeerEvent];
  /**
   * Every selected piece is verified and written (handed to the operating system), the
   * point other clients call finished. 'done' follows once it is flushed to stable storage.
   */
  complete: [];
  /** Every selected piece is verified on disk: written, flushed (fsync) and in the resume data. */
  done: [];
  /** A fatal error: the torrent stopped (disk full, storage error…). */
  error: [Error];
  /** Something worth telling (tracker failure, hash failure, banned peer). */
  warning: [string];
}
