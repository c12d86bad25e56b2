/**
 * Hashing worker: reads a contiguous range of pieces with large sequential positional
 * reads and SHA-1s each piece. Two reused buffers: while one is hashed here, the next
 * read fills the other (fs.read on libuv's pool), so disk or page-cache copies overlap
 * hashing. Pieces span files: a piece's bytes come from consecutive files; pad files
 * (path null) read as zeros. Jobs run one at a time, in the order received.
 * Started by hasher.ts with workerData = HashInit; receives HashJob, replies HashReply.
 */
import { closeSync, constants, fstatSync, openSync, read } from 'node:fs';
import * as crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { HashClose, HashInit, HashJob, HashReply, HashSource } from './hash-protocol.js';

const init = workerData as HashInit;
const { files, pieceLength, totalLength, lenient } = init;
const progress = new BigUint64Array(init.progress);
const bufs = [Buffer.allocUnsafe(init.bufferSize), Buffer.allocUnsafe(init.bufferSize)] as const;
/** fd per file index; -1 = could not open (lenient mode). Kept open across jobs, at most MAX_OPEN. */
const fds = new Map<number, number>();
const MAX_OPEN = 16;
let hashed = 0n;
/** crypto.hash (Node >= 20.12): one call per whole piece instead of a Hash object. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function closeAndExit(): never {
  for (const fd of fds.values()) if (fd >= 0) closeSync(fd);
  fds.clear();
  process.exit(0);
}

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

/**
 * Opens file i (O_NONBLOCK so that a FIFO swapped in after the walk cannot hang us; then it
 * must be a regular file). Keeps at most MAX_OPEN descriptors, closing the oldest: reads are
 * sequential, so a file is rarely needed again once the next one is open.
 */
function fdFor(i: number, f: HashSource): number {
  let fd = fds.get(i);
  if (fd !== undefined) return fd;
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (lenient ? constants.O_NOFOLLOW : 0);
  try {
    if (f.absent) throw new Error('not available');
    fd = openSync(Buffer.from(f.path!), flags);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error('not a regular file');
    }
  } catch (e) {
    if (!lenient) throw new ReadFailure('EINPUT_READ', `cannot open ${pathText(f)}: ${(e as Error).message}`, pathText(f));
    fd = -1;
  }
  if (fds.size >= MAX_OPEN) {
    const [oldest, ofd] = fds.entries().next().value as [number, number];
    if (ofd >= 0) closeSync(ofd);
    fds.delete(oldest);
  }
  fds.set(i, fd);
  return fd;
}

/** Index of the file holding byte `pos` (the last file with offset <= pos and length > 0). */
function fileAt(pos: number): number {
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

function readAt(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Fills buf[0, n) with the data at [pos, pos + n). Bytes that cannot be read are zeroed
 * and their range (absolute positions) pushed to holes in lenient mode; strict mode throws.
 */
async function fill(buf: Buffer, n: number, pos: number, holes: [number, number][]): Promise<void> {
  let done = 0;
  let fi = fileAt(pos);
  while (done < n) {
    const f = files[fi]!;
    const at = pos + done - f.offset;
    const take = Math.min(n - done, f.length - at);
    if (take <= 0) {
      fi++;
      continue;
    }
    if (f.path === null && f.absent !== true) {
      buf.fill(0, done, done + take);
    } else {
      const fd = fdFor(fi, f);
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

/** Set by a 'close' message that arrives while a job runs: stop after the read in flight. */
let closing = false;
const stopped = (): boolean => closing || Atomics.load(progress, init.stopSlot) !== 0n;

async function runJob(job: HashJob): Promise<HashReply> {
  const count = job.end - job.first;
  const digests = new Uint8Array(count * 20);
  const holes: [number, number][] = [];
  const end = Math.min(job.end * pieceLength, totalLength);
  let pos = job.first * pieceLength;
  let piece = job.first;
  let pieceEnd = Math.min(pos + pieceLength, totalLength);
  /** A piece begun in an earlier buffer-full; undefined at a piece boundary. */
  let partial: crypto.Hash | undefined;
  let cur = 0;
  let n = Math.min(bufs[0].length, end - pos);
  let pending: Promise<void> | undefined = fill(bufs[0], n, pos, holes);
  while (pending !== undefined) {
    await pending;
    const buf = bufs[cur as 0 | 1];
    const nextPos = pos + n;
    const nextN = Math.min(bufs[0].length, end - nextPos);
    pending = nextN > 0 ? fill(bufs[(cur ^ 1) as 0 | 1], nextN, nextPos, holes) : undefined;
    pending?.catch(() => {}); // awaited (and thrown) on the next turn
    if (stopped()) {
      await pending?.catch(() => {});
      closeAndExit();
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
        pieceEnd = Math.min(pieceEnd + pieceLength, totalLength);
      } else {
        (partial ??= crypto.createHash('sha1')).update(slice);
      }
    }
    hashed += BigInt(n);
    Atomics.store(progress, init.slot, hashed);
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

const port = parentPort!;
const queue: HashJob[] = [];
let running = false;

async function drain(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
    let reply: HashReply;
    try {
      reply = await runJob(job);
    } catch (e) {
      reply =
        e instanceof ReadFailure
          ? { type: 'error', code: e.code, message: e.message, path: e.path }
          : { type: 'error', code: 'EHASH_WORKER', message: (e as Error).message };
    }
    port.postMessage(reply, reply.type === 'done' ? [reply.digests.buffer as ArrayBuffer] : []);
    if (closing) closeAndExit();
  }
  running = false;
}

port.on('message', (msg: HashJob | HashClose) => {
  if (msg.type === 'close') {
    if (!running) closeAndExit();
    closing = true;
    return;
  }
  queue.push(msg);
  if (!running) void drain();
});
