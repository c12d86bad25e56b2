/**
 * announce_peer tokens (BEP 5): SHA-1 of (secret, requester IP), the secret replaced every
 * 5 minutes; a token from the current or the previous secret is accepted, so a token lives
 * 5 to 10 minutes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ipBytes } from './compact.js';

export const TOKEN_ROTATE_MS = 5 * 60_000;
const TOKEN_LEN = 8;

export class TokenIssuer {
  private current = randomBytes(16);
  private previous = randomBytes(16);
  private rotatedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.rotatedAt = now();
  }

  private rotate(): void {
    const t = this.now();
    const steps = Math.floor((t - this.rotatedAt) / TOKEN_ROTATE_MS);
    if (steps <= 0) return;
    this.previous = steps === 1 ? this.current : randomBytes(16);
    this.current = randomBytes(16);
    this.rotatedAt += steps * TOKEN_ROTATE_MS;
  }

  /** The token we hand to `host` in a get_peers reply. */
  issue(host: string): Buffer {
    this.rotate();
    return tokenFor(this.current, host);
  }

  /** Whether `token` is one we issued to `host` within the last two secrets. */
  check(token: Uint8Array, host: string): boolean {
    this.rotate();
    if (token.length !== TOKEN_LEN) return false;
    for (const s of [this.current, this.previous]) if (timingSafeEqual(tokenFor(s, host), token)) return true;
    return false;
  }
}

function tokenFor(secret: Uint8Array, host: string): Buffer {
  const h = createHash('sha1').update(secret);
  h.update(ipBytes(host) ?? Buffer.from(host, 'latin1'));
  return h.digest().subarray(0, TOKEN_LEN);
}
