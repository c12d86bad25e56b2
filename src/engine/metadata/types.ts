import type { Magnet } from '../../metainfo/magnet.js';
import type { Metainfo } from '../../metainfo/types.js';
import type { MetadataProgress } from './fetch.js';

/** Options of `Client.fetchMetadata` (and of `Client.add` given a magnet link). */
export interface MagnetOptions {
  /** More peers to ask, 'host:port' (the magnet's x.pe peers are always asked). */
  readonly peers?: readonly string[];
  /** Announce to the magnet's trackers to find peers (default true). */
  readonly announce?: boolean;
  /** Largest metadata accepted, bytes (default 16 MiB). */
  readonly maxMetadataSize?: number;
  /** Give up after this many ms (default: never); rejects with MetadataError 'timeout'. */
  readonly metadataTimeout?: number;
  /** About once a second and on every piece while fetching. */
  readonly onMetadataProgress?: (p: MetadataProgress) => void;
  /** Warnings while fetching (a peer dropped for bad metadata, a tracker failure). */
  readonly onMetadataWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Extra options of `Client.add` for a magnet link. */
export interface AddMagnetOptions extends MagnetOptions {
  /**
   * The metadata is in (before the torrent is created): e.g. save `result.torrent`. A
   * rejection aborts the add.
   */
  readonly onMetadata?: (result: MetadataResult) => void | Promise<void>;
}

/** Metadata fetched for a magnet link. */
export interface MetadataResult {
  /** Parsed torrent: the info from peers, trackers from `tr`, web seeds from `ws`. */
  readonly metainfo: Metainfo;
  /** The .torrent file's bytes (raw info dictionary as received, plus trackers and web seeds). */
  readonly torrent: Buffer;
  readonly magnet: Magnet;
}
