import { SchedulerError } from './errors.js';
import { TokenBucket } from './rate.js';

/** Rate limits in bytes per second; 0 (or absent) means unlimited. */
export interface RateLimits {
  readonly download?: number;
  readonly upload?: number;
}

/** Tokens are handed out against this unit: one 16 KiB block. */
const UNIT = 16384;
/** Bursts: a fifth of a second of traffic, at least two blocks. */
const BURST_SECONDS = 0.2;
/** Shortest wait before waking throttled connections (timer granularity). */
const MIN_WAIT_MS = 20;

function checkLimit(bytesPerSecond: number): number {
  if (!(Number.isFinite(bytesPerSecond) || bytesPerSecond === Infinity) || !(bytesPerSecond >= 0)) {
    throw new SchedulerError('a rate limit is a number of bytes per second >= 0 (0 = unlimited)', { limit: bytesPerSecond });
  }
  return bytesPerSecond === Infinity ? 0 : Math.floor(bytesPerSecond);
}

/**
 * One direction's limit at one level (client or torrent), chained to its parent: bytes
 * taken here are taken from every level above too, and what is available is the least of
 * the chain. Backed by a TokenBucket whose balance may go negative (a block granted on a
 * small positive balance is a debt repaid before the next one), so blocks of any size move
 * and the long-run rate is exact. No timers: see BandwidthScheduler.
 */
export class RateLimiter {
  private readonly bucket: TokenBucket;
  private _limit = 0;

  constructor(
    readonly parent: RateLimiter | undefined,
    bytesPerSecond: number,
    now: number,
  ) {
    this.bucket = new TokenBucket(Infinity, now);
    this.setLimit(bytesPerSecond, now);
  }

  /** Bytes per second, 0 = unlimited. */
  get limit(): number {
    return this._limit;
  }

  setLimit(bytesPerSecond: number, now: number): void {
    const l = checkLimit(bytesPerSecond);
    this._limit = l;
    if (l === 0) this.bucket.setRate(Infinity, now);
    else this.bucket.setRate(l, now, Math.max(2 * UNIT, l * BURST_SECONDS));
  }

  /** This level or one above has a limit (cheap: checked on the hot path first). */
  get limited(): boolean {
    return this._limit > 0 || (this.parent !== undefined && this.parent.limited);
  }

  /** Bytes that may move now: the least over the chain (Infinity when unlimited; <= 0 while in debt). */
  available(now: number): number {
    const own = this._limit > 0 ? this.bucket.available(now) : Infinity;
    if (this.parent === undefined) return own;
    const up = this.parent.available(now);
    return own < up ? own : up;
  }

  /** Charges bytes at every limited level (may go into debt). */
  take(bytes: number, now: number): void {
    if (this._limit > 0) this.bucket.consume(bytes, now);
    this.parent?.take(bytes, now);
  }

  /** Milliseconds until a block's worth is available at every level. */
  delay(now: number): number {
    const own = this._limit > 0 ? this.bucket.delayFor(UNIT, now) : 0;
    const up = this.parent !== undefined ? this.parent.delay(now) : 0;
    return own > up ? own : up;
  }
}

/**
 * Wakes connections that stopped for lack of tokens, with one timer per client (armed
 * only while something waits), not one per block. A connection registers a wake callback
 * (its identity is the key, so waiting twice is once); all waiters are woken together,
 * starting from a rotating position so no connection always gets the first tokens.
 */
export class BandwidthScheduler {
  private readonly waiting = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private due = Infinity;
  private turn = 0;
  private closed = false;

  /** Calls `wake` once `limiter` has a block's worth of tokens again (or a little later). */
  wait(wake: () => void, limiter: RateLimiter, now: number): void {
    if (this.closed) return;
    this.waiting.add(wake);
    const at = now + Math.max(MIN_WAIT_MS, limiter.delay(now));
    if (at >= this.due) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(this.fire, at - now);
    this.timer.unref();
  }

  /** Forgets a waiter (its connection closed). */
  cancel(wake: () => void): void {
    this.waiting.delete(wake);
  }

  /** Number of connections waiting for tokens (tests, status). */
  get size(): number {
    return this.waiting.size;
  }

  /** Wakes everyone at once (a limit was raised or removed). */
  kick(): void {
    if (this.waiting.size === 0) return;
    clearTimeout(this.timer);
    this.fire();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.waiting.clear();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.due = Infinity;
    const list = [...this.waiting];
    this.waiting.clear();
    const n = list.length;
    if (n === 0) return;
    const start = this.turn++ % n;
    for (let k = 0; k < n; k++) list[(start + k) % n]!();
  };
}

/**
 * Upload slots over all torrents: how many peers may be unchoked at once client-wide
 * (each torrent also has its own per-torrent slots). `used` is recounted exactly by the
 * client's tick and kept up to date in between by take/release.
 */
export class UploadSlots {
  used = 0;

  constructor(public cap: number) {}

  /** Claims a slot; false when all are taken. */
  take(): boolean {
    if (this.used >= this.cap) return false;
    this.used++;
    return true;
  }

  release(): void {
    if (this.used > 0) this.used--;
  }
}
