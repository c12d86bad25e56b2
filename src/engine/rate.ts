import { SchedulerError } from './errors.js';

/**
 * Sliding-window transfer rate: bytes per whole second in a ring of `windowSeconds`
 * buckets, plus a running sum, so `add` and `rate` are O(1) (amortized: advancing over
 * idle seconds clears at most the ring). Times are milliseconds from any monotonic clock
 * (the engine's tick passes `performance.now()` or `Date.now()`); no timers inside.
 */
export class RateMeter {
  readonly windowSeconds: number;
  private readonly ring: Float64Array;
  /**
   * [sum of the ring, total since creation]. Kept in a Float64Array, not in number fields:
   * a field that starts as a small integer and later holds a double (the sum passes 2^30
   * after a few seconds at full speed) changes the object's hidden class, which throws
   * away the optimized code of every function that touched a meter (measured: the block
   * handler compiled six times in one 1 GiB download).
   */
  private readonly acc = new Float64Array(2);
  /** The second the newest bucket belongs to. */
  private second: number;
  private readonly startMs: number;

  constructor(now: number, windowSeconds = 10) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 2 || windowSeconds > 3600) {
      throw new SchedulerError('rate window must be an integer number of seconds in 2..3600', { windowSeconds });
    }
    this.windowSeconds = windowSeconds;
    this.ring = new Float64Array(windowSeconds);
    this.second = Math.floor(now / 1000);
    this.startMs = now;
  }

  add(bytes: number, now: number): void {
    this.advance(now);
    this.ring[this.second % this.windowSeconds]! += bytes;
    this.acc[0]! += bytes;
    this.acc[1]! += bytes;
  }

  /** Bytes counted since creation. */
  get total(): number {
    return this.acc[1]!;
  }

  /**
   * Bytes per second over the window (the current partial second plus the previous
   * `windowSeconds - 1` whole ones), over a shorter span while the meter is young; the
   * span is never taken below 1 s so the first block does not read as a burst.
   */
  rate(now: number): number {
    this.advance(now);
    const span = Math.min(now - this.startMs, (this.windowSeconds - 1) * 1000 + (now - this.second * 1000));
    return (this.acc[0]! * 1000) / Math.max(1000, span);
  }

  private advance(now: number): void {
    const s = Math.floor(now / 1000);
    if (s <= this.second) return;
    const w = this.windowSeconds;
    const steps = Math.min(s - this.second, w);
    for (let k = 1; k <= steps; k++) {
      const j = (this.second + k) % w;
      this.acc[0]! -= this.ring[j]!;
      this.ring[j] = 0;
    }
    if (steps === w) this.acc[0] = 0; // drop float drift when the whole window is cleared
    this.second = s;
  }
}

/**
 * Token bucket for an optional rate limit (global or per torrent): `rate` bytes per second
 * refill, up to `burst` bytes saved. `rate` Infinity means unlimited. Bytes that already
 * arrived are charged with `consume` (the balance may go negative: a debt repaid before
 * anything else is allowed); bytes we are about to send or ask for use `grant`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private _rate: number;
  private _burst: number;

  constructor(rate: number, now: number, burst?: number) {
    this._rate = checkRate(rate);
    this._burst = burst ?? defaultBurst(rate);
    this.tokens = this._burst;
    this.last = now;
  }

  get rate(): number {
    return this._rate;
  }

  get unlimited(): boolean {
    return this._rate === Infinity;
  }

  /** Changes the limit; saved tokens are kept up to the new burst. */
  setRate(rate: number, now: number, burst?: number): void {
    this.refill(now);
    this._rate = checkRate(rate);
    this._burst = burst ?? defaultBurst(rate);
    if (this.tokens > this._burst) this.tokens = this._burst;
  }

  /** Tokens available now (negative while in debt). */
  available(now: number): number {
    if (this.unlimited) return Infinity;
    this.refill(now);
    return this.tokens;
  }

  /** Takes up to `want` bytes; returns how many were granted (0 while in debt). */
  grant(want: number, now: number): number {
    if (this.unlimited) return want;
    this.refill(now);
    const n = Math.max(0, Math.min(want, Math.floor(this.tokens)));
    this.tokens -= n;
    return n;
  }

  /** Charges bytes that were transferred anyway (received data); may go into debt. */
  consume(bytes: number, now: number): void {
    if (this.unlimited) return;
    this.refill(now);
    this.tokens -= bytes;
  }

  /** Milliseconds until `bytes` could be granted (0 if now), for scheduling the next tick. */
  delayFor(bytes: number, now: number): number {
    if (this.unlimited) return 0;
    this.refill(now);
    const missing = Math.min(bytes, this._burst) - this.tokens;
    if (missing <= 0) return 0;
    return this._rate === 0 ? Infinity : Math.ceil((missing * 1000) / this._rate);
  }

  private refill(now: number): void {
    const dt = now - this.last;
    if (dt <= 0) return;
    this.last = now;
    this.tokens = Math.min(this._burst, this.tokens + (dt * this._rate) / 1000);
  }
}

function checkRate(rate: number): number {
  if (!(rate >= 0)) throw new SchedulerError('rate limit must be >= 0 bytes/s (Infinity for none)', { rate });
  return rate;
}

/** One second of traffic, at least one 16 KiB block so a low limit still moves blocks. */
function defaultBurst(rate: number): number {
  return rate === Infinity ? Infinity : Math.max(16384, rate);
}
