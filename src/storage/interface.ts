import type { HashRunResult } from '../metainfo/hasher.js';
import type { Metainfo } from '../metainfo/types.js';

/** What storage needs of a torrent: its files and piece geometry. */
export type StorageLayout = Pick<Metainfo, 'files' | 'pieceLength' | 'pieceCount' | 'totalLength'>;

export interface FileStat {
  /** Size on disk in bytes (a pad file reports its declared length). */
  readonly size: number;
  /** Last modification, ms since the epoch (0 for pad files). */
  readonly mtimeMs: number;
}

/**
 * Where one span of a piece goes on disk: an open descriptor lent for the duration of a
 * writePieceWith call, the position in its file, and the span's place in the piece.
 */
export interface WriteTarget {
  readonly fd: number;
  readonly position: number;
  /** Offset of the span in the piece, and its length. */
  readonly offset: number;
  readonly length: number;
}

/**
 * A torrent's data, addressed in torrent space (offsets into the concatenation of all
 * files). Implementations: FsStorage (positional file I/O), MemoryStorage (tests, magnet
 * metadata). Every method rejects with StorageError (code 'ESTORAGE') on failure.
 *
 * Pad files (BEP 47) never touch the medium: they read as zeros and writes skip them.
 * Symlink entries (BEP 47 'l', length 0) are not created by storage.
 */
export interface Storage {
  readonly layout: StorageLayout;
  /** `length` bytes at torrent offset `offset`. Unwritten data in a missing or short file
   * is a StorageError 'missing' (prepared, sparse files read as zeros). */
  read(offset: number, length: number): Promise<Buffer>;
  /** The whole of piece `index` (see read), read into `into` when it is given with exactly the piece's size. */
  readPiece(index: number, into?: Buffer): Promise<Buffer>;
  /** Writes `data` at torrent offset `offset`: one positional write per file span. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Writes a (verified) piece; `data.length` must be the piece's size. */
  writePiece(index: number, data: Uint8Array): Promise<void>;
  /**
   * Optional: lends the open, writable descriptors piece `index` is written to, so that
   * `run` can write it elsewhere (the hashing thread writes a piece it has just verified,
   * see engine/hash-pool.ts). The descriptors stay open until `run` settles; `run`
   * resolves true when it wrote the piece, false when it wrote nothing. A rejection of
   * `run` carrying `target` (the index of the target that failed) is reported against
   * that target's file. Pad files get no target.
   */
  writePieceWith?(index: number, run: (targets: readonly WriteTarget[]) => Promise<boolean>): Promise<boolean>;
  /**
   * Optional fast path for checking data already on disk: SHA-1 of every piece in `ranges`
   * ([first, end) piece indexes), read straight from the medium by several threads. Pieces
   * with bytes that cannot be read are in `unreadable` (their digest is meaningless).
   * `onProgress` gets the bytes hashed so far.
   */
  hashPieces?(ranges: readonly (readonly [number, number])[], onProgress?: (bytes: number) => void): Promise<HashRunResult>;
  /** True when file `fileIndex` exists (pad files: always). */
  exists(fileIndex: number): Promise<boolean>;
  /** Size and mtime of file `fileIndex`, undefined when it does not exist. */
  stat(fileIndex: number): Promise<FileStat | undefined>;
  /** Creates folders and every file at its full length (sparse); never shrinks a file. */
  prepare(): Promise<void>;
  /** Sets every existing file to exactly its declared length (creating missing ones). */
  truncate(): Promise<void>;
  /** Makes written data durable (fsync of every file written since the last flush). */
  flush(): Promise<void>;
  /** Flushes nothing; releases handles. Further calls reject with reason 'closed'. */
  close(): Promise<void>;
  /** Deletes the torrent's files and the folders they leave empty; closes handles first.
   * The storage stays usable (files are recreated on demand). */
  deleteData(): Promise<void>;
}
