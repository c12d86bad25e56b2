import type { FileEntry } from '../../metainfo/types.js';
import { SchedulerError } from '../errors.js';

/**
 * Which pieces to download for a file selection: 1 for every piece that overlaps a
 * selected, non-empty, non-pad file, so a piece shared by a selected and an unselected
 * file is wanted. O(files + wanted pieces).
 */
export function wantedPieces(
  pieceLength: number,
  totalLength: number,
  files: readonly Pick<FileEntry, 'offset' | 'length' | 'pad'>[],
  selected: readonly boolean[],
): Uint8Array {
  if (files.length !== selected.length) throw new SchedulerError('one selection flag per file is needed', { files: files.length, selected: selected.length });
  const pieceCount = Math.ceil(totalLength / pieceLength);
  const mask = new Uint8Array(pieceCount);
  files.forEach((f, k) => {
    if (!selected[k] || f.length <= 0 || f.pad) return;
    const first = Math.floor(f.offset / pieceLength);
    const last = Math.min(pieceCount - 1, Math.floor((f.offset + f.length - 1) / pieceLength));
    // Files do not overlap, so each piece is filled at most twice (shared boundaries).
    mask.fill(1, first, last + 1);
  });
  return mask;
}
