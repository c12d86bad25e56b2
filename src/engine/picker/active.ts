import type { PickerPeer } from './peer.js';

export const FREE = 0;
export const REQUESTED = 1;
export const RECEIVED = 2;

/**
 * Block bookkeeping of one piece in flight: each block is free, requested (by `owner`,
 * plus `extra` requesters in endgame) or received (from `sender`, kept for blame).
 */
export class ActivePiece<T> {
  readonly index: number;
  readonly blocks: number;
  readonly state: Uint8Array;
  readonly owner: (PickerPeer<T> | null)[];
  /** Endgame duplicates per block; null until the first duplicate. */
  extra: (PickerPeer<T>[] | undefined)[] | null = null;
  readonly sender: (PickerPeer<T> | null)[];
  free: number;
  received = 0;
  /** No free block below this one. */
  nextFree = 0;
  /** Position in the picker's list of pieces with free blocks, -1 when not in it. */
  openPos = -1;
  /** Position in the picker's list of pieces in flight. */
  listPos = -1;

  constructor(index: number, blocks: number) {
    this.index = index;
    this.blocks = blocks;
    this.state = new Uint8Array(blocks);
    this.owner = new Array<PickerPeer<T> | null>(blocks).fill(null);
    this.sender = new Array<PickerPeer<T> | null>(blocks).fill(null);
    this.free = blocks;
  }

  /** Every peer that asked for block b. */
  requesters(b: number): PickerPeer<T>[] {
    const out: PickerPeer<T>[] = [];
    const o = this.owner[b];
    if (o) out.push(o);
    const e = this.extra?.[b];
    if (e) out.push(...e);
    return out;
  }

  requesterCount(b: number): number {
    return (this.owner[b] ? 1 : 0) + (this.extra?.[b]?.length ?? 0);
  }

  addRequester(b: number, p: PickerPeer<T>): void {
    if (!this.owner[b]) {
      this.owner[b] = p;
      return;
    }
    if (!this.extra) this.extra = new Array<PickerPeer<T>[] | undefined>(this.blocks);
    const e = this.extra[b];
    if (e) e.push(p);
    else this.extra[b] = [p];
  }

  /** Removes p as a requester of b; returns how many requesters are left. */
  removeRequester(b: number, p: PickerPeer<T>): number {
    const e = this.extra?.[b];
    if (this.owner[b] === p) {
      this.owner[b] = e && e.length > 0 ? e.pop()! : null;
    } else if (e) {
      const k = e.indexOf(p);
      if (k >= 0) e.splice(k, 1);
    }
    return this.requesterCount(b);
  }

  clearRequesters(b: number): void {
    this.owner[b] = null;
    if (this.extra) this.extra[b] = undefined;
  }
}
