import { createHash, webcrypto } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hashPool, transferable } from './hash-pool.js';

/**
 * SHA-1 of a piece off the event loop: WebCrypto's digest runs on the libuv thread pool
 * (it copies the data first). Used where no piece buffer of our own is at hand.
 */
export function sha1Async(data: Uint8Array): Promise<ArrayBuffer> {
  return webcrypto.subtle.digest('SHA-1', data);
}

/**
 * Hashes a downloaded piece. A piece of 256 KiB or more goes to the hashing thread of
 * hash-pool.ts when the machine has a second core: its memory moves there and back without
 * a copy, and meanwhile the event loop goes on reading sockets. Measured on loopback (1 GiB
 * in 1 MiB pieces from one libtorrent seeder, 2 shared cores, interleaved runs, medians):
 * 403-427 MiB/s against 354-373 MiB/s hashing on the event loop, for about 2 % more CPU
 * (the thread's own V8 isolate). Smaller pieces are hashed here: a message each way would
 * cost more than their SHA-1. WebCrypto on the libuv pool copies every piece first and
 * cost the most CPU of the three. SHOAL_HASH=sync|worker forces one way (measurements).
 */
export function hashPiece(data: Buffer): Promise<{ data: Buffer; digest: ArrayBuffer | Uint8Array }> {
  if (onHashingThread(data)) return hashPool.hash(data);
  return Promise.resolve({ data, digest: createHash('sha1').update(data).digest() });
}

/** Whether hashPiece sends `data` to the hashing thread (see there). */
export function onHashingThread(data: Buffer): boolean {
  return (MODE === 'worker' || (MODE === 'auto' && SPARE_CORE && data.length >= WORKER_MIN)) && transferable(data);
}

const MODE = process.env.SHOAL_HASH === 'sync' || process.env.SHOAL_HASH === 'worker' ? process.env.SHOAL_HASH : 'auto';
const SPARE_CORE = availableParallelism() > 1;
const WORKER_MIN = 256 << 10;

/** Whether `digest` equals the 20-byte hash of piece `index` in `pieces`. */
export function hashMatches(digest: ArrayBuffer | Uint8Array, pieces: Uint8Array, index: number): boolean {
  const d = new Uint8Array(digest);
  if (d.length !== 20) return false;
  const o = index * 20;
  for (let i = 0; i < 20; i++) if (d[i] !== pieces[o + i]) return false;
  return true;
}
