import { mkdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';

/** Per-file download priority; 'skip' files are not downloaded. */
export type Priority = 'skip' | 'low' | 'normal' | 'high';
export const PRIORITIES: readonly Priority[] = ['skip', 'low', 'normal', 'high'];

/** What the daemon remembers about one torrent across restarts (state.json). */
export interface TorrentRecord {
  infoHash: string;
  name: string;
  /** Folder the torrent's file or top folder lives in. */
  downloadDir: string;
  /** Stopped by the user (not running in the engine). */
  stopped: boolean;
  /** Per file; undefined = all 'normal'. */
  priorities?: Priority[];
  /** BEP 16 super-seeding while the data is complete (ends by itself). */
  superSeed?: boolean;
  /** Bytes per second, 0 = unlimited. */
  downloadLimit: number;
  uploadLimit: number;
  /** Extra peers to dial ('host:port'). */
  peers: string[];
  /** ms since the epoch. */
  addedAt: number;
  doneAt?: number;
  /**
   * Added by magnet link or info-hash and the metadata is not in yet (no .torrent file):
   * the link to fetch it with. `stopped` then means "do not fetch" (a paused add, or
   * stopped since); `startPaused` (written by versions that fetched for paused adds) keeps
   * the torrent stopped once the metadata is in.
   */
  magnet?: string;
  startPaused?: boolean;
  /** Payload bytes over every earlier run. */
  downloadedTotal?: number;
  uploadedTotal?: number;
}

/** Daemon-wide settings changed through the API (state.json `session`). */
export interface SessionSettings {
  /** Global rate limits, bytes/s (0 = none). */
  downloadLimit?: number;
  uploadLimit?: number;
  /** The last limits set while enabled: Transmission's speed-limit-*-enabled toggles bring them back. */
  downloadLimitValue?: number;
  uploadLimitValue?: number;
}

export interface StateFile {
  version: 1;
  torrents: TorrentRecord[];
  session?: SessionSettings;
}

/**
 * The daemon's data folder:
 *   state.json              torrents and their settings (written atomically)
 *   torrents/HASH.torrent   each torrent's metainfo
 *   resume/HASH.resume      engine resume data (verified pieces, file sizes and mtimes)
 *   token                   the API token (mode 0600)
 */
export class StateStore {
  readonly dir: string;
  private pending: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private snapshot: (() => TorrentRecord[]) | undefined;
  private settings: (() => SessionSettings) | undefined;
  /** Session settings found by load() (undefined before, or when none were saved). */
  savedSettings: SessionSettings | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'torrents'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, 'resume'), { recursive: true, mode: 0o700 });
  }

  torrentPath(hash: string): string {
    return join(this.dir, 'torrents', `${hash}.torrent`);
  }

  resumePath(hash: string): string {
    return join(this.dir, 'resume', `${hash}.resume`);
  }

  async load(): Promise<TorrentRecord[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'state.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const parsed = JSON.parse(text) as Partial<StateFile>;
    const sess = parsed.session;
    if (typeof sess === 'object' && sess !== null) {
      const nat = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
      const out: SessionSettings = {};
      for (const k of ['downloadLimit', 'uploadLimit', 'downloadLimitValue', 'uploadLimitValue'] as const) {
        const v = nat(sess[k]);
        if (v !== undefined) out[k] = v;
      }
      this.savedSettings = out;
    }
    return Array.isArray(parsed.torrents) ? parsed.torrents.filter((r) => typeof r?.infoHash === 'string' && /^[0-9a-f]{40}$/.test(r.infoHash)) : [];
  }

  async saveTorrent(hash: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.torrentPath(hash), bytes, { mode: 0o600 });
  }

  readTorrent(hash: string): Promise<Buffer> {
    return readFile(this.torrentPath(hash));
  }

  async forget(hash: string): Promise<void> {
    await unlink(this.torrentPath(hash)).catch(() => {});
    await unlink(this.resumePath(hash)).catch(() => {});
  }

  /** Where records come from when a save is due. */
  bind(snapshot: () => TorrentRecord[], settings?: () => SessionSettings): void {
    this.snapshot = snapshot;
    this.settings = settings;
  }

  /** Schedules a write of state.json (coalesced over 200 ms). */
  markDirty(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.flush().catch(() => {});
    }, 200);
  }

  /**
   * Writes state.json (after any write in progress). Group commit: calls made while a write
   * is waiting to start share it, and it snapshots the records when it starts, so a burst
   * of changes costs one or two writes, not one each.
   */
  flush(): Promise<void> {
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = undefined;
    }
    if (this.queued) return this.queued;
    const next = this.writing
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const session = this.settings?.();
        const body: StateFile = { version: 1, torrents: this.snapshot?.() ?? [], ...(session && { session }) };
        return writeFileAtomic(join(this.dir, 'state.json'), Buffer.from(JSON.stringify(body) + '\n'), { mode: 0o600 });
      });
    this.queued = next;
    this.writing = next;
    return next;
  }
}
