import { spansForRange } from '../../metainfo/layout.js';
import type { FileSpan, Metainfo } from '../../metainfo/types.js';
import type { BlockRequest } from '../picker/blocks.js';

type PlanMeta = Pick<Metainfo, 'files' | 'pieceLength' | 'pieceCount' | 'totalLength'>;

/** A contiguous run of claimed blocks in torrent space: `length` bytes at `offset`. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * Merges claimed blocks into contiguous byte ranges of the torrent (across piece
 * boundaries), in offset order, none longer than `maxLength` unless a single block is.
 * Sorts: O(k log k) in the k blocks of one claim.
 */
export function mergeBlocks(reqs: readonly BlockRequest[], pieceLength: number, maxLength = Infinity): ByteRange[] {
  const offs = reqs.map((r) => ({ offset: r.index * pieceLength + r.begin, length: r.length })).sort((a, b) => a.offset - b.offset);
  const out: ByteRange[] = [];
  let cur: { offset: number; length: number } | undefined;
  for (const b of offs) {
    if (cur && cur.offset + cur.length === b.offset && cur.length + b.length <= maxLength) cur.length += b.length;
    else {
      if (cur) out.push(cur);
      cur = { offset: b.offset, length: b.length };
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** The file slices of a range: HTTP requests (pad files are zeros and never fetched). */
export function rangeSpans(meta: PlanMeta, r: ByteRange): FileSpan[] {
  return spansForRange(meta, r.offset, r.length);
}

/** Splits a range back into per-piece runs: (piece, begin within it, offset within the range, length). */
export function forEachPieceRun(pieceLength: number, r: ByteRange, fn: (index: number, begin: number, at: number, length: number) => void): void {
  let pos = r.offset;
  const end = r.offset + r.length;
  while (pos < end) {
    const index = Math.floor(pos / pieceLength);
    const begin = pos - index * pieceLength;
    const n = Math.min(end, (index + 1) * pieceLength) - pos;
    fn(index, begin, pos - r.offset, n);
    pos += n;
  }
}
