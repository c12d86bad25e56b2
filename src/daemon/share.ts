import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { Bitfield } from '../core/bitfield.js';
import { createTorrent } from '../metainfo/create.js';
import { parseTorrent } from '../metainfo/parse.js';
import { FsStorage } from '../storage/fs.js';
import { snapshotFiles, writeResume } from '../storage/resume.js';
import { registerWithCatalog } from './catalog.js';
import { toApiError } from './errors.js';
import type { ApiError } from './errors.js';
import type { TorrentManager } from './manager.js';

export interface ShareRequest {
  /** Absolute path (already checked against the share roots). */
  readonly path: string;
  readonly trackers: readonly string[];
  readonly private?: boolean;
  readonly comment?: string;
  readonly pieceLength?: number;
}

export interface ShareJob {
  readonly id: string;
  readonly path: string;
  state: 'hashing' | 'adding' | 'done' | 'error';
  hashedBytes: number;
  totalBytes: number;
  infoHash: string | undefined;
  /** 'registered' | 'skipped' | error text. */
  catalog: string;
  error: { code: string; message: string } | undefined;
  readonly finished: Promise<void>;
}

/**
 * Sharing a local file or folder: hash it into a torrent (progress on the job and as
 * `share` events), add it seeding from where it lies, register it with the tracker catalog.
 */
export class Sharer {
  private readonly jobs = new Map<string, ShareJob>();

  constructor(
    private readonly manager: TorrentManager,
    private readonly catalogToken?: string,
  ) {}

  get(id: string): ShareJob | undefined {
    return this.jobs.get(id);
  }

  list(): ShareJob[] {
    return [...this.jobs.values()];
  }

  start(req: ShareRequest): ShareJob {
    const id = randomBytes(8).toString('hex');
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    const job: ShareJob = { id, path: req.path, state: 'hashing', hashedBytes: 0, totalBytes: 0, infoHash: undefined, catalog: 'skipped', error: undefined, finished };
    this.jobs.set(id, job);
    // Finished jobs are kept for a while so clients can read the outcome.
    void this.work(job, req)
      .catch((e: unknown) => {
        const err: ApiError = toApiError(e);
        job.state = 'error';
        job.error = { code: err.apiCode, message: err.message };
      })
      .finally(() => {
        this.emit(job);
        resolveDone();
        setTimeout(() => this.jobs.delete(id), 3_600_000).unref();
      });
    return job;
  }

  private async vouch(torrent: Buffer, dir: string, hashStart: number): Promise<void> {
    const hash = parseTorrent(torrent).infoHash.hex;
    await vouchResume(torrent, dir, hashStart, this.manager.store.resumePath(hash));
  }

  private emit(job: ShareJob): void {
    this.manager.emit('event', { type: 'share', job: view(job) });
  }

  private async work(job: ShareJob, req: ShareRequest): Promise<void> {
    let last = 0;
    const hashStart = Date.now();
    const created = await createTorrent(req.path, {
      name: basename(req.path),
      ...(req.trackers.length > 0 && { announce: req.trackers.map((t) => [t]) }),
      ...(req.private !== undefined && { private: req.private }),
      ...(req.comment !== undefined && { comment: req.comment }),
      ...(req.pieceLength !== undefined && { pieceLength: req.pieceLength }),
      onProgress: (done, total) => {
        job.hashedBytes = done;
        job.totalBytes = total;
        const now = Date.now();
        if (now - last >= 250 || done === total) {
          last = now;
          this.emit(job);
        }
      },
    });
    job.infoHash = created.infoHash.hex;
    job.state = 'adding';
    const existing = this.manager.find(created.infoHash.hex);
    if (!existing) await this.vouch(created.torrent, dirname(req.path), hashStart);
    if (!existing) await this.manager.addTorrent(created.torrent, { downloadDir: dirname(req.path) });
    const catalog = this.manager.catalog;
    if (catalog !== undefined) {
      try {
        await registerWithCatalog(catalog, created.torrent, this.catalogToken);
        job.catalog = 'registered';
      } catch (e) {
        job.catalog = `failed: ${(e as Error).message}`;
      }
    }
    job.state = 'done';
  }
}

/**
 * The data was just hashed: when no file was modified since before hashing began (every
 * mtime older than `hashStart`), write resume data saying so, and the engine's start-up
 * check trusts it instead of hashing everything a second time. Otherwise nothing is written
 * and the engine checks the files itself.
 */
async function vouchResume(torrent: Buffer, dir: string, hashStart: number, resumePath: string): Promise<boolean> {
  const meta = parseTorrent(torrent);
  const storage = new FsStorage(meta, dir);
  try {
    const files = await snapshotFiles(storage);
    if (!files.every((f, i) => meta.files[i]!.pad || (f.size === meta.files[i]!.length && f.mtimeMs < hashStart - 1))) return false;
    const have = new Bitfield(meta.pieceCount);
    have.setAll();
    await writeResume(resumePath, { infoHash: meta.infoHash.bytes, pieceCount: meta.pieceCount, bitfield: have.buffer, files, cleanShutdown: true });
    return true;
  } catch {
    return false;
  } finally {
    await storage.close().catch(() => {});
  }
}

export function view(job: ShareJob): Record<string, unknown> {
  return {
    id: job.id,
    path: job.path,
    state: job.state,
    hashedBytes: job.hashedBytes,
    totalBytes: job.totalBytes,
    progress: job.totalBytes > 0 ? job.hashedBytes / job.totalBytes : job.state === 'done' ? 1 : 0,
    infoHash: job.infoHash ?? null,
    catalog: job.catalog,
    error: job.error ?? null,
  };
}
