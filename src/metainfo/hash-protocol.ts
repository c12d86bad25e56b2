/**
 * Messages between the hashing pool (hasher.ts) and its workers (hash-worker.ts).
 * Type-only module: nothing here runs.
 */

/** One file of the concatenated torrent data as a worker sees it. */
export interface HashSource {
  /** Absolute path to open (bytes, so non-UTF-8 names survive); null = zeros (BEP 47 pad file). */
  readonly path: Uint8Array | null;
  /** Byte offset of this file within the concatenated data. */
  readonly offset: number;
  readonly length: number;
  /** Known not to be readable (missing, or refused by the path rules): never opened. */
  readonly absent?: boolean;
}

export interface HashInit {
  readonly files: readonly HashSource[];
  readonly pieceLength: number;
  readonly totalLength: number;
  /** Size of the reused read buffer. */
  readonly bufferSize: number;
  /**
   * false (create): a file that cannot be opened or ends early is an error.
   * true (verify): the pieces touching the unreadable bytes are reported missing instead,
   * and files are opened with O_NOFOLLOW (the paths given are already symlink-free).
   */
  readonly lenient: boolean;
  /**
   * Shared counters: slot i holds the bytes hashed so far by worker i; slot `stopSlot`
   * becomes non-zero when the run is abandoned (abort or error), checked between reads.
   */
  readonly progress: SharedArrayBuffer;
  readonly slot: number;
  readonly stopSlot: number;
}

/** Main -> worker: hash pieces [first, end). */
export interface HashJob {
  readonly type: 'job';
  readonly id: number;
  readonly first: number;
  readonly end: number;
}

/** Main -> worker: close the files and exit. */
export interface HashClose {
  readonly type: 'close';
}

/** Worker -> main. */
export type HashReply =
  | {
      readonly type: 'done';
      readonly id: number;
      /** 20 bytes per piece of the job, in order. */
      readonly digests: Uint8Array;
      /** Pieces of the job (absolute indices) with bytes that could not be read (lenient mode). */
      readonly unreadable: readonly number[];
    }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly path?: string;
    };
