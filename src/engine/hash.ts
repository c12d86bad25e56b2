import { createHash, webcrypto } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hashPool, shared } from './hash-pool.js';

/**
 * SHA-1 of a piece off the event loop: WebCrypto's digest runs on the libuv thread pool
 * (it copies the data first). Used where no piece buffer of our own is at hand.
 */
export function sha1Async(data: Uint8Array): Promise<ArrayBuffer> {
  return webcrypto.subtle.digest('SHA-1', data);
}

const MODE = process.env.SHOAL_HASH === 'sync' || process.env.SHOAL_HASH === 'worker' ? process.env.SHOAL_HASH : 'auto';
const SPARE_CORE = availableParallelism() > 1;
const WORKER_MIN = 256 << 10;

/**
 * Hashes a downloaded piece. A piece in shared memory (see allocPiece) goes to the hashing
 * thread of hash-pool.ts, which reads it in place, and meanwhile the event loop goes on
 * reading sockets. Measured on loopback (1 GiB in 1 MiB pieces from one libtorrent seeder,
 * 2 shared cores, interleaved runs, medians): 403-427 MiB/s against 354-373 MiB/s hashing
 * on the event loop, for about 2 % more CPU (the thread's own V8 isolate). Other pieces
 * are hashed here.
 */
export function hashPiece(data: Buffer): Promise<{ data: Buffer; digest: ArrayBuffer | Uint8Array }> {
  if (shared(data)) return hashPool.hash(data);
  return Promise.resolve({ data, digest: createHash('sha1').update(data).digest() });
}

/**
 * Whether pieces of `size` bytes go to the hashing thread: 256 KiB and up when the machine
 * has a second core (a message each way would cost more than a smaller piece's SHA-1).
 * SHOAL_HASH=sync|worker forces one way (measurements).
 */
export function onHashingThread(size: number): boolean {
  return MODE === 'worker' || (MODE === 'auto' && SPARE_CORE && size >= WORKER_MIN);
}

/**
 * A buffer for a downloaded piece of `size` bytes: in shared memory when it will be hashed
 * on the hashing thread (onHashingThread), else an ordinary one. Copy into a shared piece
 * with `fill` (see copyInto), never `set`.
 */
export function allocPiece(size: number): Buffer {
  return onHashingThread(size) ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
}

/**
 * Copies `block` into `piece` at `at`. TypedArray#set into shared memory copies byte by
 * byte when source and target are not equally aligned (a block follows a 13-byte message
 * header in the read buffer): 0.65 CPU s per GiB, against 0.05 s for Buffer#fill, which
 * copies with memcpy.
 */
export function copyInto(piece: Buffer, block: Uint8Array, at: number): void {
  if (block.length > 0) piece.fill(block, at, at + block.length);
}

/** Whether `digest` equals the 20-byte hash of piece `index` in `pieces`. */
export function hashMatches(digest: ArrayBuffer | Uint8Array, pieces: Uint8Array, index: number): boolean {
  const d = new Uint8Array(digest);
  if (d.length !== 20) return false;
  const o = index * 20;
  for (let i = 0; i < 20; i++) if (d[i] !== pieces[o + i]) return false;
  return true;
}
