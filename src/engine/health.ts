import type { Bitfield } from '../core/bitfield.js';

/**
 * Replication figures of one torrent in the swarm we see: our pieces plus the bitfields of
 * the connected peers (the picker's availability index). "Copies" of a piece counts us.
 */
export interface HealthFigures {
  /** Pieces counted. */
  readonly pieceCount: number;
  /** Connected peers whose bitfields are counted. */
  readonly peers: number;
  /** Fraction of pieces we hold. */
  readonly localFraction: number;
  /** Fraction of pieces held by anyone we see (us included). */
  readonly swarmFraction: number;
  /** Copies of the rarest piece (0 when some piece is held by nobody we see). */
  readonly leastReplication: number;
  /** Distributed copies: least replication + the fraction of pieces with more copies than that. */
  readonly meanReplication: number;
  /** Mean copies per piece. */
  readonly averageCopies: number;
  /** How many pieces are held by exactly one peer (us included). */
  readonly singleHolderCount: number;
}

/** The figures and the single-holder pieces themselves (`Torrent.health()`). */
export interface TorrentHealth extends HealthFigures {
  /** Pieces held by exactly one peer in the swarm we see, us included, in index order. */
  readonly singleHolderPieces: number[];
}

/**
 * Computes the figures in one pass over the pieces: O(pieces), meant for once a second
 * or an API call, never per block. `availability(i)` is the number of connected peers
 * holding piece i (not counting us).
 */
export function computeHealth(have: Bitfield, availability: (i: number) => number, peers: number, listSingles = true): TorrentHealth {
  const n = have.length;
  let min = Infinity;
  let minCount = 0;
  let sum = 0;
  let held = 0;
  let singles = 0;
  const list: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = availability(i) + (have.get(i) ? 1 : 0);
    sum += c;
    if (c > 0) held++;
    if (c === 1) {
      singles++;
      if (listSingles) list.push(i);
    }
    if (c < min) {
      min = c;
      minCount = 1;
    } else if (c === min) minCount++;
  }
  if (n === 0) {
    return { pieceCount: 0, peers, localFraction: 1, swarmFraction: 1, leastReplication: 0, meanReplication: 0, averageCopies: 0, singleHolderCount: 0, singleHolderPieces: [] };
  }
  return {
    pieceCount: n,
    peers,
    localFraction: have.count / n,
    swarmFraction: held / n,
    leastReplication: min,
    meanReplication: min + (n - minCount) / n,
    averageCopies: sum / n,
    singleHolderCount: singles,
    singleHolderPieces: list,
  };
}

/** The figures without the list (what progress events carry). */
export function healthFigures(h: TorrentHealth): HealthFigures {
  const { singleHolderPieces: _drop, ...figures } = h;
  return figures;
}

/** Piece indexes as compact ranges: [0,1,2,5,7,8] -> '0-2,5,7-8'. At most `max` ranges, then '…'. */
export function pieceRanges(pieces: readonly number[], max = 200): string {
  const out: string[] = [];
  for (let k = 0; k < pieces.length; ) {
    const a = pieces[k]!;
    let b = a;
    while (k + 1 < pieces.length && pieces[k + 1] === b + 1) b = pieces[++k]!;
    k++;
    if (out.length >= max) {
      out.push('…');
      break;
    }
    out.push(a === b ? String(a) : `${a}-${b}`);
  }
  return out.join(',');
}
