import { Bitfield } from '../core/bitfield.js';
import { InfoHash } from '../core/infohash.js';
import type { Torrent, TorrentProgress } from '../engine/index.js';
import type { MetadataProgress } from '../engine/metadata/fetch.js';
import type { Magnet } from '../metainfo/magnet.js';
import type { Metainfo } from '../metainfo/types.js';
import type { TorrentRecord } from './store.js';

export type EntryState = 'metadata' | 'stopped' | 'checking' | 'downloading' | 'seeding' | 'paused' | 'error';

/**
 * Stand-in metainfo of a magnet / info-hash add whose metadata is not in yet: no files, no
 * pieces, the link's `dn` (else the info-hash) as name, its trackers and web seeds.
 */
export function placeholderMeta(m: Magnet): Metainfo {
  return {
    infoHash: InfoHash.fromBytes(m.infoHash.bytes),
    infoBytes: Buffer.alloc(0),
    name: m.name ?? m.infoHash.hex,
    pieceLength: 0,
    pieces: Buffer.alloc(0),
    pieceCount: 0,
    totalLength: 0,
    multiFile: false,
    files: [],
    private: false,
    announce: m.trackers.map((t) => [t]),
    webSeeds: [...m.webSeeds],
    hybrid: false,
  };
}

/** One torrent as the daemon holds it: its record, metainfo, and the engine torrent while running. */
export class Entry {
  readonly record: TorrentRecord;
  /** A placeholder (placeholderMeta) while `record.magnet` is set: the metadata is not in yet. */
  meta: Metainfo;
  /** The metadata fetch in progress (magnet / info-hash add), and its last progress. */
  fetching: AbortController | undefined;
  metadataProgress: MetadataProgress | undefined;
  /** Small integer id (Transmission RPC), stable for this daemon run. */
  readonly id: number;
  torrent: Torrent | undefined;
  checking = false;
  error: string | undefined;
  /** Last tracker message per URL (from engine warnings). */
  trackerError: string | undefined;
  trackerErrorAt = 0;
  /** Verified pieces while not running (from resume data, or kept at stop). */
  lastHave: Bitfield;
  /** Payload bytes moved in earlier runs (record totals, updated when the engine torrent stops). */
  get downloadedBefore(): number {
    return this.record.downloadedTotal ?? 0;
  }

  get uploadedBefore(): number {
    return this.record.uploadedTotal ?? 0;
  }

  /** Adds a finished run's payload counts to the persisted totals. */
  addTotals(downloaded: number, uploaded: number): void {
    this.record.downloadedTotal = this.downloadedBefore + downloaded;
    this.record.uploadedTotal = this.uploadedBefore + uploaded;
  }
  startedAt = 0;
  /** Serializes start/stop/verify/remove. */
  op: Promise<unknown> = Promise.resolve();
  /** Last progress signature sent on the event stream. */
  lastSig = '';
  detach: (() => void) | undefined;

  constructor(record: TorrentRecord, meta: Metainfo, id: number) {
    this.record = record;
    this.meta = meta;
    this.id = id;
    this.lastHave = new Bitfield(meta.pieceCount);
  }

  get hash(): string {
    return this.meta.infoHash.hex;
  }

  /** Still waiting for the metadata (no .torrent yet): a magnet or info-hash add. */
  get pending(): boolean {
    return this.record.magnet !== undefined;
  }

  /** The metadata came in: the real metainfo replaces the placeholder. */
  setMeta(meta: Metainfo): void {
    this.meta = meta;
    this.lastHave = new Bitfield(meta.pieceCount);
    this.fetching = undefined;
    this.metadataProgress = undefined;
  }

  get state(): EntryState {
    if (this.fetching !== undefined) return 'metadata';
    if (this.checking) return 'checking';
    if (this.error !== undefined && this.torrent === undefined) return 'error';
    const t = this.torrent;
    if (t === undefined) return 'stopped';
    const s = t.state;
    if (s === 'closed') return 'stopped';
    // Complete at start-up: the engine reports 'seeding' a moment later (after its flush).
    if (s === 'downloading' && t.picker.remaining === 0) return 'seeding';
    return s;
  }

  get have(): Bitfield {
    return this.torrent?.have ?? this.lastHave;
  }

  /** Transfer snapshot; zeros when stopped. */
  progress(): TorrentProgress | undefined {
    return this.torrent?.progress();
  }

  /** Runs `fn` after every earlier operation on this entry. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.op.catch(() => {}).then(fn);
    this.op = next;
    return next;
  }
}
