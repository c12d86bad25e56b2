import { pieceSize, pieceSpans, spansForRange } from '../metainfo/layout.js';
import type { FileSpan } from '../metainfo/types.js';
import { StorageError } from './errors.js';
import type { StorageLayout } from './interface.js';

/** Spans of a byte range, with range errors as StorageError 'range'. */
export function rangeSpans(layout: StorageLayout, offset: number, length: number): FileSpan[] {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > layout.totalLength) {
    throw new StorageError('range', `range ${offset}+${length} outside the torrent (0..${layout.totalLength})`, { offset, length });
  }
  return spansForRange(layout, offset, length);
}

export function checkPiece(layout: StorageLayout, index: number): { offset: number; size: number; spans: FileSpan[] } {
  if (!Number.isInteger(index) || index < 0 || index >= layout.pieceCount) {
    throw new StorageError('range', `piece ${index} out of range (0..${layout.pieceCount - 1})`, { index });
  }
  return { offset: index * layout.pieceLength, size: pieceSize(layout, index), spans: pieceSpans(layout, index) };
}

export function checkPieceData(layout: StorageLayout, index: number, data: Uint8Array): number {
  const { offset, size } = checkPiece(layout, index);
  if (data.length !== size) throw new StorageError('range', `piece ${index} is ${size} bytes, got ${data.length}`, { index, length: data.length });
  return offset;
}

export function checkFile(layout: StorageLayout, fileIndex: number): void {
  if (!Number.isInteger(fileIndex) || layout.files[fileIndex] === undefined) {
    throw new StorageError('range', `file ${fileIndex} out of range (0..${layout.files.length - 1})`, { fileIndex });
  }
}
