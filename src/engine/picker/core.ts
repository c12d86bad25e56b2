import { Bitfield } from '../../core/bitfield.js';
import { SchedulerError } from '../errors.js';
import { ActivePiece, FREE, REQUESTED } from './active.js';
import { AvailabilityIndex } from './availability.js';
import { BLOCK_SIZE, Geometry } from './blocks.js';
import type { BlockRequest } from './blocks.js';
import { PickerPeer } from './peer.js';

/**
 * Memory for pieces started and not yet verified and written, by default. 32 MiB: with the
 * hashing thread writing pieces, a larger queue only holds more memory. 1 GiB from one and
 * from four libtorrent seeders (5 interleaved runs, medians): 64, 32 and 16 MiB gave the
 * same speed (379-399 and 412-428 MiB/s) and CPU, and peak RSS 157, 119 and 102 MB (one
 * seeder) and 171, 137 and 120 MB (four).
 */
export const DEFAULT_IN_FLIGHT_BYTES = 32 << 20;

export interface PickerOptions {
  readonly pieceLength: number;
  readonly totalLength: number;
  /** Pieces already verified (resume data). Copied. */
  readonly have?: Bitfield;
  /** Cap on pieces in flight (started, not yet verified). Default: inFlightBytes / pieceLength, at least 2. */
  readonly maxPiecesInFlight?: number;
  /** Memory budget for piece buffers when maxPiecesInFlight is not given (default DEFAULT_IN_FLIGHT_BYTES). */
  readonly inFlightBytes?: number;
  /** Most peers asked for one block in endgame. Default 2. */
  readonly endgameRequesters?: number;
  /** Source of randomness in [0, 1) for tie-breaking. Default Math.random. */
  readonly random?: () => number;
}

/**
 * State and internal moves of the piece picker (see PiecePicker for the public API and
 * the invariants): availability index, pieces in flight, the open list, counters.
 */
export class PickerCore<T> {
  readonly geometry: Geometry;
  readonly pieceCount: number;
  /** Verified pieces. Read-only for callers: use pieceVerified. */
  readonly have: Bitfield;
  /** Pick the lowest index first (streaming) instead of rarest first. */
  sequential = false;
  readonly maxPiecesInFlight: number;
  readonly endgameRequesters: number;
  protected readonly wanted: Uint8Array;
  protected readonly index: AvailabilityIndex;
  protected readonly active: (ActivePiece<T> | undefined)[];
  protected readonly inFlight: ActivePiece<T>[] = [];
  /** Pieces in flight with free blocks; position kept in `openPos`. */
  protected readonly open: ActivePiece<T>[] = [];
  protected readonly peers = new Set<PickerPeer<T>>();
  protected freeTotal = 0;
  protected remainingCount = 0;
  protected cursor = 0;

  constructor(opts: PickerOptions) {
    this.geometry = new Geometry(opts.pieceLength, opts.totalLength);
    const n = (this.pieceCount = this.geometry.pieceCount);
    const random = opts.random ?? Math.random;
    this.have = new Bitfield(n, opts.have?.buffer);
    if (opts.have && opts.have.length !== n) throw new SchedulerError('have bitfield length does not match the piece count', { length: opts.have.length, pieceCount: n });
    this.maxPiecesInFlight = Math.max(1, opts.maxPiecesInFlight ?? Math.max(2, Math.floor((opts.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES) / opts.pieceLength)));
    this.endgameRequesters = Math.max(1, opts.endgameRequesters ?? 2);
    this.wanted = new Uint8Array(n).fill(1);
    this.index = new AvailabilityIndex(n, random);
    this.active = new Array<ActivePiece<T> | undefined>(n);
    for (let i = 0; i < n; i++) {
      if (!this.have.get(i)) {
        this.remainingCount++;
        this.index.insert(i);
      }
    }
  }


  protected valid(i: number): boolean {
    return Number.isInteger(i) && i >= 0 && i < this.pieceCount;
  }

  protected needed(i: number): boolean {
    return this.wanted[i] === 1 && !this.have.get(i);
  }

  protected becomeSeed(p: PickerPeer<T>): void {
    p.seed = true;
    this.index.seeds++;
    p.interesting = this.remainingCount;
  }

  /** Takes p's pieces out of the counts (O(pieces) unless a seed) and empties its bitfield. */
  protected subtract(p: PickerPeer<T>): void {
    if (p.seed) {
      p.seed = false;
      this.index.seeds--;
    } else if (p.bitfield.count > 0) {
      forEachSetBit(p.bitfield, (i) => this.index.decrement(i));
    }
    if (p.bitfield.count > 0) p.bitfield = new Bitfield(this.pieceCount);
    p.interesting = 0;
  }

  protected indexInsert(i: number): void {
    this.index.insert(i);
    if (i < this.cursor) this.cursor = i;
  }

  protected firstAllowed(p: PickerPeer<T>): number {
    for (const i of p.allowedFast) if (this.index.has(i) && p.bitfield.get(i)) return i;
    return -1;
  }

  /** Lowest pickable piece the peer has; the cursor only skips pieces that are not indexed. */
  protected firstInOrder(p: PickerPeer<T>): number {
    const n = this.pieceCount;
    while (this.cursor < n && !this.index.has(this.cursor)) this.cursor++;
    for (let i = this.cursor; i < n; i++) if (this.index.has(i) && p.bitfield.get(i)) return i;
    return -1;
  }

  protected start(i: number): ActivePiece<T> {
    this.index.remove(i);
    const a = new ActivePiece<T>(i, this.geometry.blockCount(i));
    this.active[i] = a;
    a.listPos = this.inFlight.push(a) - 1;
    this.freeTotal += a.blocks;
    a.openPos = this.open.push(a) - 1;
    return a;
  }

  /** Removes a piece from flight (its requests must already be forgotten). */
  protected drop(a: ActivePiece<T>): void {
    this.freeTotal -= a.free;
    this.closeOpen(a);
    const last = this.inFlight.pop()!;
    if (last !== a) {
      this.inFlight[a.listPos] = last;
      last.listPos = a.listPos;
    }
    a.listPos = -1;
    this.active[a.index] = undefined;
  }

  protected closeOpen(a: ActivePiece<T>): void {
    if (a.openPos < 0) return;
    const last = this.open.pop()!;
    if (last !== a) {
      this.open[a.openPos] = last;
      last.openPos = a.openPos;
    }
    a.openPos = -1;
  }

  /** Hands out free blocks of a in order; returns the count still wanted. */
  protected take(p: PickerPeer<T>, a: ActivePiece<T>, count: number, out: BlockRequest[]): number {
    const st = a.state;
    let b = a.nextFree;
    while (count > 0 && a.free > 0 && b < a.blocks) {
      if (st[b] === FREE) {
        st[b] = REQUESTED;
        a.owner[b] = p;
        a.free--;
        this.freeTotal--;
        const begin = b * BLOCK_SIZE;
        p.outstanding.add(this.geometry.key(a.index, begin));
        out.push({ index: a.index, begin, length: this.geometry.blockLength(a.index, b) });
        count--;
      }
      b++;
    }
    a.nextFree = b;
    if (a.free === 0) this.closeOpen(a);
    return count;
  }

  /** Endgame: ask p for blocks others were asked for, least-requested first. */
  protected duplicate(p: PickerPeer<T>, count: number, restricted: boolean, out: BlockRequest[]): void {
    for (let level = 1; level < this.endgameRequesters && count > 0; level++) {
      for (const a of this.inFlight) {
        if (count === 0) break;
        const i = a.index;
        if (!p.bitfield.get(i) || !this.wanted[i] || (restricted && !p.allowedFast.includes(i))) continue;
        for (let b = 0; b < a.blocks && count > 0; b++) {
          if (a.state[b] !== REQUESTED || a.requesterCount(b) !== level) continue;
          const begin = b * BLOCK_SIZE;
          const key = this.geometry.key(i, begin);
          if (p.outstanding.has(key)) continue;
          a.addRequester(b, p);
          p.outstanding.add(key);
          out.push({ index: i, begin, length: this.geometry.blockLength(i, b) });
          count--;
        }
      }
    }
  }

  /** p no longer waits for block b of a; the block is free again when nobody else does. */
  protected unrequest(a: ActivePiece<T>, b: number, p: PickerPeer<T>): void {
    if (a.state[b] !== REQUESTED) return;
    if (a.removeRequester(b, p) > 0) return;
    a.state[b] = FREE;
    a.free++;
    this.freeTotal++;
    if (b < a.nextFree) a.nextFree = b;
    if (a.openPos < 0) a.openPos = this.open.push(a) - 1;
    if (a.free === a.blocks) {
      // Nothing requested or received: give the slot back and let rarity choose again.
      this.drop(a);
      if (this.needed(a.index)) this.indexInsert(a.index);
    }
  }

  /** Forgets every outstanding request on a (the piece is leaving flight). */
  protected forgetRequests(a: ActivePiece<T>): void {
    for (let b = 0; b < a.blocks; b++) {
      if (a.state[b] !== REQUESTED) continue;
      const key = this.geometry.key(a.index, b * BLOCK_SIZE);
      for (const q of a.requesters(b)) q.outstanding.delete(key);
      a.clearRequesters(b);
    }
  }
}

export function forEachSetBit(bf: Bitfield, fn: (i: number) => void): void {
  const buf = bf.buffer;
  for (let byte = 0; byte < buf.length; byte++) {
    const v = buf[byte]!;
    if (v === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (v & (0x80 >> bit)) fn(byte * 8 + bit);
  }
}
