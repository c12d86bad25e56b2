import { Bitfield } from '../../core/bitfield.js';

/**
 * What the picker knows about one connected peer. Created by `PiecePicker.addPeer`; the
 * engine keeps it on its connection and passes it back. `ref` is the engine's own handle.
 */
export class PickerPeer<T = unknown> {
  readonly ref: T;
  /** Pieces the peer has (all set for a seed). */
  bitfield: Bitfield;
  /** Counted in `seeds` rather than per piece. */
  seed = false;
  /** The peer is choking us: only allowed-fast pieces may be requested (BEP 6). */
  choking = true;
  /** Pieces the peer lets us request while choked (BEP 6 ALLOWED_FAST), usually under 10. */
  readonly allowedFast: number[] = [];
  /** Pieces the peer suggested (BEP 6 SUGGEST), newest last, at most 8: started before rarest-first. */
  readonly suggested: number[] = [];
  /** Block keys we have asked this peer for and not yet had or given up. */
  readonly outstanding = new Set<number>();
  /** How many pieces we need does the peer have; > 0 means we are interested. */
  interesting = 0;
  connected = true;

  constructor(ref: T, pieceCount: number) {
    this.ref = ref;
    this.bitfield = new Bitfield(pieceCount);
  }

  has(i: number): boolean {
    return this.bitfield.get(i);
  }
}
