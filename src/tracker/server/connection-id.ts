import { randomBytes } from 'node:crypto';
import { SipHash } from './siphash.js';

/**
 * BEP 15 connection ids: SipHash-2-4(key, epoch || address), a keyed MAC with a random
 * 128-bit key per process, where epoch = floor(now / window). An id is accepted in its own epoch and the next one, so it
 * lives between one and two windows (default window 60 s: "about two minutes"). Nothing
 * is stored per client, so a flood of connects costs no memory.
 */
export class ConnectionIds {
  private readonly sip: SipHash;
  private readonly windowMs: number;
  private readonly scratch = Buffer.alloc(4 + 16 + 2);

  /** `key`: 16 bytes (random by default). */
  constructor(opts: { key?: Uint8Array; windowMs?: number } = {}) {
    this.sip = new SipHash(opts.key ?? randomBytes(16));
    this.windowMs = opts.windowMs ?? 60_000;
  }

  /** `addr` is the compact address of the sender (6 or 18 bytes). */
  private mac(epoch: number, addr: Uint8Array, out: Uint8Array, off: number): void {
    const s = this.scratch;
    s.writeUInt32BE(epoch >>> 0, 0);
    s.set(addr, 4);
    this.sip.hash(s, 0, 4 + addr.length, out, off);
  }

  /** Writes a fresh id for `addr` into out[off, off+8). */
  issue(addr: Uint8Array, now: number, out: Uint8Array = Buffer.allocUnsafe(8), off = 0): Uint8Array {
    this.mac(Math.floor(now / this.windowMs), addr, out, off);
    return out;
  }

  private readonly check = new Uint8Array(8);

  /** True when buf[off, off+8) is an id this server issued to `addr` in this or the previous window. */
  verify(addr: Uint8Array, buf: Uint8Array, off: number, now: number): boolean {
    const epoch = Math.floor(now / this.windowMs);
    return this.matches(epoch, addr, buf, off) || this.matches(epoch - 1, addr, buf, off);
  }

  private matches(epoch: number, addr: Uint8Array, buf: Uint8Array, off: number): boolean {
    const c = this.check;
    this.mac(epoch, addr, c, 0);
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= c[i]! ^ buf[off + i]!;
    return diff === 0;
  }
}
