/**
 * Hashing worker: reads a contiguous range of pieces with large sequential positional
 * reads into one reused buffer and SHA-1s each piece. Pieces span files: a piece's bytes
 * come from consecutive files; pad files (path null) read as zeros.
 * Started by hasher.ts with workerData = HashInit; receives HashJob, replies HashReply.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { HashClose, HashInit, HashJob, HashReply, HashSource } from './hash-protocol.js';

const init = workerData as HashInit;
const { files, pieceLength, totalLength, lenient } = init;
const progress = new BigUint64Array(init.progress);
const buf = Buffer.allocUnsafe(init.bufferSize);
/** fd per file index; -1 = could not open (lenient mode). Kept open across jobs. */
const fds = new Map<number, number>();
let hashed = 0n;

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

function fdFor(i: number, f: HashSource): number {
  let fd = fds.get(i);
  if (fd !== undefined) return fd;
  try {
    fd = openSync(Buffer.from(f.path!), 'r');
  } catch (e) {
    if (!lenient) throw new ReadFailure('EINPUT_READ', `cannot open ${pathText(f)}: ${(e as Error).message}`, pathText(f));
    fd = -1;
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

/**
 * Fills buf[0, n) with the data at [pos, pos + n). Returns the ranges (absolute positions)
 * that could not be read, which are zero-filled (lenient mode only; strict mode throws).
 */
function fill(n: number, pos: number, holes: [number, number][]): void {
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
    if (f.path === null) {
      buf.fill(0, done, done + take);
    } else {
      const fd = fdFor(fi, f);
      let got = 0;
      if (fd >= 0) {
        while (got < take) {
          let r: number;
          try {
            r = readSync(fd, buf, done + got, take - got, at + got);
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

function runJob(job: HashJob): HashReply {
  const count = job.end - job.first;
  const digests = new Uint8Array(count * 20);
  const holes: [number, number][] = [];
  const end = Math.min(job.end * pieceLength, totalLength);
  let pos = job.first * pieceLength;
  let piece = job.first;
  let pieceEnd = Math.min(pos + pieceLength, totalLength);
  let hash: Hash = createHash('sha1');
  while (pos < end) {
    if (Atomics.load(progress, init.stopSlot) !== 0n) closeAndExit();
    const n = Math.min(buf.length, end - pos);
    fill(n, pos, holes);
    let off = 0;
    while (off < n) {
      const take = Math.min(n - off, pieceEnd - (pos + off));
      hash.update(buf.subarray(off, off + take));
      off += take;
      if (pos + off === pieceEnd) {
        digests.set(hash.digest(), (piece - job.first) * 20);
        piece++;
        pieceEnd = Math.min(pieceEnd + pieceLength, totalLength);
        hash = createHash('sha1');
      }
    }
    pos += n;
    hashed += BigInt(n);
    Atomics.store(progress, init.slot, hashed);
  }
  const unreadable = new Set<number>();
  for (const [a, b] of holes) {
    for (let p = Math.floor(a / pieceLength); p * pieceLength < b; p++) unreadable.add(p);
  }
  return { type: 'done', id: job.id, digests, unreadable: [...unreadable] };
}

const port = parentPort!;
port.on('message', (job: HashJob | HashClose) => {
  if (job.type === 'close') closeAndExit();
  try {
    const reply = runJob(job);
    port.postMessage(reply, reply.type === 'done' ? [reply.digests.buffer as ArrayBuffer] : []);
  } catch (e) {
    const reply: HashReply =
      e instanceof ReadFailure
        ? { type: 'error', code: e.code, message: e.message, path: e.path }
        : { type: 'error', code: 'EHASH_WORKER', message: (e as Error).message };
    port.postMessage(reply);
  }
});
