import type { Bitfield } from '../core/bitfield.js';
import type { Metainfo } from '../metainfo/types.js';
import type { Storage } from '../storage/interface.js';
import type { PiecePicker } from './picker/picker.js';
import { checkExisting } from './startup.js';

export interface RecheckResult {
  /** Pieces found good on disk that we did not count as had. */
  readonly gained: number;
  /** Pieces we counted as had that are missing or corrupt on disk. */
  readonly lost: number;
  /** Pieces read and hashed. */
  readonly checked: number;
}

/**
 * Hashes every piece whose bytes are on disk (resume data ignored) and brings the picker's
 * `have` in line: pieces found are verified, pieces missing or corrupt are needed again.
 * `found(i)` is called for each gained piece (to drop a buffer of a piece in flight).
 */
export async function recheckPieces<T>(
  meta: Metainfo,
  storage: Storage,
  picker: PiecePicker<T>,
  onProgress: (done: number, total: number) => void,
  found: (index: number) => void,
): Promise<RecheckResult> {
  const r = await checkExisting(meta, storage, undefined, onProgress);
  const disk: Bitfield = r.have;
  const have = picker.have;
  let gained = 0;
  let lost = 0;
  for (let i = 0; i < meta.pieceCount; i++) {
    const now = disk.get(i);
    if (now === have.get(i)) continue;
    if (now) {
      found(i);
      picker.pieceVerified(i);
      gained++;
    } else {
      picker.pieceLost(i);
      lost++;
    }
  }
  return { gained, lost, checked: r.checkedPieces };
}
