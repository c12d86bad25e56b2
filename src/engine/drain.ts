import type { Bitfield } from '../core/bitfield.js';
import { encodeHave } from '../wire/encode.js';
import type { PeerConnection } from './peer.js';

/** Options of `Torrent.drain`. */
export interface DrainOptions {
  /**
   * Copies each piece we hold must have among the other connected peers before we leave.
   * Default 1: after we leave, every piece still has at least one copy.
   */
  readonly minCopies?: number;
  /** Stop trying after this long (default 60 s); the result lists the pieces still at risk. */
  readonly timeoutMs?: number;
  /** About once a second while draining, and once at the end. */
  readonly onProgress?: (p: DrainProgress) => void;
  /** Close the torrent (announce `stopped`) when the drain ends. Default true. */
  readonly close?: boolean;
  /** Aborts the drain (the result says 'aborted'). */
  readonly signal?: AbortSignal;
  /**
   * End early when no connected peer lacks any at-risk piece for this long (default 5 s):
   * there is nobody to hand the pieces to.
   */
  readonly noPeersMs?: number;
}

export interface DrainProgress {
  /** Pieces we hold with fewer than minCopies copies among the others. */
  readonly atRisk: number;
  /** At-risk pieces when the drain started. */
  readonly atRiskAtStart: number;
  /** Peers we are handing pieces to. */
  readonly targets: number;
  /** Payload bytes uploaded since the drain started. */
  readonly uploaded: number;
  readonly elapsedMs: number;
}

export type DrainEnd = 'done' | 'timeout' | 'no-peers' | 'aborted' | 'closed';

export interface DrainResult {
  /** True when no piece is at risk any more. */
  readonly complete: boolean;
  readonly reason: DrainEnd;
  /** Pieces still held by fewer than minCopies other peers (ascending). */
  readonly atRisk: number[];
  readonly atRiskAtStart: number;
  readonly minCopies: number;
  readonly uploaded: number;
  readonly elapsedMs: number;
}

/** What a drain needs from its torrent. */
export interface DrainHost {
  readonly have: Bitfield;
  readonly pieceCount: number;
  readonly uploaded: number;
  /** Connected peers holding piece i (not us). */
  availability(i: number): number;
  pieceSize(i: number): number;
  /** Peers past the handshake. */
  readyPeers(): Iterable<PeerConnection>;
}

/** A hand-over not completed within this long stops counting (the piece goes to another peer as well). */
const STALE_MS = 15_000;

/**
 * Peer ranking: the more complete and the longer connected, the likelier it stays; a peer
 * not interested in us is unlikely to take anything (a quarter of the weight).
 */
function stayScore(c: PeerConnection, pieceCount: number, now: number): number {
  const pp = c.pp;
  const frac = pp === undefined || pieceCount === 0 ? 0 : pp.seed ? 1 : pp.bitfield.count / pieceCount;
  const age = Math.min(1, (now - c.connectedAt) / 600_000);
  return (1 + 2 * frac + age) * (c.peerInterested ? 1 : 0.25);
}

/**
 * One drain: finds the pieces we hold that fewer than `minCopies` connected peers hold,
 * hands each to peers that lack it (least loaded first, weighted by how likely a peer is
 * to stay), unchokes them and chokes everyone else, tells them with HAVE, SUGGEST and
 * ALLOWED_FAST (BEP 6), and watches their HAVEs. Ends when nothing is at risk, at the time
 * limit, when nobody can take the pieces, or on abort. Recomputed once a second
 * (O(pieces + assignments)); a HAVE is O(1).
 */
export class Drainer {
  readonly minCopies: number;
  readonly result: Promise<DrainResult>;
  private readonly host: DrainHost;
  private readonly opts: DrainOptions;
  private readonly started: number;
  private readonly uploadedAtStart: number;
  private readonly deadline: number;
  private readonly noPeersMs: number;
  /** Pieces at risk now (true), kept in step with HAVEs between recomputations. */
  private readonly risk: Uint8Array;
  private riskCount = 0;
  private atStart = -1;
  /** Copies held by complete peers that closed the connection (a seed leaving a seed is normal). */
  private readonly departed: Uint16Array;
  /** Peer -> pieces handed to it and not yet announced by it. */
  /** Peer -> piece -> when it was handed over. */
  private readonly assigned = new Map<PeerConnection, Map<number, number>>();
  private lastTarget: number;
  private finished = false;
  private resolve!: (r: DrainResult) => void;
  private readonly onAbort = (): void => this.finish('aborted', performance.now());

  constructor(host: DrainHost, opts: DrainOptions, now: number) {
    this.host = host;
    this.opts = opts;
    this.minCopies = Math.max(1, Math.floor(opts.minCopies ?? 1));
    this.started = now;
    this.lastTarget = now;
    this.uploadedAtStart = host.uploaded;
    this.deadline = now + (opts.timeoutMs ?? 60_000);
    this.noPeersMs = opts.noPeersMs ?? 5000;
    this.risk = new Uint8Array(host.pieceCount);
    this.departed = new Uint16Array(host.pieceCount);
    this.result = new Promise((res) => (this.resolve = res));
    if (opts.signal?.aborted) {
      this.finish('aborted', now);
      return;
    }
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.step(now);
  }

  get done(): boolean {
    return this.finished;
  }

  /** Whether c is one of the peers we hand pieces to (the choker keeps it unchoked). */
  isTarget(c: PeerConnection): boolean {
    return this.assigned.has(c);
  }

  /** Once a second: recount, reassign, report, and end when due. */
  step(now: number): void {
    if (this.finished) return;
    this.recount();
    if (this.atStart < 0) this.atStart = this.riskCount;
    if (this.riskCount === 0) return this.finish('done', now);
    this.assign(now);
    if (this.assigned.size > 0) this.lastTarget = now;
    this.report(now);
    if (now >= this.deadline) return this.finish('timeout', now);
    if (now - this.lastTarget >= this.noPeersMs) return this.finish('no-peers', now);
  }

  /** A peer announced a piece. */
  onHave(c: PeerConnection, index: number): void {
    if (this.finished) return;
    this.assigned.get(c)?.delete(index);
    if (this.risk[index] === 1 && this.copies(index) >= this.minCopies) {
      this.risk[index] = 0;
      this.riskCount--;
      if (this.riskCount === 0) this.finish('done', performance.now());
    }
  }

  /**
   * A peer left. One that had every piece still holds them (peers that finish close their
   * connections to seeds, sometimes before their last HAVEs reach us): its copies count.
   */
  peerLeft(c: PeerConnection): void {
    if (this.finished) return;
    this.assigned.delete(c);
    const pp = c.pp;
    if (pp === undefined || !(pp.seed || pp.bitfield.complete || this.sentTheRest(c))) return;
    for (let i = 0; i < this.departed.length; i++) if (this.departed[i]! < 0xffff) this.departed[i]!++;
  }

  /** We uploaded it at least every byte it had not announced (its last HAVEs may be in flight). */
  private sentTheRest(c: PeerConnection): boolean {
    const bf = c.pp!.bitfield;
    let missing = 0;
    for (let i = 0; i < this.departed.length; i++) if (!bf.get(i)) missing += this.host.pieceSize(i);
    return missing > 0 && c.uploaded >= missing;
  }

  private copies(i: number): number {
    return this.host.availability(i) + this.departed[i]!;
  }

  /** Replaces the choker's round while draining: targets unchoked, everyone else choked. */
  rechoke(peers: Iterable<PeerConnection>): void {
    for (const c of peers) {
      if (this.assigned.has(c)) c.unchoke();
      else c.choke();
    }
  }

  /** The torrent is closing under us. */
  cancel(): void {
    this.finish('closed', performance.now());
  }

  private recount(): void {
    const { have, pieceCount } = this.host;
    const risk = this.risk;
    let n = 0;
    for (let i = 0; i < pieceCount; i++) {
      const r = have.get(i) && this.copies(i) < this.minCopies;
      risk[i] = r ? 1 : 0;
      if (r) n++;
    }
    this.riskCount = n;
  }

  /** Keeps live assignments, then gives every at-risk piece to enough peers that lack it. */
  private assign(now: number): void {
    const n = this.host.pieceCount;
    const peers: { c: PeerConnection; weight: number }[] = [];
    for (const c of this.host.readyPeers()) {
      const pp = c.pp;
      if (pp === undefined || pp.seed || c.closed) continue;
      peers.push({ c, weight: stayScore(c, n, now) });
    }
    const live = new Set(peers.map((p) => p.c));
    for (const [c, set] of this.assigned) {
      if (!live.has(c)) {
        this.assigned.delete(c);
        continue;
      }
      for (const i of set.keys()) if (this.risk[i] !== 1 || c.pp!.has(i)) set.delete(i);
    }
    const load = (c: PeerConnection): number => this.assigned.get(c)?.size ?? 0;
    for (let i = 0; i < n; i++) {
      if (this.risk[i] !== 1) continue;
      let need = this.minCopies - this.copies(i);
      // A hand-over not done within STALE_MS no longer counts: another peer gets the piece too.
      for (const set of this.assigned.values()) {
        const at = set.get(i);
        if (at !== undefined && now - at < STALE_MS) need--;
      }
      while (need > 0) {
        let best: { c: PeerConnection; weight: number } | undefined;
        let bestCost = Infinity;
        for (const p of peers) {
          if (p.c.pp!.has(i) || this.assigned.get(p.c)?.has(i) === true) continue;
          const cost = (load(p.c) + 1) / p.weight;
          if (cost < bestCost) {
            bestCost = cost;
            best = p;
          }
        }
        if (best === undefined) break;
        this.give(best.c, i, now);
        need--;
      }
    }
    for (const [c, set] of this.assigned) if (set.size === 0) this.assigned.delete(c);
  }

  private give(c: PeerConnection, i: number, now: number): void {
    let set = this.assigned.get(c);
    if (set === undefined) this.assigned.set(c, (set = new Map()));
    set.set(i, now);
    c.sendHave(encodeHave(i), i);
    c.suggest(i);
    c.allowFast(i);
    c.unchoke();
  }

  private progress(now: number): DrainProgress {
    return {
      atRisk: this.riskCount,
      atRiskAtStart: Math.max(0, this.atStart),
      targets: this.assigned.size,
      uploaded: this.host.uploaded - this.uploadedAtStart,
      elapsedMs: now - this.started,
    };
  }

  private report(now: number): void {
    try {
      this.opts.onProgress?.(this.progress(now));
    } catch {
      // a listener's failure does not stop the drain
    }
  }

  private finish(reason: DrainEnd, now: number): void {
    if (this.finished) return;
    this.finished = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.recount();
    if (this.atStart < 0) this.atStart = this.riskCount;
    this.report(now);
    const atRisk: number[] = [];
    for (let i = 0; i < this.risk.length; i++) if (this.risk[i] === 1) atRisk.push(i);
    this.assigned.clear();
    const p = this.progress(now);
    this.resolve({ complete: atRisk.length === 0, reason: atRisk.length === 0 ? 'done' : reason, atRisk, atRiskAtStart: p.atRiskAtStart, minCopies: this.minCopies, uploaded: p.uploaded, elapsedMs: p.elapsedMs });
  }
}
