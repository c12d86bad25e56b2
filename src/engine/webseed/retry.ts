import type { WebSeedReason } from './errors.js';

/**
 * Wait before the next request after `failures` failures in a row (>= 1), the last one of
 * kind `reason`: retryMs doubling per failure, 404/410 starting 6x longer, a 503's
 * Retry-After honoured (at least retryMs), everything capped at maxRetryMs.
 */
export function retryDelay(reason: WebSeedReason, failures: number, retryMs: number, maxRetryMs: number, retryAfterMs?: number): number {
  if (reason === 'unavailable' && retryAfterMs !== undefined) return Math.min(maxRetryMs, Math.max(retryMs, retryAfterMs));
  const base = reason === 'not_found' ? retryMs * 6 : retryMs;
  const exp = Math.min(Math.max(0, failures - 1), 20);
  return Math.min(maxRetryMs, base * 2 ** exp);
}

/** A Retry-After header (delta-seconds or an HTTP date) in ms from `now` (epoch ms); undefined when absent or malformed. */
export function parseRetryAfter(v: string | undefined, now = Date.now()): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d{1,9}$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  if (Number.isNaN(t) || !/[a-z]/i.test(s)) return undefined;
  return Math.max(0, t - now);
}
