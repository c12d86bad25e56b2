/**
 * `verifyData`: checks the data under PATH against a torrent's piece hashes with the same
 * worker pool as `createTorrent`. Missing and short files are found by stat, without
 * reading; only pieces whose bytes are all present are hashed.
 *
 * Paths follow the safe path rules: every file path is `resolveInside(PATH, components)`,
 * then its real path must still lie inside PATH's real path (a symlink that leads out of
 * PATH makes the file count as missing; it is never read), and files are opened O_NOFOLLOW.
 */
import { realpath, stat } from 'node:fs/promises';
import { relative, resolve, sep, isAbsolute } from 'node:path';
import { hashPieces, type HashSource } from './hasher.js';
import { filePieceRange } from './layout.js';
import { resolveInside, torrentRelativePath } from './paths.js';
import type { Metainfo } from './types.js';

export interface VerifyOptions {
  /** Called at most every ~100 ms, and once at the end with doneBytes == totalBytes. */
  onProgress?(doneBytes: number, totalBytes: number): void;
  signal?: AbortSignal;
  /** Hashing threads; default os.availableParallelism(). */
  threads?: number;
}

/** Per-piece states in `VerifyResult.pieces`. */
export const PIECE_GOOD = 0;
export const PIECE_MISSING = 1;
export const PIECE_CORRUPT = 2;

export interface VerifyFile {
  /** Index in `torrent.files` (pad files are not listed). */
  index: number;
  /** Path below PATH joined with '/' (the torrent name for a single-file torrent). */
  path: string;
  /** Present, full length, and every piece touching it good (a zero-length file: present). */
  complete: boolean;
  /** Bytes absent on disk (file missing or shorter than in the torrent), when any. */
  missingBytes?: number;
}

export interface VerifyResult {
  pieceCount: number;
  good: number;
  /** Pieces with at least one byte not on disk (missing file, or past the end of a short file). */
  missing: number;
  /** Pieces with all bytes present but a hash mismatch. */
  corrupt: number;
  /** Per piece: 0 good, 1 missing, 2 corrupt. */
  pieces: Uint8Array;
  files: VerifyFile[];
}

interface OnDisk {
  /** Real, symlink-free path to read; undefined when the file is unusable. */
  real: string | undefined;
  /** Bytes of the torrent's file that exist on disk (prefix). */
  present: number;
}

const STAT_CONCURRENCY = 32;

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

async function locate(torrent: Metainfo, root: string): Promise<OnDisk[]> {
  let realRoot: string | undefined;
  if (torrent.multiFile) realRoot = await realpath(root).catch(() => undefined);
  const one = async (i: number): Promise<OnDisk> => {
    const f = torrent.files[i]!;
    if (f.pad) return { real: undefined, present: f.length };
    try {
      let real: string;
      if (torrent.multiFile) {
        if (realRoot === undefined) return { real: undefined, present: 0 };
        real = await realpath(resolveInside(root, torrentRelativePath(torrent, f)));
        if (!inside(realRoot, real)) return { real: undefined, present: 0 };
      } else {
        real = await realpath(root);
      }
      const st = await stat(real);
      if (!st.isFile()) return { real: undefined, present: 0 };
      return { real, present: Math.min(st.size, f.length) };
    } catch {
      return { real: undefined, present: 0 };
    }
  };
  const out: OnDisk[] = [];
  for (let i = 0; i < torrent.files.length; i += STAT_CONCURRENCY) {
    const batch = [];
    for (let j = i; j < Math.min(i + STAT_CONCURRENCY, torrent.files.length); j++) batch.push(one(j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

export async function verifyData(torrent: Metainfo, path: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const root = resolve(path);
  const { pieceLength, pieceCount, totalLength } = torrent;
  const disk = await locate(torrent, root);
  const pieces = new Uint8Array(pieceCount);

  // Pieces touching bytes that are not on disk are missing; nothing of them is read.
  const sources: HashSource[] = torrent.files.map((f, i) => {
    const d = disk[i]!;
    if (f.pad) return { path: null, offset: f.offset, length: f.length };
    if (d.present < f.length) {
      const from = f.offset + d.present;
      const to = f.offset + f.length;
      for (let p = Math.floor(from / pieceLength); p * pieceLength < to; p++) pieces[p] = PIECE_MISSING;
    }
    return d.real === undefined
      ? { path: null, offset: f.offset, length: f.length, absent: true }
      : { path: Buffer.from(d.real), offset: f.offset, length: f.length };
  });
  const ranges: [number, number][] = [];
  let skippedBytes = 0;
  for (let p = 0; p < pieceCount; ) {
    if (pieces[p] === PIECE_MISSING) {
      skippedBytes += Math.min(pieceLength, totalLength - p * pieceLength);
      p++;
      continue;
    }
    let end = p;
    while (end < pieceCount && pieces[end] !== PIECE_MISSING) end++;
    ranges.push([p, end]);
    p = end;
  }

  const onProgress = opts.onProgress;
  const { digests, unreadable } = await hashPieces({
    files: sources,
    pieceLength,
    totalLength,
    ranges,
    lenient: true,
    ...(opts.threads !== undefined && { threads: opts.threads }),
    ...(opts.signal && { signal: opts.signal }),
    ...(onProgress && { onProgress: (n: number) => onProgress(skippedBytes + n, totalLength) }),
  });
  onProgress?.(totalLength, totalLength);

  let good = 0;
  let missing = 0;
  let corrupt = 0;
  for (let p = 0; p < pieceCount; p++) {
    if (pieces[p] !== PIECE_MISSING) {
      if (unreadable.has(p)) pieces[p] = PIECE_MISSING;
      else if (digests.compare(torrent.pieces, p * 20, p * 20 + 20, p * 20, p * 20 + 20) !== 0) pieces[p] = PIECE_CORRUPT;
    }
    if (pieces[p] === PIECE_GOOD) good++;
    else if (pieces[p] === PIECE_MISSING) missing++;
    else corrupt++;
  }

  const files: VerifyFile[] = [];
  torrent.files.forEach((f, index) => {
    if (f.pad) return;
    const d = disk[index]!;
    const missingBytes = f.length - d.present;
    let complete = d.real !== undefined && missingBytes === 0;
    if (complete) {
      const { first, last } = filePieceRange(torrent, index);
      for (let p = first; p <= last && complete; p++) complete = pieces[p] === PIECE_GOOD;
    }
    files.push({
      index,
      path: torrent.multiFile ? torrentRelativePath(torrent, f).join('/') : torrent.name,
      complete,
      ...(missingBytes > 0 && { missingBytes }),
    });
  });
  return { pieceCount, good, missing, corrupt, pieces, files };
}
