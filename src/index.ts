// Public library entry point: `import { … } from 'shoal'`.
export { ShoalError, isShoalError } from './core/errors.js';
export { InfoHash } from './core/infohash.js';
export { Bitfield } from './core/bitfield.js';
export * as bencode from './bencode/index.js';
export * as wire from './wire/index.js';
export * as storage from './storage/index.js';
export { createTorrent, choosePieceLength, CreateError, MIN_PIECE_LENGTH as MIN_CREATE_PIECE_LENGTH, MAX_PIECE_LENGTH as MAX_CREATE_PIECE_LENGTH } from './metainfo/create.js';
export type { CreateOptions, CreateResult } from './metainfo/create.js';
export { verifyData, PIECE_GOOD, PIECE_MISSING, PIECE_CORRUPT } from './metainfo/verify.js';
export type { VerifyOptions, VerifyResult, VerifyFile } from './metainfo/verify.js';
export { HashError } from './metainfo/hasher.js';
export {
  parseTorrent, parseInfoDict, MetainfoError, MagnetError, UnsafePathError, parseMagnet, formatMagnet, magnetFromMetainfo,
  sanitizePathComponent, sanitizePath, resolveInside, torrentRelativePath, pieceSize, pieceSpans, filePieceRange, spansForRange,
} from './metainfo/index.js';
export type { Metainfo, FileEntry, FileSpan, Magnet, InfoMetainfo } from './metainfo/index.js';
// Tracker server and its protocol codecs (issue 4).
export * as trackerProtocol from './tracker/protocol/index.js';
export { startTracker, connectRedisStore, MemoryStore, TrackerServerError, AccessList, ConnectionIds } from './tracker/server/index.js';
export type { Tracker, TrackerOptions, SwarmStore, StoreAnnounce, StoreAnnounceResult, StoreTotals, StoreOptions, RedisStore, RedisStoreOptions } from './tracker/server/index.js';
export { Client, Torrent, EngineError } from './engine/index.js';
export type { AddOptions, ClientOptions, PeerEvent, PeerInfo, TorrentEvents, TorrentProgress, TorrentSource, TorrentState } from './engine/index.js';
// Daemon: many torrents, JSON API, Transmission RPC (issue 5).
export { startDaemon, ApiError, API_STATUS, TorrentManager } from './daemon/index.js';
export type { Daemon, DaemonOptions, ApiCode, AddRequest, DaemonEvent, ManagerOptions, Priority, TorrentRecord, Health, Summary } from './daemon/index.js';
// Swarm health, drain, super-seeding (issue 6).
export { computeHealth, pieceRanges } from './engine/health.js';
export type { HealthFigures, TorrentHealth } from './engine/health.js';
export type { DrainOptions, DrainProgress, DrainResult, DrainEnd } from './engine/drain.js';
// Rate limits, file priorities, recheck, tracker status (issue 5 follow-up).
export type { FilePriority, RateLimits, RecheckResult } from './engine/index.js';
export type { TrackerStatus } from './tracker/client/announcer.js';
// Magnet links: metadata exchange (BEP 9), fetch and serve.
export { MetadataError, MetadataFetcher, torrentFromInfo } from './engine/metadata/index.js';
export type { AddMagnetOptions, MagnetOptions, MetadataResult, MetadataProgress, MetadataReason } from './engine/metadata/index.js';
// Web seeds (BEP 19): AddOptions.webSeeds, Torrent.webSeeds.
export { WebSeedError } from './engine/webseed/index.js';
export type { WebSeedInfo, WebSeedOptions, WebSeedReason, WebSeedState } from './engine/webseed/index.js';
// Mainline DHT (BEP 5, BEP 32, BEP 42) and its engine adapter (issue 7).
export { DhtNode, DhtError, DEFAULT_BOOTSTRAP, RoutingTable, secureNodeId, isSecureNodeId, decodeMessage, encodeQuery, encodeResponse, encodeError } from './dht/index.js';
export type { DhtNodeOptions, AnnounceResult, DhtReason, Message as KrpcMessage, Query as KrpcQuery, Response as KrpcResponse } from './dht/index.js';
export { DhtDiscovery, defaultDhtBootstrap } from './engine/dht-discovery.js';
export type { DhtDiscoveryOptions } from './engine/dht-discovery.js';
// Peer exchange (BEP 11: Torrent.pex) and local service discovery (BEP 14: pass an LsdDiscovery in ClientOptions.discovery).
export { PexFeature, LsdDiscovery, LsdError, encodeLsd, parseLsd, LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_PORT } from './engine/index.js';
export type { PexOptions, PexStats, LsdOptions, LsdStats, LsdAnnounce } from './engine/index.js';
