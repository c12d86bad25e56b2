import { StorageError } from './errors.js';
import type { Storage } from './interface.js';

/** One cached piece, in its cache and in the budget's recency order. */
interface Entry {
  readonly cache: PieceCache;
  readonly index: number;
  readonly data: Uint8Array;
}

/**
 * A byte budget shared by several PieceCaches (a client's torrents): one least-recently-
 * used order across all of them, so the process holds at most `maxBytes` of cached pieces
 * however many torrents seed.
 */
export class CacheBudget {
  /** Insertion order = recency, oldest first. */
  private readonly order = new Set<Entry>();
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  /** @internal */ touch(e: Entry): void {
    this.order.delete(e);
    this.order.add(e);
  }

  /** @internal */ add(e: Entry): void {
    this.order.add(e);
    this.used += e.data.length;
    for (const old of this.order) {
      if (this.used <= this.maxBytes) break;
      old.cache.evict(old);
    }
  }

  /** @internal */ remove(e: Entry): void {
    if (this.order.delete(e)) this.used -= e.data.length;
  }
}

/**
 * A read cache for seeding: whole pieces in an LRU under a byte budget, its own or one
 * shared with other caches (CacheBudget). `get` is synchronous so the engine serves hits
 * with no promise; `CachedReader` loads misses once however many peers ask for the same
 * piece meanwhile.
 */
export class PieceCache {
  private readonly map = new Map<number, Entry>();
  private readonly budget: CacheBudget;
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(budget: number | CacheBudget) {
    this.budget = typeof budget === 'number' ? new CacheBudget(budget) : budget;
  }

  get maxBytes(): number {
    return this.budget.maxBytes;
  }

  /** Bytes this cache holds. */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }

  /** The cached piece (and marks it recently used), or undefined. Do not mutate it. */
  get(index: number): Uint8Array | undefined {
    const e = this.map.get(index);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.budget.touch(e);
    return e.data;
  }

  has(index: number): boolean {
    return this.map.has(index);
  }

  /** Caches a piece, evicting least recently used ones (of any cache sharing the budget); a piece over the budget is skipped. */
  set(index: number, data: Uint8Array): void {
    this.delete(index);
    if (data.length > this.budget.maxBytes) return;
    const e: Entry = { cache: this, index, data };
    this.map.set(index, e);
    this.used += data.length;
    this.budget.add(e);
  }

  delete(index: number): void {
    const e = this.map.get(index);
    if (e !== undefined) this.evict(e);
  }

  /** @internal Drops `e` from this cache and the budget. */
  evict(e: Entry): void {
    if (this.map.get(e.index) !== e) return;
    this.map.delete(e.index);
    this.used -= e.data.length;
    this.budget.remove(e);
  }

  clear(): void {
    for (const e of [...this.map.values()]) this.evict(e);
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
