/** Per-IP token buckets for incoming queries; the table of IPs is bounded. */
export interface RateLimitOptions {
  /** Queries per second allowed per IP (default 50). */
  readonly rate?: number;
  /** Burst size (default 2 x rate). */
  readonly burst?: number;
  /** IPs tracked at once (default 10000; the least recently seen is forgotten). */
  readonly maxIps?: number;
  readonly now?: () => number;
}

export class RateLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxIps: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RateLimitOptions = {}) {
    this.rate = opts.rate ?? 50;
    this.burst = opts.burst ?? this.rate * 2;
    this.maxIps = opts.maxIps ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get tracked(): number {
    return this.buckets.size;
  }

  /** Whether a query from `ip` may be answered now (consumes one token if so). */
  allow(ip: string): boolean {
    const t = this.now();
    let b = this.buckets.get(ip);
    if (b) {
      this.buckets.delete(ip);
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
      b.at = t;
    } else {
      b = { tokens: this.burst, at: t };
      if (this.buckets.size >= this.maxIps) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(ip, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
