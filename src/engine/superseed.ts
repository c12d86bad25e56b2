import { encodeHave } from '../wire/encode.js';
import type { PeerConnection } from './peer.js';

/** What super-seeding needs from its torrent. */
export interface SuperSeedHost {
  readonly pieceCount: number;
  /** Connected peers holding piece i (not us). */
  availability(i: number): number;
  readyPeers(): Iterable<PeerConnection>;
}

/** Pieces offered to one peer at a time. */
const SLOTS = 2;
/** An offer not passed on for this long may be offered to another peer too. */
const STALE_MS = 20_000;

interface PeerOffers {
  /** Offered and not yet released (seen elsewhere or finished by it). */
  readonly open: number[];
  /** Every piece ever offered to it: the requests we serve. */
  readonly served: Set<number>;
}

/**
 * Super-seeding (BEP 16) for an initial seeder. Peers are told we have nothing (HAVE_NONE
 * or no bitfield); each gets HAVE for at most SLOTS pieces it lacks, never-offered pieces
 * first (in random order), then the rarest. A slot frees when the peer announces the piece
 * (it finished it) or another peer announces it (it was passed on); then the next piece is
 * offered. Requests for pieces not offered to that peer are rejected. Once every piece has
 * been seen at some peer, super-seeding ends: every peer gets HAVE for what it lacks and
 * new peers see a normal seed.
 *
 * Costs: an offer is O(1) while never-offered pieces remain (a shuffled stack), O(pieces)
 * afterwards; the tick's recount is O(pieces) until the mode ends.
 */
export class SuperSeeder {
  private readonly host: SuperSeedHost;
  private readonly peers = new Map<PeerConnection, PeerOffers>();
  /** Never offered (or offered to a peer that left without passing it on), shuffled. */
  private readonly fresh: number[];
  /** Piece -> peers it is offered to (open slots). */
  private readonly openAt = new Map<number, PeerConnection[]>();
  private readonly offeredCount: Uint32Array;
  private readonly offeredAt: Float64Array;
  private readonly seen: Uint8Array;
  private seenCount = 0;
  private _active = true;
  /** Bytes-free gate for PeerConnection: serve only what was offered. */
  readonly gate = (c: PeerConnection, index: number): boolean => this.peers.get(c)?.served.has(index) === true;

  constructor(host: SuperSeedHost, random: () => number = Math.random) {
    this.host = host;
    const n = host.pieceCount;
    this.offeredCount = new Uint32Array(n);
    this.offeredAt = new Float64Array(n);
    this.seen = new Uint8Array(n);
    this.fresh = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = this.fresh[i]!;
      this.fresh[i] = this.fresh[j]!;
      this.fresh[j] = t;
    }
  }

  get active(): boolean {
    return this._active;
  }

  /** Pieces seen at some peer so far. */
  get seenPieces(): number {
    return this.seenCount;
  }

  /** Once a second: notices pieces seen through bitfields, fills free slots, ends the mode. */
  tick(): void {
    if (!this._active) return;
    const n = this.host.pieceCount;
    for (let i = 0; i < n; i++) if (this.seen[i] === 0 && this.host.availability(i) > 0) this.markSeen(i);
    if (this.seenCount >= n) return this.end();
    for (const c of this.host.readyPeers()) {
      const o = this.offersOf(c);
      if (o === undefined) continue;
      for (let k = o.open.length - 1; k >= 0; k--) {
        const i = o.open[k]!;
        if (c.pp!.has(i)) this.release(c, i);
      }
      this.fill(c);
    }
  }

  /** A peer announced piece `index` (HAVE). */
  onHave(_c: PeerConnection, index: number): void {
    if (!this._active) return;
    this.markSeen(index);
    if (this.seenCount >= this.host.pieceCount) this.end();
  }

  /** A peer left: its unreleased offers go back to the fresh stack unless someone else has them. */
  peerClosed(c: PeerConnection): void {
    const o = this.peers.get(c);
    if (o === undefined) return;
    this.peers.delete(c);
    for (const i of o.open) {
      this.dropOpen(i, c);
      if (this._active && this.host.availability(i) === 0 && !this.openAt.has(i)) this.fresh.push(i);
    }
  }

  /** Leaves super-seed mode: every peer learns every piece it lacks. */
  end(): void {
    if (!this._active) return;
    this._active = false;
    this.openAt.clear();
    this.fresh.length = 0;
    const n = this.host.pieceCount;
    for (const c of this.host.readyPeers()) {
      const pp = c.pp;
      for (let i = 0; i < n; i++) if (pp !== undefined && !pp.has(i)) c.sendHave(encodeHave(i), i);
    }
    this.peers.clear();
  }

  private offersOf(c: PeerConnection): PeerOffers | undefined {
    const pp = c.pp;
    if (pp === undefined || c.closed || !c.ready || pp.seed) return undefined;
    let o = this.peers.get(c);
    if (o === undefined) this.peers.set(c, (o = { open: [], served: new Set() }));
    return o;
  }

  private markSeen(i: number): void {
    if (this.seen[i] === 0) {
      this.seen[i] = 1;
      this.seenCount++;
    }
    const at = this.openAt.get(i);
    if (at === undefined) return;
    // Finished by the peer it was offered to, or passed on to another: either frees the slot.
    for (const c of [...at]) {
      this.release(c, i);
      this.fill(c);
    }
  }

  private release(c: PeerConnection, i: number): void {
    const o = this.peers.get(c);
    if (o === undefined) return;
    const k = o.open.indexOf(i);
    if (k >= 0) o.open.splice(k, 1);
    this.dropOpen(i, c);
  }

  private dropOpen(i: number, c: PeerConnection): void {
    const at = this.openAt.get(i);
    if (at === undefined) return;
    const k = at.indexOf(c);
    if (k >= 0) at.splice(k, 1);
    if (at.length === 0) this.openAt.delete(i);
  }

  /** Offers pieces to c until its slots are full or nothing fits. */
  private fill(c: PeerConnection): void {
    if (!this._active) return;
    const o = this.offersOf(c);
    if (o === undefined) return;
    while (o.open.length < SLOTS) {
      const i = this.choose(c, o);
      if (i < 0) return;
      o.open.push(i);
      o.served.add(i);
      this.offeredCount[i]!++;
      this.offeredAt[i] = performance.now();
      const at = this.openAt.get(i);
      if (at === undefined) this.openAt.set(i, [c]);
      else at.push(c);
      c.sendHave(encodeHave(i), i);
    }
  }

  /**
   * A never-offered piece c lacks; when none is left, a piece nobody we see has whose offers
   * went stale (the peers given it did not pass it on within STALE_MS), fewest offers
   * first; -1: nothing to offer (pieces others hold come from them, not from us).
   */
  private choose(c: PeerConnection, o: PeerOffers): number {
    const pp = c.pp!;
    const fresh = this.fresh;
    for (let k = fresh.length - 1, scanned = 0; k >= 0 && scanned < 64; scanned++) {
      const i = fresh[k]!;
      const gone = this.seen[i] === 1 || this.openAt.has(i);
      if (gone || !pp.has(i)) {
        fresh[k] = fresh[fresh.length - 1]!;
        fresh.pop();
        if (!gone) return i;
        if (k >= fresh.length) k = fresh.length - 1;
        continue;
      }
      k--;
    }
    const now = performance.now();
    const n = this.host.pieceCount;
    let best = -1;
    let bestOffers = Infinity;
    for (let i = 0; i < n; i++) {
      if (this.seen[i] === 1 || pp.has(i) || o.open.includes(i) || this.host.availability(i) > 0) continue;
      if (this.openAt.has(i) && now - this.offeredAt[i]! < STALE_MS) continue;
      const offers = this.offeredCount[i]!;
      if (offers < bestOffers) {
        best = i;
        bestOffers = offers;
      }
    }
    return best;
  }
}
