import { StorageError } from './errors.js';
import type { Storage } from './interface.js';

/**
 * A read cache for seeding: whole pieces in an LRU under a byte budget. `get` is
 * synchronous so the engine serves hits with no promise; `CachedReader` loads misses once
 * however many peers ask for the same piece meanwhile.
 */
export class PieceCache {
  private readonly map = new Map<number, Uint8Array>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }

  /** The cached piece (and marks it recently used), or undefined. Do not mutate it. */
  get(index: number): Uint8Array | undefined {
    const v = this.map.get(index);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(index);
    this.map.set(index, v);
    return v;
  }

  has(index: number): boolean {
    return this.map.has(index);
  }

  /** Caches a piece, evicting least recently used ones; a piece over the budget is skipped. */
  set(index: number, data: Uint8Array): void {
    this.delete(index);
    if (data.length > this.maxBytes) return;
    this.map.set(index, data);
    this.used += data.length;
    for (const [i, v] of this.map) {
      if (this.used <= this.maxBytes) break;
      this.map.delete(i);
      this.used -= v.length;
    }
  }

  delete(index: number): void {
    const v = this.map.get(index);
    if (v !== undefined) {
      this.map.delete(index);
      this.used -= v.length;
    }
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}

/** Serves blocks from a PieceCache, reading whole pieces from storage on a miss. */
export class CachedReader {
  private readonly loading = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly storage: Storage,
    readonly cache: PieceCache,
  ) {}

  /** A cached block as a view (no promise), or undefined on a miss. */
  peek(index: number, begin: number, length: number): Uint8Array | undefined {
    const p = this.cache.get(index);
    if (p === undefined || begin + length > p.length) return undefined;
    return p.subarray(begin, begin + length);
  }

  /** The whole piece, from the cache or storage (concurrent misses share one read). */
  piece(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.loading.get(index);
    if (p === undefined) {
      p = this.storage.readPiece(index).then(
        (data) => {
          this.loading.delete(index);
          this.cache.set(index, data);
          return data;
        },
        (e: unknown) => {
          this.loading.delete(index);
          throw e;
        },
      );
      this.loading.set(index, p);
    }
    return p;
  }

  /** A block of a piece as a view of the cached piece. Out-of-piece ranges reject (StorageError 'range'). */
  async block(index: number, begin: number, length: number): Promise<Uint8Array> {
    const p = await this.piece(index);
    if (!(begin >= 0 && length >= 0 && begin + length <= p.length)) throw new StorageError('range', `block ${index}:${begin}+${length} outside the piece (${p.length} bytes)`, { index, begin, length });
    return p.subarray(begin, begin + length);
  }
}
