import { createHash, webcrypto } from 'node:crypto';
import { hashPool } from './hash-pool.js';

/**
 * SHA-1 of a piece off the event loop: WebCrypto's digest runs on the libuv thread pool
 * (4 threads by default), so hashing overlaps socket work and uses both cores.
 */
export function sha1Async(data: Uint8Array): Promise<ArrayBuffer> {
  return webcrypto.subtle.digest('SHA-1', data);
}

/**
 * Hashes a downloaded piece. SHOAL_HASH picks the method; measured on loopback on a busy
 * 2-core machine (256 MiB, 1 MiB pieces, see the engine report): 'sync' (on the event
 * loop, no copy) used the least CPU per GiB, 'subtle' (WebCrypto on the libuv pool)
 * copies the piece on the loop first and costs more CPU, 'worker' (transfer to a hashing
 * thread) paid ~1.5 ms per postMessage. The event loop was over half idle at full
 * speed, so the default 'auto' hashes pieces up to 1 MiB (about 0.6 ms) on the loop and
 * larger ones off it, where one hash would stall the loop for several milliseconds.
 */
export function hashPiece(data: Buffer): Promise<{ data: Buffer; digest: ArrayBuffer | Uint8Array }> {
  const mode = MODE === 'auto' ? (data.length <= SYNC_MAX ? 'sync' : 'subtle') : MODE;
  if (mode === 'sync') return Promise.resolve({ data, digest: createHash('sha1').update(data).digest() });
  if (mode === 'worker') return hashPool.hash(data);
  return sha1Async(data).then((digest) => ({ data, digest }));
}

const MODE = process.env.SHOAL_HASH ?? 'auto';
const SYNC_MAX = 1 << 20;

/** Whether `digest` equals the 20-byte hash of piece `index` in `pieces`. */
export function hashMatches(digest: ArrayBuffer | Uint8Array, pieces: Uint8Array, index: number): boolean {
  const d = new Uint8Array(digest);
  if (d.length !== 20) return false;
  const o = index * 20;
  for (let i = 0; i < 20; i++) if (d[i] !== pieces[o + i]) return false;
  return true;
}
