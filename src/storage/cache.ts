import { pieceSize } from '../metainfo/layout.js';
import { StorageError } from './errors.js';
import type { Storage } from './interface.js';

/**
 * One cached piece, in its cache and in the budget's recency order. `refs` counts views of
 * it still queued on sockets (leases); an evicted piece's buffer is reused only once none is.
 */
interface Entry {
  readonly cache: PieceCache;
  readonly index: number;
  readonly data: Uint8Array;
  refs: number;
  evicted: boolean;
  readonly release: () => void;
}

/** Evicted piece buffers kept for the next reads, as a share of the budget. */
const SPARE_SHARE = 4;

/**
 * A byte budget shared by several PieceCaches (a client's torrents): one least-recently-
 * used order across all of them, so the process holds at most `maxBytes` of cached pieces
 * however many torrents seed.
 */
export class CacheBudget {
  /** Insertion order = recency, oldest first. */
  private readonly order = new Set<Entry>();
  private used = 0;
  /**
   * Buffers of evicted pieces no socket still holds, by size, for the next reads: without
   * them every read is a fresh 1 MiB allocation and evicted ones wait for the GC, which
   * held the seeder's memory well above its budget.
   */
  private readonly spare = new Map<number, Buffer[]>();
  private spareBytes = 0;

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

  /** @internal A buffer no cache or socket uses any more. */
  recycle(data: Uint8Array): void {
    const n = data.length;
    if (!(data instanceof Buffer) || data.byteOffset !== 0 || data.buffer.byteLength !== n || this.spareBytes + n > this.maxBytes / SPARE_SHARE) return;
    let list = this.spare.get(n);
    if (list === undefined) this.spare.set(n, (list = []));
    list.push(data);
    this.spareBytes += n;
  }

  /** A spare buffer of exactly `size` bytes (contents undefined), or undefined. */
  takeSpare(size: number): Buffer | undefined {
    const b = this.spare.get(size)?.pop();
    if (b !== undefined) this.spareBytes -= size;
    return b;
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
    const budget = this.budget;
    const e: Entry = {
      cache: this,
      index,
      data,
      refs: 0,
      evicted: false,
      release: () => {
        if (--e.refs === 0 && e.evicted) budget.recycle(e.data);
      },
    };
    this.map.set(index, e);
    this.used += data.length;
    this.budget.add(e);
  }

  delete(index: number): void {
    const e = this.map.get(index);
    if (e !== undefined) this.evict(e);
  }

  /** @internal Drops `e` from this cache and the budget; its buffer is reused once no lease holds it. */
  evict(e: Entry): void {
    if (this.map.get(e.index) !== e) return;
    this.map.delete(e.index);
    this.used -= e.data.length;
    this.budget.remove(e);
    e.evicted = true;
    if (e.refs === 0) this.budget.recycle(e.data);
  }

  /**
   * Takes a lease on cached piece `index` (undefined when not cached): its buffer is not
   * reused until the returned function is called, once. For views handed to a socket:
   * pass it as the write's callback.
   */
  lease(index: number): (() => void) | undefined {
    const e = this.map.get(index);
    if (e === undefined) return undefined;
    e.refs++;
    return e.release;
  }

  /** A buffer for reading a piece of `size` bytes into: a spare one, or undefined. */
  spareFor(size: number): Buffer | undefined {
    return this.budget.takeSpare(size);
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

  /**
   * A cached block as a view (no promise), or undefined on a miss. The view is valid until
   * the piece leaves the cache, unless leased (PieceCache.lease) for as long as it is used.
   */
  peek(index: number, begin: number, length: number): Uint8Array | undefined {
    const p = this.cache.get(index);
    if (p === undefined || begin + length > p.length) return undefined;
    return p.subarray(begin, begin + length);
  }

  /** The whole piece, from the cache or storage (concurrent misses share one read); valid as peek's views are. */
  piece(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = this.loading.get(index);
    if (p === undefined) {
      const layout = this.storage.layout;
      const into = Number.isInteger(index) && index >= 0 && index < layout.pieceCount ? this.cache.spareFor(pieceSize(layout, index)) : undefined;
      p = this.storage.readPiece(index, into).then(
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
