import { Bitfield } from '../../core/bitfield.js';
import { SchedulerError } from '../errors.js';
import { FREE, RECEIVED, REQUESTED } from './active.js';
import { BLOCK_SIZE } from './blocks.js';
import type { BlockRequest } from './blocks.js';
import { PickerCore, forEachSetBit } from './core.js';
import { PickerPeer } from './peer.js';

export type { PickerOptions } from './core.js';

/**
 * What a block arrival means: `accepted` (store it), `complete` (stored, and it was the
 * piece's last block: hash it), `duplicate` (already had it: drop it), `unexpected` (not a
 * block of a piece in flight, or not a block boundary: drop it; the engine decides whether
 * that is a violation). `cancel` lists peers that were also asked for it (endgame): send them
 * CANCEL; the picker has already forgotten those requests.
 */
export type BlockStatus = 'accepted' | 'complete' | 'duplicate' | 'unexpected';
export interface BlockOutcome<T> {
  readonly status: BlockStatus;
  readonly cancel: readonly PickerPeer<T>[];
}
/** A request the picker dropped (piece unwanted), to CANCEL on the wire. */
export interface DroppedRequest<T> {
  readonly peer: PickerPeer<T>;
  readonly request: BlockRequest;
}

const NONE: readonly never[] = Object.freeze([]);
// Shared outcomes without cancels: a block arrival allocates nothing in the common case.
const ACCEPTED: BlockOutcome<never> = Object.freeze({ status: 'accepted', cancel: NONE });
const COMPLETE: BlockOutcome<never> = Object.freeze({ status: 'complete', cancel: NONE });
const DUPLICATE: BlockOutcome<never> = Object.freeze({ status: 'duplicate', cancel: NONE });
const UNEXPECTED: BlockOutcome<never> = Object.freeze({ status: 'unexpected', cancel: NONE });

/**
 * The piece picker: availability, rarest-first / sequential choice, partial pieces first,
 * per-block bookkeeping, endgame. Sans-IO and timer-free. Costs: pick, block and HAVE events
 * are O(1) amortized in the number of pieces (they touch pieces in flight, the peer's
 * allowed-fast list and the rarest buckets until a hit); bitfield arrival and disconnect are
 * O(pieces); starting, finishing or resetting a piece is O(peers).
 */
export class PiecePicker<T = unknown> extends PickerCore<T> {
  // ---- queries ----

  /** Wanted pieces not yet verified. */
  get remaining(): number {
    return this.remainingCount;
  }

  isWanted(i: number): boolean {
    return this.wanted[i] === 1;
  }

  /** Connected peers that have piece i. */
  availability(i: number): number {
    return this.index.availability(i);
  }

  /** Whether we need something the peer has (send INTERESTED). */
  isInteresting(p: PickerPeer<T>): boolean {
    return p.interesting > 0;
  }

  isInFlight(i: number): boolean {
    return this.active[i] !== undefined;
  }

  get piecesInFlight(): number {
    return this.inFlight.length;
  }

  /**
   * Endgame: nothing left to start (every needed piece some peer has is in flight) and
   * every block in flight is requested or received. Then pick hands out duplicates.
   */
  get endgame(): boolean {
    return this.inFlight.length > 0 && this.freeTotal === 0 && this.index.size === this.index.unavailable;
  }

  // ---- peers ----

  addPeer(ref: T): PickerPeer<T> {
    const p = new PickerPeer<T>(ref, this.pieceCount);
    this.peers.add(p);
    return p;
  }

  /** BITFIELD (the picker keeps `bf`; do not reuse it). Throws on a length mismatch (an engine bug). */
  peerBitfield(p: PickerPeer<T>, bf: Bitfield): void {
    if (bf.length !== this.pieceCount) throw new SchedulerError('bitfield length does not match the piece count', { length: bf.length, pieceCount: this.pieceCount });
    this.subtract(p);
    p.bitfield = bf;
    if (bf.complete) return this.becomeSeed(p);
    forEachSetBit(bf, (i) => {
      this.index.increment(i);
      if (this.needed(i)) p.interesting++;
    });
  }

  /** HAVE. Returns false when the index is out of range (a protocol violation). */
  peerHave(p: PickerPeer<T>, i: number): boolean {
    if (!this.valid(i)) return false;
    if (p.bitfield.get(i)) return true;
    p.bitfield.set(i);
    this.index.increment(i);
    if (this.needed(i)) p.interesting++;
    return true;
  }

  /** HAVE_ALL (BEP 6): O(1). */
  peerHaveAll(p: PickerPeer<T>): void {
    this.subtract(p);
    p.bitfield.setAll();
    this.becomeSeed(p);
  }

  /** HAVE_NONE (BEP 6). */
  peerHaveNone(p: PickerPeer<T>): void {
    this.subtract(p);
  }

  /**
   * SUGGEST (BEP 6): the peer would like us to take this piece (a seed pointing at the
   * swarm's rare pieces, or a drain handing over its last copies). Honoured when we start
   * a new piece from it, before rarest-first. Keeps the newest 8; false when out of range.
   */
  peerSuggest(p: PickerPeer<T>, i: number): boolean {
    if (!this.valid(i)) return false;
    if (p.suggested.includes(i)) return true;
    if (p.suggested.length >= 8) p.suggested.shift();
    p.suggested.push(i);
    return true;
  }

  /** ALLOWED_FAST (BEP 6). Returns false for an index out of range. Keeps at most 64. */
  peerAllowedFast(p: PickerPeer<T>, i: number): boolean {
    if (!this.valid(i)) return false;
    if (p.allowedFast.length < 64 && !p.allowedFast.includes(i)) p.allowedFast.push(i);
    return true;
  }

  /**
   * CHOKE / UNCHOKE from the peer. Choking does not drop requests: with the fast extension
   * the peer REJECTs them (call release); without it, call releaseAll.
   */
  setChoking(p: PickerPeer<T>, choking: boolean): void {
    p.choking = choking;
  }

  /** Disconnect: O(pieces) for a non-seed. Its requests go back to the pool. */
  removePeer(p: PickerPeer<T>): void {
    if (!p.connected) return;
    this.releaseAll(p);
    this.subtract(p);
    p.connected = false;
    this.peers.delete(p);
  }

  // ---- wanted pieces ----

  /**
   * Marks a piece wanted or not (from file priorities). A piece in flight that becomes
   * unwanted is dropped: the returned requests should be CANCELed; blocks still arriving
   * for it are `unexpected`.
   */
  setWanted(i: number, wanted: boolean): DroppedRequest<T>[] {
    if (!this.valid(i) || (this.wanted[i] === 1) === wanted) return [];
    this.wanted[i] = wanted ? 1 : 0;
    if (this.have.get(i)) return [];
    this.remainingCount += wanted ? 1 : -1;
    for (const p of this.peers) if (p.bitfield.get(i)) p.interesting += wanted ? 1 : -1;
    if (wanted) {
      if (!this.active[i]) this.indexInsert(i);
      return [];
    }
    this.index.remove(i);
    const a = this.active[i];
    if (!a) return [];
    const dropped: DroppedRequest<T>[] = [];
    for (let b = 0; b < a.blocks; b++) {
      if (a.state[b] !== REQUESTED) continue;
      const request = { index: i, begin: b * BLOCK_SIZE, length: this.geometry.blockLength(i, b) };
      for (const peer of a.requesters(b)) {
        peer.outstanding.delete(this.geometry.key(i, request.begin));
        dropped.push({ peer, request });
      }
    }
    this.drop(a);
    return dropped;
  }

  /** setWanted for every piece from a mask (1 = wanted), e.g. from wantedPieces(). */
  setWantedMask(mask: Uint8Array): DroppedRequest<T>[] {
    if (mask.length !== this.pieceCount) throw new SchedulerError('wanted mask length does not match the piece count', { length: mask.length, pieceCount: this.pieceCount });
    const dropped: DroppedRequest<T>[] = [];
    for (let i = 0; i < this.pieceCount; i++) {
      if ((mask[i] !== 0) !== (this.wanted[i] === 1)) dropped.push(...this.setWanted(i, mask[i] !== 0));
    }
    return dropped;
  }

  /**
   * Piece priority level: 0 low, 1 normal (default), 2 high. Rarest-first picks new pieces
   * of the highest level first (partial pieces are still finished first); sequential mode
   * ignores levels. O(1).
   */
  setPiecePriority(i: number, level: number): void {
    if (this.valid(i)) this.index.setPriority(i, level);
  }

  /** setPiecePriority for every piece (e.g. planPieces().priority). O(pieces). */
  setPiecePriorities(levels: Uint8Array): void {
    if (levels.length !== this.pieceCount) throw new SchedulerError('priority array length does not match the piece count', { length: levels.length, pieceCount: this.pieceCount });
    for (let i = 0; i < this.pieceCount; i++) this.index.setPriority(i, levels[i]!);
  }

  piecePriority(i: number): number {
    return this.index.priority(i);
  }

  // ---- picking ----

  /**
   * Up to `count` new block requests for peer p: blocks of pieces in flight first, then new
   * pieces (rarest first with random ties, or lowest index in sequential mode) while under
   * the in-flight cap, then in endgame duplicates of outstanding blocks. Only pieces the
   * peer has and we want; only its allowed-fast pieces while it chokes us.
   */
  pick(p: PickerPeer<T>, count: number): BlockRequest[] {
    const out: BlockRequest[] = [];
    if (count <= 0 || !p.connected || p.interesting === 0) return out;
    const restricted = p.choking;
    if (restricted && p.allowedFast.length === 0) return out;
    if (this.sequential && !restricted) count = this.inOrder(p, count, out);
    const open = this.open;
    for (let k = 0; k < open.length && count > 0; ) {
      const a = open[k]!;
      if (p.bitfield.get(a.index) && (!restricted || p.allowedFast.includes(a.index))) {
        count = this.take(p, a, count, out);
        if (a.openPos === k) k++; // else a left the list and another piece took slot k
      } else k++;
    }
    while (count > 0 && this.inFlight.length < this.maxPiecesInFlight) {
      let i = restricted ? this.firstAllowed(p) : this.sequential ? this.firstInOrder(p) : this.firstSuggested(p);
      if (i < 0 && !restricted && !this.sequential) i = this.index.find((j) => p.bitfield.get(j));
      if (i < 0) break;
      count = this.take(p, this.start(i), count, out);
    }
    if (count > 0 && this.endgame) this.duplicate(p, count, restricted, out);
    return out;
  }

  /** The oldest suggested piece that is still pickable and the peer has (dropping stale ones); -1 if none. */
  private firstSuggested(p: PickerPeer<T>): number {
    const s = p.suggested;
    while (s.length > 0) {
      const i = s.shift()!;
      if (this.index.has(i) && p.bitfield.get(i)) return i;
    }
    return -1;
  }

  /**
   * Sequential mode: partial and new pieces strictly by index (a player needs the next
   * bytes, not the oldest partial piece). Sorts the partial pieces the peer has: O(k log k)
   * in the pieces in flight.
   */
  private inOrder(p: PickerPeer<T>, count: number, out: BlockRequest[]): number {
    const partial = this.open.filter((a) => p.bitfield.get(a.index)).sort((x, y) => x.index - y.index);
    let k = 0;
    while (count > 0) {
      const next = this.inFlight.length < this.maxPiecesInFlight ? this.firstInOrder(p) : -1;
      const a = partial[k];
      if (a && (next < 0 || a.index < next)) {
        count = this.take(p, a, count, out);
        k++;
      } else if (next >= 0) {
        count = this.take(p, this.start(next), count, out);
      } else break;
    }
    return count;
  }

  // ---- block events ----

  /** A PIECE message's block arrived from p. */
  onBlock(p: PickerPeer<T>, index: number, begin: number, length: number): BlockOutcome<T> {
    const b = this.geometry.blockOf(index, begin, length);
    if (b < 0) return UNEXPECTED;
    const key = this.geometry.key(index, begin);
    p.outstanding.delete(key);
    const a = this.active[index];
    if (!a) return UNEXPECTED;
    const state = a.state[b]!;
    if (state === RECEIVED) return DUPLICATE;
    let cancel: readonly PickerPeer<T>[] = NONE;
    if (state === REQUESTED) {
      const extra = a.extra?.[b];
      if (a.owner[b] !== p || (extra !== undefined && extra.length > 0)) {
        // Endgame (or an answer to a request given up): everyone else asked gets a CANCEL.
        const others = a.requesters(b).filter((q) => q !== p);
        for (const q of others) q.outstanding.delete(key);
        if (others.length > 0) cancel = others;
      }
      a.clearRequesters(b);
    } else {
      a.free--;
      this.freeTotal--;
      if (a.free === 0) this.closeOpen(a);
    }
    a.state[b] = RECEIVED;
    a.sender[b] = p;
    a.received++;
    const done = a.received === a.blocks;
    if (cancel === NONE) return done ? COMPLETE : ACCEPTED;
    return { status: done ? 'complete' : 'accepted', cancel };
  }

  /** A request of p will not be answered (REJECT, timeout, choke): the block returns to the pool. */
  release(p: PickerPeer<T>, index: number, begin: number): boolean {
    if (!this.valid(index) || begin % BLOCK_SIZE !== 0 || !(begin >= 0 && begin < this.geometry.pieceSize(index))) return false;
    if (!p.outstanding.delete(this.geometry.key(index, begin))) return false;
    const a = this.active[index];
    if (a) this.unrequest(a, begin / BLOCK_SIZE, p);
    return true;
  }

  /** Releases every request of p; returns how many. */
  releaseAll(p: PickerPeer<T>): number {
    const n = p.outstanding.size;
    for (const key of p.outstanding) {
      const a = this.active[this.geometry.keyIndex(key)];
      if (a) this.unrequest(a, this.geometry.keyBegin(key) / BLOCK_SIZE, p);
    }
    p.outstanding.clear();
    return n;
  }

  // ---- piece events ----

  /** The piece hashed correctly (or is known good from resume data). */
  pieceVerified(i: number): void {
    if (!this.valid(i)) return;
    const a = this.active[i];
    if (a) {
      this.forgetRequests(a);
      this.drop(a);
    }
    this.index.remove(i);
    if (this.have.get(i)) return;
    const wasNeeded = this.needed(i);
    this.have.set(i);
    if (!wasNeeded) return;
    this.remainingCount--;
    for (const p of this.peers) if (p.bitfield.get(i)) p.interesting--;
  }

  /**
   * A piece we had is missing or corrupt on disk (found by a recheck): it is needed again.
   * O(peers).
   */
  pieceLost(i: number): void {
    if (!this.valid(i) || !this.have.get(i)) return;
    this.have.set(i, false);
    if (!this.wanted[i]) return;
    this.remainingCount++;
    for (const p of this.peers) if (p.bitfield.get(i)) p.interesting++;
    if (!this.active[i]) this.indexInsert(i);
  }

  /**
   * The piece failed its hash check: its blocks are reset and it goes back to the pool.
   * Returns the distinct peers that sent its blocks, for the engine to blame.
   */
  pieceFailed(i: number): PickerPeer<T>[] {
    if (!this.valid(i)) return [];
    const a = this.active[i];
    if (!a) return [];
    const senders = [...new Set(a.sender.filter((s): s is PickerPeer<T> => s !== null))];
    this.forgetRequests(a);
    this.drop(a);
    if (this.needed(i)) this.indexInsert(i);
    return senders;
  }

  /** For tests: every broken invariant, as text; empty when all hold. O(pieces x peers). */
  debugCheck(): string[] {
    const problems = this.index.check();
    let free = 0;
    let remaining = 0;
    for (let i = 0; i < this.pieceCount; i++) {
      const a = this.active[i];
      const needed = this.needed(i);
      if (needed) remaining++;
      if (needed && !a && !this.index.has(i)) problems.push(`needed piece ${i} neither in flight nor indexed`);
      if (this.index.has(i) && (!needed || a)) problems.push(`piece ${i} indexed but not pickable`);
      let avail = 0;
      for (const p of this.peers) if (p.bitfield.get(i) && !p.seed) avail++;
      if (avail !== this.index.counts[i]) problems.push(`piece ${i} count ${this.index.counts[i]} but ${avail} peers have it`);
      if (!a) continue;
      if (!this.wanted[i] || this.have.get(i)) problems.push(`piece ${i} in flight but not needed`);
      let f = 0;
      let r = 0;
      for (let b = 0; b < a.blocks; b++) {
        const s = a.state[b];
        const req = a.requesters(b);
        if (s === FREE) f++;
        if (s === RECEIVED) r++;
        if ((s === REQUESTED) !== req.length > 0) problems.push(`piece ${i} block ${b} state ${s} with ${req.length} requesters`);
        for (const q of req) if (!q.outstanding.has(this.geometry.key(i, b * BLOCK_SIZE))) problems.push(`piece ${i} block ${b} requester lacks the key`);
      }
      if (f !== a.free || r !== a.received) problems.push(`piece ${i} free/received ${a.free}/${a.received}, counted ${f}/${r}`);
      if ((a.openPos >= 0) !== f > 0) problems.push(`piece ${i} open ${a.openPos} with ${f} free`);
      free += f;
    }
    if (free !== this.freeTotal) problems.push(`freeTotal ${this.freeTotal}, counted ${free}`);
    if (remaining !== this.remainingCount) problems.push(`remaining ${this.remainingCount}, counted ${remaining}`);
    let seeds = 0;
    for (const p of this.peers) {
      if (p.seed) seeds++;
      let interesting = 0;
      forEachSetBit(p.bitfield, (i) => {
        if (this.needed(i)) interesting++;
      });
      if (interesting !== p.interesting) problems.push(`peer interesting ${p.interesting}, counted ${interesting}`);
      for (const key of p.outstanding) {
        const a = this.active[this.geometry.keyIndex(key)];
        const b = this.geometry.keyBegin(key) / BLOCK_SIZE;
        if (!a || !a.requesters(b).includes(p)) problems.push(`peer holds key ${key} not recorded on the piece`);
      }
    }
    if (seeds !== this.index.seeds) problems.push(`seeds ${this.index.seeds}, counted ${seeds}`);
    return problems;
  }
}
