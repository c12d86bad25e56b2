import { Bitfield } from '../core/bitfield.js';
import type { Torrent, TorrentProgress } from '../engine/index.js';
import type { Metainfo } from '../metainfo/types.js';
import type { TorrentRecord } from './store.js';

export type EntryState = 'stopped' | 'checking' | 'downloading' | 'seeding' | 'paused' | 'error';

/** One torrent as the daemon holds it: its record, metainfo, and the engine torrent while running. */
export class Entry {
  readonly record: TorrentRecord;
  readonly meta: Metainfo;
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

  get state(): EntryState {
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
