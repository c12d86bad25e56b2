import { encode } from '../../bencode/encode.js';

export interface TorrentFileExtras {
  /** Tracker URLs, each its own tier (as magnet `tr` parameters are). */
  readonly trackers?: readonly string[];
  /** BEP 19 web seeds (magnet `ws`). */
  readonly webSeeds?: readonly string[];
  readonly createdBy?: string;
}

const key = (k: string): Buffer => Buffer.from(`${Buffer.byteLength(k)}:${k}`, 'utf8');

/**
 * A .torrent file around an info dictionary received from peers: the info bytes are copied
 * in exactly as they are (never re-encoded), so the file's info-hash is theirs. Keys are
 * written in sorted order: announce, announce-list, created by, info, url-list.
 */
export function torrentFromInfo(info: Uint8Array, extra: TorrentFileExtras = {}): Buffer {
  const trackers = [...new Set(extra.trackers ?? [])];
  const seeds = [...new Set(extra.webSeeds ?? [])];
  const parts: Buffer[] = [Buffer.from('d')];
  if (trackers.length > 0) {
    parts.push(key('announce'), encode(trackers[0]!));
    parts.push(key('announce-list'), encode(trackers.map((t) => [t])));
  }
  if (extra.createdBy !== undefined) parts.push(key('created by'), encode(extra.createdBy));
  parts.push(key('info'), Buffer.from(info.buffer, info.byteOffset, info.length));
  if (seeds.length > 0) parts.push(key('url-list'), encode(seeds));
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}
