import type { InfoHash } from '../core/infohash.js';

/** One file of a torrent, in the order of the info dictionary. */
export interface FileEntry {
  /**
   * Sanitized path components, safe to join under a download directory (see paths.ts).
   * They start with the torrent's (sanitized) name: [name] for a single-file torrent,
   * [name, ...path] for a multi-file one; duplicates are already renamed ('a.1.txt').
   */
  readonly path: readonly string[];
  /** Path as written in the metainfo (UTF-8, name first, joined with '/'), for display only. */
  readonly rawPath: string;
  readonly length: number;
  /** Byte offset of this file within the torrent's concatenated data. */
  readonly offset: number;
  /** BEP 47 pad file (attr contains 'p'): occupies piece space, never written to disk. */
  readonly pad: boolean;
  /** BEP 47 attributes ('x' executable, 'h' hidden, 'l' symlink, 'p' pad), '' when absent. */
  readonly attr: string;
  /**
   * BEP 47 symlink target, sanitized, in the same form as `path` (name first). Present
   * exactly when the entry is a symlink (its length is then 0).
   */
  readonly symlinkPath?: readonly string[];
}

/** A parsed, validated v1 (or hybrid, through its v1 part) torrent. */
export interface Metainfo {
  readonly infoHash: InfoHash;
  /** The exact bytes of the info dictionary as read (SHA-1 of these is the info-hash). */
  readonly infoBytes: Buffer;
  /** Sanitized torrent name (the top folder of a multi-file torrent, or the file name). */
  readonly name: string;
  readonly pieceLength: number;
  /** Concatenated 20-byte SHA-1 piece hashes. */
  readonly pieces: Buffer;
  readonly pieceCount: number;
  readonly totalLength: number;
  /** True when the info dict has `files` (a folder), false for a single-file torrent. */
  readonly multiFile: boolean;
  readonly files: readonly FileEntry[];
  readonly private: boolean;
  /** announce-list tiers (BEP 12); falls back to [[announce]] when there is no list. */
  readonly announce: readonly (readonly string[])[];
  /** BEP 19 url-list. */
  readonly webSeeds: readonly string[];
  readonly comment?: string;
  readonly createdBy?: string;
  /** Seconds since the epoch. */
  readonly creationDate?: number;
  /** The info dict also carries v2 fields (BEP 52 hybrid); shoal uses its v1 part. */
  readonly hybrid: boolean;
  /** Hybrids only: the v2 info-hash, SHA-256 of `infoBytes` (32 bytes). Added by the parser. */
  readonly infoHashV2?: Buffer;
}

/** A piece's slice of one file: `length` bytes at `fileOffset` of `files[fileIndex]`. */
export interface FileSpan {
  readonly fileIndex: number;
  readonly fileOffset: number;
  readonly length: number;
}
