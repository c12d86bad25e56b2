import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/fs.js';
import { decode } from '../bencode/decode.js';
import { encode } from '../bencode/encode.js';
import type { BValue } from '../bencode/types.js';
import type { Storage } from './interface.js';

/**
 * Resume data: what a restart needs to skip a full re-check. Written atomically (temp
 * file, fsync, rename, fsync of the folder); read back with validation, where anything
 * torn, corrupt or for another torrent is ignored (undefined), never fatal.
 *
 * File format: a bencoded dict followed by the 20-byte SHA-1 of that dict:
 *   { v: 1, ih: <20 bytes>, pieces: n, bf: <bitfield>, files: [[size, mtime ms], …],
 *     clean: 0|1, saved: <unix ms> }
 */
export interface ResumeData {
  readonly infoHash: Uint8Array;
  readonly pieceCount: number;
  /** Verified pieces, BEP 3 bit order (ceil(pieceCount / 8) bytes). */
  readonly bitfield: Uint8Array;
  /** Per file, as stat saw them when saved (size, mtime in whole ms); pad files 0/0 ok. */
  readonly files: readonly { readonly size: number; readonly mtimeMs: number }[];
  /** True when written by an orderly shutdown (after flush). */
  readonly cleanShutdown: boolean;
  /** When it was written (ms since the epoch); set by writeResume. */
  readonly savedAt?: number;
}

const VERSION = 1;
const MAX_RESUME_BYTES = 64 << 20;

function sha1(b: Uint8Array): Buffer {
  return createHash('sha1').update(b).digest();
}

export function encodeResume(r: ResumeData, savedAt = Date.now()): Buffer {
  const body = encode({
    v: VERSION,
    ih: r.infoHash,
    pieces: r.pieceCount,
    bf: r.bitfield,
    files: r.files.map((f) => [f.size, Math.floor(f.mtimeMs)]),
    clean: r.cleanShutdown ? 1 : 0,
    saved: Math.floor(savedAt),
  });
  return Buffer.concat([body, sha1(body)]);
}

export interface ResumeExpect {
  readonly infoHash: Uint8Array;
  readonly pieceCount: number;
  readonly fileCount: number;
}

const isNat = (v: BValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses resume bytes; undefined unless intact, well-formed and for the expected torrent. */
export function decodeResume(bytes: Uint8Array, expect: ResumeExpect): ResumeData | undefined {
  if (bytes.length < 21) return undefined;
  const body = bytes.subarray(0, bytes.length - 20);
  if (!sha1(body).equals(bytes.subarray(bytes.length - 20))) return undefined;
  let d: BValue;
  try {
    d = decode(body, { maxDepth: 4 });
  } catch {
    return undefined;
  }
  if (!(d instanceof Map) || d.get('v') !== VERSION) return undefined;
  const ih = d.get('ih');
  const pieces = d.get('pieces');
  const bf = d.get('bf');
  const files = d.get('files');
  const clean = d.get('clean');
  const saved = d.get('saved');
  if (!(ih instanceof Uint8Array) || !Buffer.from(ih).equals(Buffer.from(expect.infoHash))) return undefined;
  if (pieces !== expect.pieceCount || !(bf instanceof Uint8Array) || bf.length !== (expect.pieceCount + 7) >> 3) return undefined;
  // Spare bits past the last piece must be clear, as in a BEP 3 bitfield.
  if (expect.pieceCount & 7 && ((bf[bf.length - 1] ?? 0) & (0xff >> (expect.pieceCount & 7))) !== 0) return undefined;
  if (!Array.isArray(files) || files.length !== expect.fileCount) return undefined;
  const out: { size: number; mtimeMs: number }[] = [];
  for (const f of files) {
    if (!Array.isArray(f) || f.length !== 2 || !isNat(f[0]) || !isNat(f[1])) return undefined;
    out.push({ size: f[0], mtimeMs: f[1] });
  }
  if (clean !== 0 && clean !== 1) return undefined;
  if (!isNat(saved)) return undefined;
  return { infoHash: Buffer.from(ih), pieceCount: pieces, bitfield: Buffer.from(bf), files: out, cleanShutdown: clean === 1, savedAt: saved };
}

/** Writes resume data atomically (a crash leaves the old file or the new, never a mix). */
export async function writeResume(path: string, r: ResumeData): Promise<void> {
  await writeFileAtomic(path, encodeResume(r));
}

/** Reads resume data; undefined when absent, unreadable, torn, corrupt or mismatched. */
export async function readResume(path: string, expect: ResumeExpect): Promise<ResumeData | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  if (bytes.length > MAX_RESUME_BYTES) return undefined;
  return decodeResume(bytes, expect);
}

/** Current size and mtime of every file (0/0 for a missing one), to store in ResumeData. */
export async function snapshotFiles(storage: Storage): Promise<{ size: number; mtimeMs: number }[]> {
  const out: { size: number; mtimeMs: number }[] = [];
  for (let i = 0; i < storage.layout.files.length; i++) {
    const st = await storage.stat(i);
    out.push(st === undefined ? { size: 0, mtimeMs: 0 } : { size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
  }
  return out;
}

/**
 * Indices of files whose size or mtime differs from the resume data: pieces touching them
 * must be re-checked (or all of them, when the data was not from a clean shutdown).
 */
export async function changedFiles(storage: Storage, r: ResumeData): Promise<number[]> {
  const now = await snapshotFiles(storage);
  const changed: number[] = [];
  now.forEach((f, i) => {
    const was = r.files[i];
    if (was === undefined || was.size !== f.size || was.mtimeMs !== f.mtimeMs) changed.push(i);
  });
  return changed;
}
