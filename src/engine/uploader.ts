import type { Socket } from 'node:net';
import type { CachedReader } from '../storage/cache.js';
import { encodePieceHeader, encodeReject } from '../wire/encode.js';
import type { RateLimiter } from './limits.js';
import { RateMeter } from './rate.js';
import { UploadQueue } from './upload-queue.js';

/** Stop queueing piece data on a socket past this many unsent bytes (resume on 'drain'). */
const SEND_HIGH_WATER = 1 << 20;

/**
 * The serving half of a connection: the peer's queued requests and the loop that answers
 * them from the read cache. Blocks go out as [header, view of the cached piece] (no copy);
 * a cache miss loads the whole piece once and resumes; the socket's buffer is kept under
 * SEND_HIGH_WATER so a peer that does not read cannot grow our memory.
 */
export class Uploader {
  readonly queue: UploadQueue;
  readonly rate: RateMeter;
  uploaded = 0;
  /** The last serve stopped for lack of upload tokens (wait for the bandwidth timer). */
  throttled = false;
  private loading = false;

  constructor(
    private readonly socket: Socket,
    capacity: number,
    now: number,
  ) {
    this.queue = new UploadQueue(capacity);
    this.rate = new RateMeter(now);
  }

  /**
   * Sends queued blocks while the socket takes them. Returns the payload bytes sent now;
   * `resume` is called when a piece missing from the cache has been loaded, `fail` when it
   * cannot be read. With a `limit`, each block is paid for before it is written (a block
   * may take the balance into debt); with nothing left `throttled` is set and serving stops.
   */
  serve(reader: CachedReader, now: number, resume: () => void, fail: (why: string) => void, limit?: RateLimiter): number {
    this.throttled = false;
    if (this.loading) return 0;
    const q = this.queue;
    const limited = limit !== undefined && limit.limited;
    let sent = 0;
    while (q.length > 0 && this.socket.writableLength < SEND_HIGH_WATER) {
      const index = q.index;
      const begin = q.begin;
      const length = q.blockLength;
      if (limited && limit.available(now) <= 0) {
        this.throttled = true;
        break;
      }
      const block = reader.peek(index, begin, length);
      if (block === undefined) {
        this.loading = true;
        reader.piece(index).then(
          () => {
            this.loading = false;
            resume();
          },
          (e: unknown) => {
            this.loading = false;
            fail(`cannot read piece ${index}: ${(e as Error).message}`);
          },
        );
        break;
      }
      q.shift();
      if (limited) limit.take(length, now);
      this.socket.write(encodePieceHeader(index, begin, length));
      // The lease keeps the cached piece's buffer from reuse until the socket is done with the view.
      this.socket.write(block, reader.cache.lease(index));
      sent += length;
    }
    if (sent > 0) {
      this.uploaded += sent;
      this.rate.add(sent, now);
    }
    return sent;
  }

  /** Drops every queued request, answering each with REJECT when `reject` (BEP 6). */
  drop(reject: boolean): void {
    const q = this.queue;
    if (reject) {
      while (q.length > 0) {
        this.socket.write(encodeReject(q.index, q.begin, q.blockLength));
        q.shift();
      }
    }
    q.clear();
  }
}
