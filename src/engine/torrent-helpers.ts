import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Bitfield } from '../core/bitfield.js';
import { allocPiece } from './hash.js';
import type { Storage } from '../storage/interface.js';
import { snapshotFiles, writeResume } from '../storage/resume.js';
import type { Choker } from './choker.js';
import type { UploadSlots } from './limits.js';
import type { PeerConnection } from './peer.js';
import type { PeerInfo } from './types.js';

/** A connection as Torrent.peers lists it. */
export function peerInfo(c: PeerConnection): PeerInfo {
  return {
    address: c.address,
    peerId: c.peerIdHex,
    client: c.client,
    incoming: c.incoming,
    downloaded: c.downloaded,
    uploaded: c.uploaded,
    downloadRate: c.downloadRateCache,
    uploadRate: c.uploadRateCache,
    amChoking: c.amChoking,
    amInterested: c.amInterested,
    peerChoking: c.peerChoking,
    peerInterested: c.peerInterested,
    pieces: c.pp?.bitfield.count ?? 0,
  };
}

/**
 * One choking pass: the choker's round when due (10 s; optimistic slot every 30 s), then
 * free slots (a departure, a newly interested peer) are filled at once instead of at the
 * next round. With `slots` (the client-wide cap) an unchoke needs a free global slot.
 */
export function rechoke(choker: Choker<PeerConnection>, peers: PeerConnection[], now: number, seeding: boolean, slots?: UploadSlots): void {
  const d = choker.run(
    peers.map((c) => ({ id: c, interested: c.peerInterested, choked: c.amChoking, downloadRate: c.downloadRateCache, uploadRate: c.uploadRateCache, connectedAt: c.connectedAt, snubbed: c.rq.snubbed })),
    now,
    seeding,
  );
  if (d) {
    for (const c of d.choke) {
      if (!c.amChoking) slots?.release();
      c.choke();
    }
    for (const c of d.unchoke) if (slots === undefined || slots.take()) c.unchoke();
  }
  let unchoked = 0;
  for (const c of peers) if (!c.amChoking && !c.closed) unchoked++;
  for (const c of peers) {
    if (unchoked >= choker.uploadSlots + 1) break;
    if (c.amChoking && c.peerInterested && !c.closed) {
      if (slots !== undefined && !slots.take()) break;
      c.unchoke();
      unchoked++;
    }
  }
}

/** Writes resume data atomically (folder created); `have` is copied before any await. */
export async function saveResumeFile(path: string, storage: Storage, infoHash: Uint8Array, have: Bitfield, clean: boolean): Promise<void> {
  const bitfield = Uint8Array.from(have.buffer);
  if (clean) await storage.flush();
  const files = await snapshotFiles(storage);
  await mkdir(dirname(path), { recursive: true });
  await writeResume(path, { infoHash, pieceCount: have.length, bitfield, files, cleanShutdown: clean });
}

/** Periodic resume writes: at most one per this interval while pieces keep arriving. */
const RESUME_EVERY_MS = 30_000;

/**
 * A torrent's resume file: whether the one on disk is still exact (`onDisk`: trusted at
 * start, or clean and nothing changed since), pieces verified since the last write
 * (`dirty`), writes one after another, and a periodic write from the tick while dirty.
 * Without a path every write is a no-op.
 */
export class ResumeKeeper {
  onDisk: boolean;
  private dirty = false;
  private last: number;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly storage: Storage,
    private readonly infoHash: Uint8Array,
    private readonly have: () => Bitfield,
    trustedAtStart: boolean,
    now: number,
  ) {
    this.onDisk = trustedAtStart;
    this.last = now;
  }

  get enabled(): boolean {
    return this.path !== undefined;
  }

  /** A piece was verified (or the data changed): the file on disk is stale. */
  changed(): void {
    this.dirty = true;
    this.onDisk = false;
  }

  /** A full re-check wrote its own state: nothing pending, nothing trusted. */
  reset(): void {
    this.onDisk = false;
    this.dirty = false;
  }

  /** Writes the resume file (after earlier writes); `clean` marks a clean shutdown (flushes first). */
  save(clean: boolean): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    if (!clean) this.onDisk = false;
    const next = (this.saving ?? Promise.resolve()).catch(() => {}).then(() => saveResumeFile(path, this.storage, this.infoHash, this.have(), clean));
    this.saving = next;
    return next;
  }

  /** From the tick: flushes and writes when pieces arrived and the interval passed. */
  tick(now: number, warn: (message: string) => void): void {
    if (!this.dirty || now - this.last <= RESUME_EVERY_MS) return;
    this.last = now;
    this.dirty = false;
    void this.storage
      .flush()
      .then(() => this.save(false))
      .catch((e: unknown) => warn(`cannot write resume data: ${(e as Error).message}`));
  }

  /** Resolves once no write is running. */
  async idle(): Promise<void> {
    if (this.saving) await this.saving.catch(() => {});
  }
}

/**
 * Buffers for pieces being downloaded: full-size ones are reused once written (no page
 * faults on fresh memory, no GC churn); at most `keep` are held idle.
 */
export class PieceBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly pieceLength: number,
    private readonly keep: number,
  ) {}

  get(size: number): Buffer {
    if (size === this.pieceLength) {
      const b = this.free.pop();
      if (b !== undefined) return b;
    }
    return allocPiece(size);
  }

  release(b: Buffer): void {
    if (b.length === this.pieceLength && this.free.length < this.keep) this.free.push(b);
  }
}
