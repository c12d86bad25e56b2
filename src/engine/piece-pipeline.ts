import type { Bitfield } from '../core/bitfield.js';
import type { Storage } from '../storage/interface.js';
import { copyInto, hashMatches, hashPiece } from './hash.js';
import { hashPool, shared } from './hash-pool.js';
import { PieceBuffers } from './torrent-helpers.js';

/** SHOAL_WRITE=pool writes every piece through the libuv pool (measurements). */
const SHOAL_WRITE = process.env.SHOAL_WRITE;

/** What the pipeline reports back to its torrent. */
export interface PipelineHost {
  /** SHA-1 of every piece, 20 bytes each (metainfo.pieces). */
  readonly pieceHashes: Uint8Array;
  readonly storage: Storage;
  pieceSize(index: number): number;
  /** False once the torrent is closed: hash results are dropped. */
  readonly accepting: boolean;
  /** A piece passed its hash check and is on disk (the buffer is released after the call). */
  written(index: number, size: number): void;
  hashFailed(index: number): void;
  /** A hash-and-write finished (successfully or not): a chance to notice completion. */
  settled(): void;
  /** A write failed: the torrent stops. */
  failed(e: Error): void;
}

/**
 * The download side of a torrent's pieces: one buffer per piece in flight (reused), blocks
 * copied in once, complete pieces hashed and written, and the byte counts of the selection
 * (wanted, verified). Blocks are accepted by the picker first; this only stores them.
 */
export class PiecePipeline {
  private readonly host: PipelineHost;
  private readonly bufs: (Buffer | undefined)[];
  private readonly pool: PieceBuffers;
  private readonly writes = new Set<Promise<void>>();
  private mask: Uint8Array;
  private _wanted = 0;
  private _verified = 0;

  constructor(host: PipelineHost, pieceCount: number, pieceLength: number, maxPiecesInFlight: number) {
    this.host = host;
    this.bufs = new Array<Buffer | undefined>(pieceCount);
    this.pool = new PieceBuffers(pieceLength, maxPiecesInFlight);
    this.mask = new Uint8Array(pieceCount).fill(1);
  }

  /** Bytes of the selected pieces, and of those verified on disk. */
  get wantedBytes(): number {
    return this._wanted;
  }

  get verifiedBytes(): number {
    return this._verified;
  }

  get wantedMask(): Uint8Array {
    return this.mask;
  }

  /** Hashes or writes still running. */
  get busy(): boolean {
    return this.writes.size > 0;
  }

  /** Resolves once no hash or write is running. */
  async idle(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  /** Hot path: copies an accepted block into its piece; a complete piece is hashed and written. */
  store(index: number, begin: number, block: Uint8Array, complete: boolean): void {
    let buf = this.bufs[index];
    if (buf === undefined) buf = this.bufs[index] = this.pool.get(this.host.pieceSize(index));
    copyInto(buf, block, begin);
    if (complete) this.verify(index, buf);
  }

  /** Forgets a partial piece (deselected, or found on disk by a recheck). */
  drop(index: number): void {
    this.bufs[index] = undefined;
  }

  /** A new selection: recounts wanted and verified bytes; partial pieces outside it are dropped. */
  setWanted(mask: Uint8Array, have: Bitfield): void {
    this.mask = mask;
    this._wanted = 0;
    this._verified = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) {
        this.bufs[i] = undefined;
        continue;
      }
      const size = this.host.pieceSize(i);
      this._wanted += size;
      if (have.get(i)) this._verified += size;
    }
  }

  private verify(index: number, piece: Buffer): void {
    const h = this.host;
    this.bufs[index] = undefined;
    const w = SHOAL_WRITE !== 'pool' && h.storage.writePieceWith !== undefined && shared(piece) ? this.verifyAndWrite(index, piece) : this.verifyThenWrite(index, piece);
    this.writes.add(w);
    w.then(
      () => {
        this.writes.delete(w);
        h.settled();
      },
      (e: unknown) => {
        this.writes.delete(w);
        h.failed(e as Error);
      },
    );
  }

  /** Hashed (here or on the hashing thread), then written through the libuv pool. */
  private async verifyThenWrite(index: number, piece: Buffer): Promise<void> {
    const h = this.host;
    const { data, digest } = await hashPiece(piece);
    if (!h.accepting) return;
    const ok = hashMatches(digest, h.pieceHashes, index);
    if (ok) await h.storage.writePiece(index, data);
    this.settle(index, data, ok);
  }

  /** Hashed and, when it matches, written by the hashing thread in one trip (see HashPool.hash). */
  private async verifyAndWrite(index: number, piece: Buffer): Promise<void> {
    const h = this.host;
    const expect = h.pieceHashes.subarray(index * 20, index * 20 + 20);
    let data = piece;
    let ok = false;
    await h.storage.writePieceWith!(index, async (targets) => {
      const r = await hashPool.hash(piece, { expect, targets });
      data = r.data;
      ok = r.written;
      return ok;
    });
    if (ok || h.accepting) this.settle(index, data, ok);
  }

  private settle(index: number, data: Buffer, ok: boolean): void {
    const h = this.host;
    if (!ok) {
      this.pool.release(data);
      return h.hashFailed(index);
    }
    if (this.mask[index]) this._verified += data.length;
    h.written(index, data.length);
    this.pool.release(data);
  }
}
