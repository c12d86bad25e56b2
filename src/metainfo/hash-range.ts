/**
 * Hashes contiguous ranges of pieces (HashJob): large sequential positional reads into two
 * reused buffers, so that while one is hashed the next read fills the other (fs.read on
 * libuv's pool) and page-cache copies overlap hashing. Pieces span files: a piece's bytes
 * come from consecutive files; pad files (path null) read as zeros.
 *
 * Runs in a hashing worker (hash-worker.ts) or on the main thread (hasher.ts, `inline`);
 * hashing is synchronous per buffer-full, so the main thread stays responsive between them.
 */
import { closeSync, constants, fstatSync, openSync, read } from 'node:fs';
import * as crypto from 'node:crypto';
import type { HashInit, HashJob, HashReply, HashSource } from './hash-protocol.js';

/** fds kept open across jobs, at most this many. */
const MAX_OPEN = 16;
/** crypto.hash (Node >= 20.12): one call per whole piece instead of a Hash object. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

class ReadFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

function pathText(f: HashSource): string {
  return f.path === null ? '' : Buffer.from(f.path).toString();
}

function readAt(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/** The reply for a job that failed with `e`. */
export function errorReply(e: unknown): HashReply {
  return e instanceof ReadFailure ? { type: 'error', code: e.code, message: e.message, path: e.path } : { type: 'error', code: 'EHASH_WORKER', message: (e as Error).message };
}

export class RangeHasher {
  private readonly files: readonly HashSource[];
  private readonly pieceLength: number;
  private readonly totalLength: number;
  private readonly lenient: boolean;
  private readonly progress: BigUint64Array;
  private readonly bufs: readonly [Buffer, Buffer];
  /** fd per file index; -1 = could not open (lenient mode). */
  private readonly fds = new Map<number, number>();
  private hashed = 0n;

  /** `stopped` is polled between reads: true abandons the job (runJob resolves 'stopped'). */
  constructor(
    private readonly init: HashInit,
    private readonly stopped: () => boolean,
  ) {
    this.files = init.files;
    this.pieceLength = init.pieceLength;
    this.totalLength = init.totalLength;
    this.lenient = init.lenient;
    this.progress = new BigUint64Array(init.progress);
    this.bufs = [Buffer.allocUnsafe(init.bufferSize), Buffer.allocUnsafe(init.bufferSize)];
  }

  /** Closes every file this hasher opened. */
  close(): void {
    for (const fd of this.fds.values()) if (fd >= 0) closeSync(fd);
    this.fds.clear();
  }

  /**
   * Opens file i (O_NONBLOCK so that a FIFO swapped in after the walk cannot hang us; then it
   * must be a regular file). Keeps at most MAX_OPEN descriptors, closing the oldest: reads are
   * sequential, so a file is rarely needed again once the next one is open.
   */
  private fdFor(i: number, f: HashSource): number {
    let fd = this.fds.get(i);
    if (fd !== undefined) return fd;
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | (this.lenient ? constants.O_NOFOLLOW : 0);
    try {
      if (f.absent) throw new Error('not available');
      fd = openSync(Buffer.from(f.path!), flags);
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        throw new Error('not a regular file');
      }
    } catch (e) {
      if (!this.lenient) throw new ReadFailure('EINPUT_READ', `cannot open ${pathText(f)}: ${(e as Error).message}`, pathText(f));
      fd = -1;
    }
    if (this.fds.size >= MAX_OPEN) {
      const [oldest, ofd] = this.fds.entries().next().value as [number, number];
      if (ofd >= 0) closeSync(ofd);
      this.fds.delete(oldest);
    }
    this.fds.set(i, fd);
    return fd;
  }

  /** Index of the file holding byte `pos` (the last file with offset <= pos and length > 0). */
  private fileAt(pos: number): number {
    const files = this.files;
    let lo = 0;
    let hi = files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (files[mid]!.offset <= pos) lo = mid;
      else hi = mid - 1;
    }
    while (lo < files.length && files[lo]!.offset + files[lo]!.length <= pos) lo++;
    return lo;
  }

  /**
   * Fills buf[0, n) with the data at [pos, pos + n). Bytes that cannot be read are zeroed
   * and their range (absolute positions) pushed to holes in lenient mode; strict mode throws.
   */
  private async fill(buf: Buffer, n: number, pos: number, holes: [number, number][]): Promise<void> {
    const lenient = this.lenient;
    let done = 0;
    let fi = this.fileAt(pos);
    while (done < n) {
      const f = this.files[fi]!;
      const at = pos + done - f.offset;
      const take = Math.min(n - done, f.length - at);
      if (take <= 0) {
        fi++;
        continue;
      }
      if (f.path === null && f.absent !== true) {
        buf.fill(0, done, done + take);
      } else {
        const fd = this.fdFor(fi, f);
        let got = 0;
        if (fd >= 0) {
          while (got < take) {
            let r: number;
            try {
              r = await readAt(fd, buf, done + got, take - got, at + got);
            } catch (e) {
              if (!lenient) throw new ReadFailure('EINPUT_READ', `cannot read ${pathText(f)}: ${(e as Error).message}`, pathText(f));
              r = 0;
            }
            if (r === 0) break;
            got += r;
          }
        }
        if (got < take) {
          if (!lenient) {
            throw new ReadFailure('EINPUT_CHANGED', `${pathText(f)} is shorter than when it was listed (changed while hashing?)`, pathText(f));
          }
          buf.fill(0, done + got, done + take);
          holes.push([pos + done + got, pos + done + take]);
        }
      }
      done += take;
      fi++;
    }
  }

  /** Hashes the job's pieces; 'stopped' when `stopped()` turned true meanwhile. Errors become error replies. */
  async runJob(job: HashJob): Promise<HashReply | 'stopped'> {
    try {
      return await this.hashJob(job);
    } catch (e) {
      return errorReply(e);
    }
  }

  private async hashJob(job: HashJob): Promise<HashReply | 'stopped'> {
    const { pieceLength, bufs } = this;
    const count = job.end - job.first;
    const digests = new Uint8Array(count * 20);
    const holes: [number, number][] = [];
    const end = Math.min(job.end * pieceLength, this.totalLength);
    let pos = job.first * pieceLength;
    let piece = job.first;
    let pieceEnd = Math.min(pos + pieceLength, this.totalLength);
    /** A piece begun in an earlier buffer-full; undefined at a piece boundary. */
    let partial: crypto.Hash | undefined;
    let cur = 0;
    let n = Math.min(bufs[0].length, end - pos);
    let pending: Promise<void> | undefined = this.fill(bufs[0], n, pos, holes);
    while (pending !== undefined) {
      await pending;
      const buf = bufs[cur as 0 | 1];
      const nextPos = pos + n;
      const nextN = Math.min(bufs[0].length, end - nextPos);
      pending = nextN > 0 ? this.fill(bufs[(cur ^ 1) as 0 | 1], nextN, nextPos, holes) : undefined;
      pending?.catch(() => {}); // awaited (and thrown) on the next turn
      if (this.stopped()) {
        await pending?.catch(() => {});
        return 'stopped';
      }
      let off = 0;
      while (off < n) {
        const take = Math.min(n - off, pieceEnd - (pos + off));
        const slice = buf.subarray(off, off + take);
        off += take;
        if (pos + off === pieceEnd) {
          // A whole piece in the buffer: one-shot hash (cheaper for small pieces).
          const digest = partial === undefined && oneShot !== undefined ? oneShot('sha1', slice, 'buffer') : (partial ?? crypto.createHash('sha1')).update(slice).digest();
          partial = undefined;
          digests.set(digest, (piece - job.first) * 20);
          piece++;
          pieceEnd = Math.min(pieceEnd + pieceLength, this.totalLength);
        } else {
          (partial ??= crypto.createHash('sha1')).update(slice);
        }
      }
      this.hashed += BigInt(n);
      Atomics.store(this.progress, this.init.slot, this.hashed);
      pos = nextPos;
      n = nextN;
      cur ^= 1;
    }
    const unreadable = new Set<number>();
    for (const [a, b] of holes) {
      for (let p = Math.floor(a / pieceLength); p * pieceLength < b; p++) unreadable.add(p);
    }
    return { type: 'done', id: job.id, digests, unreadable: [...unreadable] };
  }
}
