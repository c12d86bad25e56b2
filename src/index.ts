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
