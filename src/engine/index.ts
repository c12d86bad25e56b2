export { Client, makePeerId } from './client.js';
export { Torrent } from './torrent.js';
export { EngineError } from './engine-errors.js';
export type { EngineReason } from './engine-errors.js';
export type { AddOptions, ClientOptions, PeerEvent, PeerInfo, TorrentEvents, TorrentProgress, TorrentSource, TorrentState } from './types.js';
