/**
 * Piece <-> file geometry. Lookups binary-search a cached table of file offsets
 * (O(log files) plus the spans returned); nothing scans every file per call.
 */
import { MetainfoError } from './errors.js';
import type { FileSpan, Metainfo } from './types.js';

type Layout = Pick<Metainfo, 'files' | 'pieceLength' | 'pieceCount' | 'totalLength'>;

const offsetCache = new WeakMap<object, Float64Array>();

function offsets(meta: Layout): Float64Array {
  let t = offsetCache.get(meta.files);
  if (t === undefined) {
    t = new Float64Array(meta.files.length);
    for (let i = 0; i < meta.files.length; i++) t[i] = meta.files[i]!.offset;
    offsetCache.set(meta.files, t);
  }
  return t;
}

function rangeError(message: string, context: Record<string, unknown>): MetainfoError {
  return new MetainfoError(message, context, 'ERANGE');
}

function checkPiece(meta: Layout, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= meta.pieceCount) {
    throw rangeError(`piece ${index} out of range (0..${meta.pieceCount - 1})`, { index });
  }
}

/** Size of piece `index`; only the last one may be shorter than pieceLength. */
export function pieceSize(meta: Layout, index: number): number {
  checkPiece(meta, index);
  return index === meta.pieceCount - 1 ? meta.totalLength - index * meta.pieceLength : meta.pieceLength;
}

/** Index of the file holding byte `pos` (0 <= pos < totalLength): never a zero-length file. */
function fileAt(table: Float64Array, pos: number): number {
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (table[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The file slices covering `length` bytes at torrent offset `offset`, in order; zero-length
 * files are skipped, pad files included (check `files[span.fileIndex].pad`).
 */
export function spansForRange(meta: Layout, offset: number, length: number): FileSpan[] {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > meta.totalLength) {
    throw rangeError(`range ${offset}+${length} outside the torrent (0..${meta.totalLength})`, { offset, length });
  }
  const spans: FileSpan[] = [];
  if (length === 0) return spans;
  const table = offsets(meta);
  let i = fileAt(table, offset);
  let pos = offset;
  let left = length;
  while (left > 0) {
    const f = meta.files[i]!;
    const inFile = pos - f.offset;
    const n = Math.min(f.length - inFile, left);
    if (n > 0) {
      spans.push({ fileIndex: i, fileOffset: inFile, length: n });
      pos += n;
      left -= n;
    }
    i++;
  }
  return spans;
}

/** The file slices piece `index` covers (see spansForRange). */
export function pieceSpans(meta: Layout, index: number): FileSpan[] {
  checkPiece(meta, index);
  return spansForRange(meta, index * meta.pieceLength, pieceSize(meta, index));
}

/**
 * Pieces touching file `fileIndex`, inclusive. A zero-length file gives an empty range
 * (first === last + 1).
 */
export function filePieceRange(meta: Layout, fileIndex: number): { first: number; last: number } {
  const f = meta.files[fileIndex];
  if (!Number.isInteger(fileIndex) || f === undefined) throw rangeError(`file ${fileIndex} out of range`, { fileIndex });
  const first = Math.floor(f.offset / meta.pieceLength);
  if (f.length === 0) return { first, last: first - 1 };
  return { first, last: Math.floor((f.offset + f.length - 1) / meta.pieceLength) };
}
