import type { Metainfo } from '../../metainfo/types.js';
import type { RateLimiter } from '../limits.js';
import type { PeerConnection } from '../peer.js';
import type { PickerPeer } from '../picker/peer.js';
import type { PiecePicker } from '../picker/picker.js';

/** Options of a torrent's web seeds (`AddOptions.webSeeds`). */
export interface WebSeedOptions {
  /** Web seed URLs besides the torrent's url-list (same BEP 19 rules). */
  readonly urls?: readonly string[];
  /** Ignore the torrent's own url-list (use `urls` only). Default false. */
  readonly ignoreMetainfo?: boolean;
  /** HTTP connections per web seed, 1..4 (default 2). */
  readonly connections?: number;
  /** Bytes one connection claims from the picker at a time (default 512 KiB, at least one piece). */
  readonly requestBytes?: number;
  /** First wait after a failed request, ms (default 5 000); doubles per failure in a row. 404 waits 6x longer. */
  readonly retryMs?: number;
  /** Longest wait between retries, ms (default 300 000; also caps Retry-After). */
  readonly maxRetryMs?: number;
  /** Pieces from the seed failing their hash check before it is dropped (default 3). */
  readonly maxHashFailures?: number;
  /** Malformed responses in a row (416, short body, Range ignored, bad redirect) before it is dropped (default 5). */
  readonly maxBadResponses?: number;
  /** A request with no data for this long is abandoned, ms (default 30 000). */
  readonly timeoutMs?: number;
}

/**
 * `idle`: nothing to fetch right now (peers hold every piece left); `downloading`: requests
 * in flight; `backoff`: waiting after an error; `done`: the torrent is complete;
 * `dropped`: given up (bad data, repeated malformed responses, unusable URL); `closed`.
 */
export type WebSeedState = 'idle' | 'downloading' | 'backoff' | 'done' | 'dropped' | 'closed';

/** One web seed, as `Torrent.webSeeds` lists it. */
export interface WebSeedInfo {
  readonly url: string;
  readonly state: WebSeedState;
  /** Payload bytes received from it this session. */
  readonly downloaded: number;
  /** Bytes per second over the last seconds. */
  readonly downloadRate: number;
  /** Its pieces that failed the hash check. */
  readonly hashFailures: number;
  /** The last error (cleared by the next success), or why it was dropped. */
  readonly error: string | undefined;
}

/** What web seeds need from their torrent (Torrent implements it with closures). */
export interface WebSeedHost {
  readonly meta: Pick<Metainfo, 'name' | 'multiFile' | 'files' | 'pieceLength' | 'pieceCount' | 'totalLength' | 'webSeeds'>;
  readonly picker: PiecePicker<PeerConnection>;
  /** The torrent's download limit (chained to the client's): web seed bytes are paid for when claimed, as peers' requests are. */
  readonly downLimit?: RateLimiter;
  /** The torrent wants pieces now (not paused, closed or complete). */
  downloading(): boolean;
  /**
   * Stores blocks of one piece fetched by a web seed: `begin` is a block boundary and `data`
   * whole blocks (the last one may be short), each passed to the picker as from `pp`; a
   * completed piece is hashed, written and announced like one from peers.
   */
  deliver(pp: PickerPeer<PeerConnection>, index: number, begin: number, data: Buffer): void;
  warn(message: string): void;
}
