/** What the choker needs to know about one connected peer. */
export interface ChokerPeer<K> {
  readonly id: K;
  /** The peer is interested in our data. */
  readonly interested: boolean;
  /** We are choking it now. */
  readonly choked: boolean;
  /** Bytes/s we receive from it (its upload to us). */
  readonly downloadRate: number;
  /** Bytes/s we send to it. */
  readonly uploadRate: number;
  /** When it connected (ms, same clock as `now`). */
  readonly connectedAt: number;
  /** It has sent us nothing for a request timeout (RequestQueue.snubbed). */
  readonly snubbed: boolean;
}

export interface ChokerOptions {
  /** Regular unchoke slots, besides the optimistic one. Default 4 (BEP 3's classic figure). */
  readonly uploadSlots?: number;
  /** Rechoke period. Default 10 s. */
  readonly intervalMs?: number;
  /** Optimistic unchoke rotation. Default 30 s. */
  readonly optimisticMs?: number;
  /** Peers connected for less than this are `newPeerWeight` times as likely to be the optimistic pick. Default 60 s. */
  readonly newPeerMs?: number;
  readonly newPeerWeight?: number;
  readonly random?: () => number;
}

/** Only the changes: send UNCHOKE to `unchoke`, CHOKE to `choke`. */
export interface ChokeDecision<K> {
  readonly unchoke: K[];
  readonly choke: K[];
  /** The optimistic unchoke after this round (undefined: no candidate). */
  readonly optimistic: K | undefined;
}

/**
 * Tit-for-tat choking, sans-IO. Each round (every 10 s, or forced when an unchoked peer
 * leaves) it unchokes the `uploadSlots` interested, non-snubbed peers that upload to us
 * fastest; when seeding (nothing to download) those we upload to fastest, which keeps the
 * slots on peers that can take the data and so spreads pieces fastest. Ties go to peers
 * already unchoked (no flapping), then to older connections. One more interested peer,
 * outside those, is unchoked optimistically and kept for 30 s (newly connected peers three
 * times as likely, so they get a first piece to trade); snubbed peers can only get this
 * slot. Everyone else, including peers not interested, is choked.
 */
export class Choker<K> {
  readonly uploadSlots: number;
  private readonly intervalMs: number;
  private readonly optimisticMs: number;
  private readonly newPeerMs: number;
  private readonly newPeerWeight: number;
  private readonly random: () => number;
  private lastRun = -Infinity;
  private optimistic: K | undefined;
  private optimisticAt = -Infinity;

  constructor(opts: ChokerOptions = {}) {
    this.uploadSlots = Math.max(0, opts.uploadSlots ?? 4);
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.optimisticMs = opts.optimisticMs ?? 30_000;
    this.newPeerMs = opts.newPeerMs ?? 60_000;
    this.newPeerWeight = opts.newPeerWeight ?? 3;
    this.random = opts.random ?? Math.random;
  }

  /** Whether a regular round is due. */
  due(now: number): boolean {
    return now - this.lastRun >= this.intervalMs;
  }

  get optimisticPeer(): K | undefined {
    return this.optimistic;
  }

  /** Runs a round if due (or forced); null when not due. */
  run(peers: readonly ChokerPeer<K>[], now: number, seeding: boolean, force = false): ChokeDecision<K> | null {
    if (!force && !this.due(now)) return null;
    this.lastRun = now;
    const rate = seeding ? (p: ChokerPeer<K>) => p.uploadRate : (p: ChokerPeer<K>) => p.downloadRate;
    const regular = peers
      .filter((p) => p.interested && !p.snubbed)
      .sort((a, b) => rate(b) - rate(a) || Number(a.choked) - Number(b.choked) || a.connectedAt - b.connectedAt)
      .slice(0, this.uploadSlots);
    const chosen = new Set<K>(regular.map((p) => p.id));

    const current = this.optimistic === undefined ? undefined : peers.find((p) => p.id === this.optimistic);
    const keep = current && current.interested && !chosen.has(current.id) && now - this.optimisticAt < this.optimisticMs;
    if (!keep) {
      this.optimistic = this.pickOptimistic(peers.filter((p) => p.interested && !chosen.has(p.id)), now);
      this.optimisticAt = now;
    }
    if (this.optimistic !== undefined) chosen.add(this.optimistic);

    const unchoke: K[] = [];
    const choke: K[] = [];
    for (const p of peers) {
      if (chosen.has(p.id)) {
        if (p.choked) unchoke.push(p.id);
      } else if (!p.choked) choke.push(p.id);
    }
    return { unchoke, choke, optimistic: this.optimistic };
  }

  private pickOptimistic(pool: readonly ChokerPeer<K>[], now: number): K | undefined {
    if (pool.length === 0) return undefined;
    const weight = (p: ChokerPeer<K>): number => (now - p.connectedAt < this.newPeerMs ? this.newPeerWeight : 1);
    let total = 0;
    for (const p of pool) total += weight(p);
    let x = this.random() * total;
    for (const p of pool) {
      x -= weight(p);
      if (x < 0) return p.id;
    }
    return pool[pool.length - 1]!.id;
  }
}
