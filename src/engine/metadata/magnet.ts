import type { Socket } from 'node:net';
import type { Magnet } from '../../metainfo/magnet.js';
import { MetainfoError } from '../../metainfo/errors.js';
import { parseTorrent } from '../../metainfo/parse.js';
import type { Metainfo } from '../../metainfo/types.js';
import type { PeerDiscovery } from '../discovery.js';
import { EngineError } from '../engine-errors.js';
import type { AddOptions } from '../types.js';
import { MetadataError } from './errors.js';
import { MetadataFetcher } from './fetch.js';
import { parseMagnetSource } from './source.js';
import { torrentFromInfo } from './torrent-file.js';
import type { AddMagnetOptions, MagnetOptions, MetadataResult } from './types.js';

/** What a fetch needs from its client (a subset of the torrent's ClientLink). */
export interface FetchLink {
  readonly peerId: Buffer;
  readonly listenPort: number;
  readonly minAnnounceInterval: number | undefined;
  readonly discovery: readonly PeerDiscovery[];
  connectionRoom(): number;
  dial(host: string, port: number, onChunk: (chunk: Buffer) => void): Socket;
}

const CREATED_BY = 'shoal (metadata from peers, BEP 9)';

/**
 * Fetches the metadata of a magnet link (or bare info-hash) and builds its torrent.
 * `fetches` holds the fetches under way by hex info-hash (duplicates refused; the client
 * closes them). Rejects with MagnetError, EngineError ('duplicate') or MetadataError.
 */
export async function fetchMagnet(link: FetchLink, fetches: Map<string, MetadataFetcher>, source: string | Magnet, opts: MagnetOptions): Promise<MetadataResult> {
  const magnet = typeof source === 'string' ? parseMagnetSource(source) : source;
  const id = magnet.infoHash.hex;
  if (fetches.has(id)) throw new EngineError('duplicate', `metadata for ${id} is already being fetched`, { infoHash: id });
  const f = new MetadataFetcher({
    infoHash: magnet.infoHash.bytes,
    peerId: link.peerId,
    listenPort: link.listenPort,
    dial: (h, p, on) => link.dial(h, p, on),
    connectionRoom: () => link.connectionRoom(),
    peers: [...magnet.peers, ...(opts.peers ?? [])],
    trackers: opts.announce === false ? [] : magnet.trackers,
    discovery: link.discovery,
    minAnnounceInterval: link.minAnnounceInterval,
    ...(opts.maxMetadataSize !== undefined && { maxMetadataSize: opts.maxMetadataSize }),
    ...(opts.metadataTimeout !== undefined && { timeoutMs: opts.metadataTimeout }),
    ...(opts.signal !== undefined && { signal: opts.signal }),
  });
  if (opts.onMetadataProgress) f.on('progress', opts.onMetadataProgress);
  if (opts.onMetadataWarning) f.on('warning', opts.onMetadataWarning);
  else f.on('warning', () => {});
  fetches.set(id, f);
  let info: Buffer;
  try {
    info = await f.fetch();
  } finally {
    if (fetches.get(id) === f) fetches.delete(id);
  }
  const torrent = torrentFromInfo(info, { trackers: magnet.trackers, webSeeds: magnet.webSeeds, createdBy: CREATED_BY });
  let metainfo: Metainfo;
  try {
    metainfo = parseTorrent(torrent);
  } catch (e) {
    if (!(e instanceof MetainfoError)) throw e;
    throw new MetadataError('invalid', `the metadata of ${id} is not a usable torrent: ${e.message}`, { infoHash: id }, { cause: e });
  }
  if (!metainfo.infoHash.equals(magnet.infoHash)) throw new MetadataError('invalid', `metadata of ${id} changed while parsing`, { infoHash: id });
  return { metainfo, torrent, magnet };
}

/** What addMagnet needs from the client. */
export interface MagnetClient<T> {
  fetchMetadata(source: string | Magnet, opts: MagnetOptions): Promise<MetadataResult>;
  add(source: Metainfo, opts: AddOptions): Promise<T>;
}

/**
 * `Client.add` for a magnet link: fetch the metadata, tell `onMetadata`, then add the torrent
 * with the magnet's peers, and its `so` selection unless `opts.select` is given (indexes past
 * the last file are ignored).
 */
export async function addMagnet<T>(client: MagnetClient<T>, source: string, opts: AddOptions & AddMagnetOptions): Promise<T> {
  const r = await client.fetchMetadata(source, opts);
  await opts.onMetadata?.(r);
  const files = r.metainfo.files.length;
  const so = r.magnet.selectOnly?.filter((i) => i < files);
  const select = opts.select ?? (so !== undefined && so.length > 0 ? so : undefined);
  return client.add(r.metainfo, { ...opts, peers: [...new Set([...(opts.peers ?? []), ...r.magnet.peers])], ...(select !== undefined && { select }) });
}
