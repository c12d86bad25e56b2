import { write } from 'node:fs';

/**
 * Bytes per pwrite when a span is written to disk. A large span (a whole 1 MiB piece) goes
 * out as several slices of this size, all queued at once on the libuv pool.
 *
 * Why: one 1 MiB pwrite into the page cache cost far more kernel CPU than the same bytes in
 * 64 KiB pwrites. Measured with `shoal download` of 1 GiB from a local libtorrent seeder on
 * the shared 2-core VM (alternating runs, load 5-7): 1 MiB writes 1.68-1.96 s of system CPU,
 * 64 KiB slices 0.76-0.87 s, 128 KiB 0.79-0.93 s, with wall time no worse. The extra time
 * shows up in the kernel's copy into the page cache (copy_folio_from_iter_atomic), likely
 * the cost of large page-cache folios for large writes. Issuing the slices one after the
 * other instead (each awaited) kept the saving but halved throughput, hence all at once.
 * Verified pieces of 256 KiB and up are not written here but by the hashing thread, in
 * slices of this size one after another (engine/hash-pool.ts): no lock contention, no
 * round trip per slice.
 */
export const WRITE_SLICE = 64 << 10;

/**
 * Writes `data` at `position` of `fd` in WRITE_SLICE pieces issued together; resolves when
 * every byte is written, rejects with the first error, but only once every slice has
 * settled (so the caller may close `fd` as soon as the promise settles).
 */
export function writeSliced(fd: number, data: Uint8Array, position: number, slice = WRITE_SLICE): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = 0;
    let failure: Error | undefined;
    const one = (off: number, len: number): void => {
      pending++;
      write(fd, data, off, len, position + off, (e, n) => {
        if (e) failure ??= e;
        else if (n < len) {
          if (n > 0) one(off + n, len - n);
          else failure ??= new Error(`pwrite wrote nothing at ${position + off}`);
        }
        if (--pending === 0) {
          if (failure) reject(failure);
          else resolve();
        }
      });
    };
    for (let off = 0; off < data.length; off += slice) one(off, Math.min(slice, data.length - off));
    if (pending === 0) resolve();
  });
}
