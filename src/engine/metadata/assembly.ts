import { createHash } from 'node:crypto';
import { METADATA_PIECE_SIZE, metadataPieceCount, metadataPieceLength } from '../../wire/metadata.js';

/** A piece asked from one peer this long ago may be asked from another as well. */
const TAIL_MS = 2000;

/**
 * One copy of the metadata being put together from 16 KiB pieces. Pieces are allocated as
 * they arrive (never more than `size` bytes), each remembers the connection it came from
 * so a copy that fails its hash check can be blamed.
 */
export class Assembly<C> {
  readonly count: number;
  private readonly pieces: (Buffer | undefined)[];
  private readonly from: (C | undefined)[];
  /** Who was last asked for each piece, and when (ms). */
  private readonly asked: (C | undefined)[];
  private readonly askedAt: Float64Array;
  private have = 0;

  constructor(readonly size: number) {
    this.count = metadataPieceCount(size);
    this.pieces = new Array<Buffer | undefined>(this.count);
    this.from = new Array<C | undefined>(this.count);
    this.asked = new Array<C | undefined>(this.count);
    this.askedAt = new Float64Array(this.count);
  }

  get piecesHave(): number {
    return this.have;
  }

  get complete(): boolean {
    return this.have === this.count;
  }

  /**
   * The next piece to ask `c` for: one nobody is asked for, else (at the tail) the piece
   * asked for longest ago from someone else, once that is `TAIL_MS` old; undefined when
   * `c` has nothing to do now.
   */
  pick(c: C, inflight: { has(piece: number): boolean }, now: number): number | undefined {
    let tail: number | undefined;
    for (let i = 0; i < this.count; i++) {
      if (this.pieces[i] !== undefined || inflight.has(i)) continue;
      if (this.asked[i] === undefined) return this.mark(i, c, now);
      if (now - this.askedAt[i]! < TAIL_MS) continue;
      if (tail === undefined || this.askedAt[i]! < this.askedAt[tail]!) tail = i;
    }
    return tail === undefined ? undefined : this.mark(tail, c, now);
  }

  private mark(i: number, c: C, now: number): number {
    this.asked[i] = c;
    this.askedAt[i] = now;
    return i;
  }

  /** Nobody is waiting for `piece` from `c` any more (reject, timeout, closed). */
  release(piece: number, c: C): void {
    if (this.asked[piece] === c) this.asked[piece] = undefined;
  }

  /** Stores a piece (copied); false when it was already there or is out of range. */
  put(piece: number, data: Uint8Array, c: C): boolean {
    if (!(piece >= 0 && piece < this.count) || this.pieces[piece] !== undefined) return false;
    if (data.length !== metadataPieceLength(this.size, piece)) return false;
    this.pieces[piece] = Buffer.from(data);
    this.from[piece] = c;
    this.asked[piece] = undefined;
    this.have++;
    return true;
  }

  /** The distinct connections that sent pieces. */
  contributors(): C[] {
    return [...new Set(this.from.filter((x): x is C => x !== undefined))];
  }

  /** The whole blob, when complete. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    for (let i = 0; i < this.count; i++) this.pieces[i]!.copy(out, i * METADATA_PIECE_SIZE);
    return out;
  }

  /** SHA-1 of the complete blob equals `infoHash`. */
  matches(infoHash: Uint8Array): boolean {
    return createHash('sha1').update(this.bytes()).digest().equals(infoHash);
  }
}
