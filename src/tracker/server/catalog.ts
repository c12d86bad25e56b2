import { isShoalError } from '../../core/errors.js';
import { parseTorrent } from '../../metainfo/parse.js';
import type { Metainfo } from '../../metainfo/types.js';
import { TrackerServerError } from './errors.js';

export interface CatalogEntry {
  readonly meta: Metainfo;
  /** The .torrent exactly as uploaded. */
  readonly torrent: Buffer;
  readonly addedAt: number;
}

/** Torrents registered with POST /torrents, by hex info-hash; capped in count and size. */
export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Validates and registers a .torrent; returns the entry and whether it was new. */
  add(buf: Uint8Array, now = Date.now()): { entry: CatalogEntry; created: boolean } {
    if (buf.length > this.maxBytes) throw new TrackerServerError('ETRACKER_CATALOG', `.torrent larger than ${this.maxBytes} bytes`, { reason: 'too_large' });
    if (buf.length === 0) throw new TrackerServerError('ETRACKER_CATALOG', 'empty body: send the .torrent file as the request body', { reason: 'invalid' });
    let meta: Metainfo;
    try {
      meta = parseTorrent(buf);
    } catch (e) {
      const msg = isShoalError(e) || e instanceof Error ? e.message : String(e);
      throw new TrackerServerError('ETRACKER_CATALOG', `invalid .torrent: ${msg}`, { reason: 'invalid' });
    }
    const hex = meta.infoHash.hex;
    const old = this.entries.get(hex);
    if (old) return { entry: old, created: false };
    if (this.entries.size >= this.maxEntries) throw new TrackerServerError('ETRACKER_CATALOG', `catalog is full (${this.maxEntries} torrents)`, { reason: 'full' });
    const entry: CatalogEntry = { meta, torrent: Buffer.from(buf), addedAt: now };
    this.entries.set(hex, entry);
    return { entry, created: true };
  }

  get(hex: string): CatalogEntry | undefined {
    return this.entries.get(hex.toLowerCase());
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }
}
