import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Bitfield } from '../core/bitfield.js';
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
    return Buffer.allocUnsafeSlow(size);
  }

  release(b: Buffer): void {
    if (b.length === this.pieceLength && this.free.length < this.keep) this.free.push(b);
  }
}
