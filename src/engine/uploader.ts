import type { Socket } from 'node:net';
import type { CachedReader } from '../storage/cache.js';
import { encodePieceHeader, encodeReject } from '../wire/encode.js';
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
   * cannot be read.
   */
  serve(reader: CachedReader, now: number, resume: () => void, fail: (why: string) => void): number {
    if (this.loading) return 0;
    const q = this.queue;
    let sent = 0;
    while (q.length > 0 && this.socket.writableLength < SEND_HIGH_WATER) {
      const index = q.index;
      const begin = q.begin;
      const length = q.blockLength;
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
      this.socket.write(encodePieceHeader(index, begin, length));
      this.socket.write(block);
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
