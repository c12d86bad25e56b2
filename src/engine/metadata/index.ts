export { MetadataServer } from './serve.js';
export { MetadataFetcher, DEFAULT_MAX_METADATA_SIZE } from './fetch.js';
export type { MetadataFetchOptions, MetadataProgress, MetadataPeerEvent, MetadataFetchEvents } from './fetch.js';
export { MetadataError } from './errors.js';
export type { MetadataReason } from './errors.js';
export { torrentFromInfo } from './torrent-file.js';
export type { TorrentFileExtras } from './torrent-file.js';
export { isMagnetSource, parseMagnetSource } from './source.js';
export type { AddMagnetOptions, MagnetOptions, MetadataResult } from './types.js';
