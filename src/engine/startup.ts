import { Bitfield } from '../core/bitfield.js';
import { pieceSize, pieceSpans } from '../metainfo/layout.js';
import type { Metainfo } from '../metainfo/types.js';
import type { FileStat, Storage } from '../storage/interface.js';
import { readResume } from '../storage/resume.js';
import type { ResumeData } from '../storage/resume.js';
import { hashMatches, sha1Async } from './hash.js';

export interface StartupResult {
  readonly have: Bitfield;
  /** Pieces hashed from disk at this start. */
  readonly checkedPieces: number;
  /** True when the resume data was trusted whole (clean shutdown, files unchanged). */
  readonly fromResume: boolean;
}

const CHECK_CONCURRENCY = 4;

type Torrent = Pick<Metainfo, 'files' | 'pieceLength' | 'pieceCount' | 'totalLength' | 'pieces' | 'infoHash'>;

/**
 * What we already have on disk. With resume data from a clean shutdown and every file's
 * size and mtime unchanged, its bitfield is trusted and nothing is read. Otherwise pieces
 * the resume data vouches for are kept when their files still have their full size (and,
 * after a clean shutdown, an unchanged mtime), and every other piece whose bytes all exist
 * on disk is hashed (off the event loop, a few at a time). Missing files are never read.
 */
export async function checkExisting(t: Torrent, storage: Storage, resumePath: string | undefined, onProgress?: (done: number, total: number) => void): Promise<StartupResult> {
  const n = t.pieceCount;
  const stats: (FileStat | undefined)[] = [];
  for (let i = 0; i < t.files.length; i++) stats.push(await storage.stat(i));
  const r: ResumeData | undefined = resumePath === undefined ? undefined : await readResume(resumePath, { infoHash: t.infoHash.bytes, pieceCount: n, fileCount: t.files.length });
  const unchanged = (i: number): boolean => {
    const s = stats[i];
    const was = r?.files[i];
    if (t.files[i]!.pad) return true;
    if (s === undefined || was === undefined) return t.files[i]!.length === 0;
    return s.size === was.size && Math.floor(s.mtimeMs) === was.mtimeMs;
  };
  if (r && r.cleanShutdown && t.files.every((_, i) => unchanged(i))) {
    return { have: new Bitfield(n, r.bitfield), checkedPieces: 0, fromResume: true };
  }
  const vouched = r ? new Bitfield(n, r.bitfield) : undefined;
  const full = (i: number): boolean => t.files[i]!.pad || t.files[i]!.length === 0 || (stats[i] !== undefined && stats[i]!.size >= t.files[i]!.length);
  const present = (fileIndex: number, end: number): boolean => t.files[fileIndex]!.pad || (stats[fileIndex] !== undefined && stats[fileIndex]!.size >= end);
  const have = new Bitfield(n);
  const toCheck: number[] = [];
  for (let p = 0; p < n; p++) {
    const spans = pieceSpans(t, p);
    if (vouched?.get(p) && spans.every((s) => full(s.fileIndex) && (!r!.cleanShutdown || unchanged(s.fileIndex)))) {
      have.set(p);
      continue;
    }
    if (spans.every((s) => present(s.fileIndex, s.fileOffset + s.length))) toCheck.push(p);
  }
  if (storage.hashPieces !== undefined && toCheck.length > 0 && (await hashAll(t, storage.hashPieces.bind(storage), toCheck, have, onProgress))) {
    return { have, checkedPieces: toCheck.length, fromResume: false };
  }
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < toCheck.length) {
      const p = toCheck[next++]!;
      try {
        const data = await storage.readPiece(p);
        if (hashMatches(await sha1Async(data), t.pieces, p)) have.set(p);
      } catch {
        // Unreadable (short file, raced deletion): simply not had.
      }
      onProgress?.(++done, toCheck.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, toCheck.length) }, worker));
  return { have, checkedPieces: toCheck.length, fromResume: false };
}

let checkQueue: Promise<void> = Promise.resolve();

/**
 * Checks `toCheck` (ascending) with the storage's multi-threaded hasher, setting good pieces
 * in `have`. False when the hasher failed as a whole (the caller then reads piece by piece).
 */
async function hashAll(t: Torrent, hash: NonNullable<Storage['hashPieces']>, toCheck: readonly number[], have: Bitfield, onProgress?: (done: number, total: number) => void): Promise<boolean> {
  const ranges: [number, number][] = [];
  let bytes = 0;
  for (const p of toCheck) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === p) last[1] = p + 1;
    else ranges.push([p, p + 1]);
    bytes += pieceSize(t, p);
  }
  const total = toCheck.length;
  let result;
  // One check at a time per process: each already uses every core, and a daemon starting
  // many torrents would otherwise start a pool of threads (and read buffers) for each.
  const turn = checkQueue.then(() => hash(ranges, onProgress && ((b) => onProgress(Math.min(total - 1, Math.floor((b / bytes) * total)), total))));
  checkQueue = turn.then(
    () => {},
    () => {},
  );
  try {
    result = await turn;
  } catch {
    return false;
  }
  const { digests, unreadable } = result;
  for (const p of toCheck) if (!unreadable.has(p) && hashMatches(digests.subarray(p * 20, p * 20 + 20), t.pieces, p)) have.set(p);
  onProgress?.(total, total);
  return true;
}
