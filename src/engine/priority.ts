import type { FileEntry } from '../metainfo/types.js';
import { EngineError } from './engine-errors.js';
import { wantedPieces } from './picker/wanted.js';

/** Per-file download priority: 'skip' files are not downloaded; 'high' first, 'low' last. */
export type FilePriority = 'skip' | 'low' | 'normal' | 'high';
export const FILE_PRIORITIES: readonly FilePriority[] = ['skip', 'low', 'normal', 'high'];

/** Piece priority levels of the picker (higher is picked first). */
export const PIECE_LOW = 0;
export const PIECE_NORMAL = 1;
export const PIECE_HIGH = 2;

const LEVEL: Record<FilePriority, number> = { skip: -1, low: PIECE_LOW, normal: PIECE_NORMAL, high: PIECE_HIGH };

export interface PiecePlan {
  /** 1 for pieces to download. */
  readonly wanted: Uint8Array;
  /** Per piece: PIECE_LOW / NORMAL / HIGH (the highest of the wanted files it overlaps). */
  readonly priority: Uint8Array;
}

/**
 * Wanted pieces and their priority from per-file priorities. A piece shared by files of
 * different priorities takes the highest wanted one (as libtorrent does), so a piece
 * shared by a skipped and a wanted file is downloaded. Empty and pad files are ignored.
 * O(files + pieces). Throws EngineError on a wrong count or an unknown priority.
 */
export function planPieces(
  pieceLength: number,
  totalLength: number,
  files: readonly Pick<FileEntry, 'offset' | 'length' | 'pad'>[],
  priorities: readonly FilePriority[],
): PiecePlan {
  if (priorities.length !== files.length) throw new EngineError('select', `expected ${files.length} file priorities, got ${priorities.length}`, { files: files.length, given: priorities.length });
  const pieceCount = Math.ceil(totalLength / pieceLength);
  const wanted = new Uint8Array(pieceCount);
  const priority = new Uint8Array(pieceCount).fill(PIECE_NORMAL);
  const best = new Int8Array(pieceCount).fill(-1);
  files.forEach((f, k) => {
    const p = priorities[k]!;
    const level = LEVEL[p];
    if (level === undefined) throw new EngineError('select', `unknown file priority ${String(p)}`, { index: k });
    if (level < 0 || f.length <= 0 || f.pad) return;
    const first = Math.floor(f.offset / pieceLength);
    const last = Math.min(pieceCount - 1, Math.floor((f.offset + f.length - 1) / pieceLength));
    for (let i = first; i <= last; i++) if (level > best[i]!) best[i] = level;
  });
  for (let i = 0; i < pieceCount; i++) {
    const b = best[i]!;
    if (b >= 0) {
      wanted[i] = 1;
      priority[i] = b;
    }
  }
  return { wanted, priority };
}

/**
 * The wanted-piece mask for downloading only `fileIndexes` (indexes into `files`; empty or
 * undefined: every file). Throws EngineError 'select' on an index out of range.
 */
export function selectionMask(meta: { readonly pieceLength: number; readonly totalLength: number; readonly files: readonly Pick<FileEntry, 'offset' | 'length' | 'pad'>[] }, fileIndexes: readonly number[] | undefined): Uint8Array {
  const files = meta.files;
  let flags: boolean[];
  if (fileIndexes === undefined || fileIndexes.length === 0) flags = files.map(() => true);
  else {
    for (const i of fileIndexes) {
      if (!(Number.isInteger(i) && i >= 0 && i < files.length)) throw new EngineError('select', `file index ${i} out of range (0..${files.length - 1})`, { index: i });
    }
    const set = new Set(fileIndexes);
    flags = files.map((_, i) => set.has(i));
  }
  return wantedPieces(meta.pieceLength, meta.totalLength, files, flags);
}
