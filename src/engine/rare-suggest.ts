import type { Bitfield } from '../core/bitfield.js';
import type { PeerConnection } from './peer.js';

/** Pieces suggested per peer per round. */
const SUGGESTIONS = 4;
/** A peer is sent new suggestions at most this often. */
const EVERY_MS = 30_000;

/**
 * The `k` pieces we have and `peer` lacks with the fewest copies among connected peers
 * (ascending index among equals). One pass, O(pieces · k) with k small.
 */
export function rarestLacking(have: Bitfield, peer: Bitfield, availability: (i: number) => number, k: number): number[] {
  const best: number[] = [];
  const bestA: number[] = [];
  const n = have.length;
  for (let i = 0; i < n; i++) {
    if (!have.get(i) || peer.get(i)) continue;
    const a = availability(i);
    if (best.length === k && a >= bestA[k - 1]!) continue;
    let j = best.length < k ? best.length : k - 1;
    while (j > 0 && bestA[j - 1]! > a) {
      best[j] = best[j - 1]!;
      bestA[j] = bestA[j - 1]!;
      j--;
    }
    best[j] = i;
    bestA[j] = a;
  }
  return best;
}

/**
 * Rarest-first seeding: while we seed, each unchoked, interested peer that speaks the fast
 * extension gets SUGGEST (BEP 6) for the rarest pieces it lacks, at most every 30 s per
 * peer. Clients that honour suggestions (libtorrent) then ask for those first, so the
 * swarm's scarce pieces leave us before the common ones. Cost: one O(pieces) pass per
 * peer per 30 s.
 */
export class RareSuggester {
  private readonly last = new WeakMap<PeerConnection, number>();

  constructor(
    private readonly have: Bitfield,
    private readonly availability: (i: number) => number,
  ) {}

  tick(peers: Iterable<PeerConnection>, now: number): void {
    for (const c of peers) {
      const pp = c.pp;
      if (pp === undefined || pp.seed || !c.fast || c.amChoking || !c.peerInterested || c.closed) continue;
      const at = this.last.get(c);
      if (at !== undefined && now - at < EVERY_MS) continue;
      this.last.set(c, now);
      for (const i of rarestLacking(this.have, pp.bitfield, this.availability, SUGGESTIONS)) c.suggest(i);
    }
  }
}
