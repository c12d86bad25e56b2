import { SchedulerError } from '../errors.js';

/** Request size every client accepts (BEP 3 practice; larger requests get peers dropped). */
export const BLOCK_SIZE = 16384;
/** One REQUEST's worth of a piece: the wire `request`/`cancel` fields. */
export interface BlockRequest {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** Piece and block sizes of one torrent (the last piece and each piece's last block may be short). */
export class Geometry {
  readonly pieceLength: number;
  readonly totalLength: number;
  readonly pieceCount: number;
  /** Blocks in a full piece: the radix of block keys. */
  readonly blocksPerPiece: number;

  constructor(pieceLength: number, totalLength: number) {
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0 || pieceLength > 2 ** 31) {
      throw new SchedulerError('piece length must be an integer in 1..2^31', { pieceLength });
    }
    if (!Number.isSafeInteger(totalLength) || totalLength <= 0) {
      throw new SchedulerError('total length must be a positive integer', { totalLength });
    }
    this.pieceLength = pieceLength;
    this.totalLength = totalLength;
    this.pieceCount = Math.ceil(totalLength / pieceLength);
    this.blocksPerPiece = Math.ceil(pieceLength / BLOCK_SIZE);
  }

  /**
   * A block's number, unique in the torrent: `index * blocksPerPiece + begin / 16 KiB`.
   * Small integers (V8 Smis, no allocation) for torrents up to 2^30 blocks (16 TiB), so
   * sets and maps of requests stay cheap. `begin` must be a block boundary.
   */
  key(index: number, begin: number): number {
    return index * this.blocksPerPiece + begin / BLOCK_SIZE;
  }

  keyIndex(key: number): number {
    return Math.floor(key / this.blocksPerPiece);
  }

  keyBegin(key: number): number {
    return (key % this.blocksPerPiece) * BLOCK_SIZE;
  }

  pieceSize(index: number): number {
    return index === this.pieceCount - 1 ? this.totalLength - index * this.pieceLength : this.pieceLength;
  }

  blockCount(index: number): number {
    return Math.ceil(this.pieceSize(index) / BLOCK_SIZE);
  }

  blockLength(index: number, block: number): number {
    const size = this.pieceSize(index);
    return Math.min(BLOCK_SIZE, size - block * BLOCK_SIZE);
  }

  /** The block number of (index, begin, length), or -1 when it is not exactly one of our blocks. */
  blockOf(index: number, begin: number, length: number): number {
    if (!(index >= 0 && index < this.pieceCount) || begin % BLOCK_SIZE !== 0 || begin < 0) return -1;
    const block = begin / BLOCK_SIZE;
    if (block >= this.blockCount(index) || length !== this.blockLength(index, block)) return -1;
    return block;
  }
}
