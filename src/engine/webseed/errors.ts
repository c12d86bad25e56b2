import { ShoalError } from '../../core/errors.js';

/**
 * Why a web seed request failed (stable names):
 * - `network`: connection refused or reset, DNS failure;  - `timeout`: no data for too long;
 * - `status`: an HTTP error status (5xx, 403…);             - `not_found`: 404 or 410;
 * - `unavailable`: 503 (`retryAfterMs` when the server said when to come back);
 * - `bad_response`: 416, a wrong Content-Range, a short or long body, a 200 to a partial
 *   Range request, a redirect without Location or to a scheme other than http(s), too many redirects;
 * - `url`: the web seed URL itself is not a usable http(s) URL.
 */
export type WebSeedReason = 'network' | 'timeout' | 'status' | 'not_found' | 'unavailable' | 'bad_response' | 'url';

/** A web seed (BEP 19) request failed (code `EWEBSEED`); context carries url, status, range. */
export class WebSeedError extends ShoalError {
  readonly reason: WebSeedReason;
  /** For `unavailable`: the server's Retry-After, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(reason: WebSeedReason, message: string, context: { [k: string]: unknown } = {}, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('EWEBSEED', message, { reason, ...context }, options);
    this.reason = reason;
    this.retryAfterMs = options?.retryAfterMs;
  }
}
