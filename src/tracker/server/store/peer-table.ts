/**
 * The peers of one address family in one swarm, stored compactly in ONE byte array:
 * addresses (6 or 18 bytes each, the compact wire form, so a run of peers is one copy),
 * then peer ids (20 bytes each), expiry seconds (4 bytes each) and a seeder flag per peer:
 * 31 bytes per IPv4 peer, plus an open-addressing index (Int32Array) once the table is
 * large enough for a linear scan to hurt. Removal swaps the last record into the hole.
 */
const INDEX_FROM = 16;

export class PeerTable {
  readonly alen: number;
  n = 0;
  seeders = 0;
  /** One allocation: [addrs cap*alen | peer ids cap*20 | expiry cap*4 (BE u32) | seeder flag cap]. */
  buf: Uint8Array;
  private cap: number;
  private idOff: number;
  private expOff: number;
  private seedOff: number;
  private index: Int32Array | null = null;
  private mask = 0;

  constructor(alen: number, cap = 2) {
    this.alen = alen;
    this.cap = cap;
    this.buf = new Uint8Array(cap * (alen + 25));
    this.idOff = cap * alen;
    this.expOff = cap * (alen + 20);
    this.seedOff = cap * (alen + 24);
  }

  /** Compact addresses of all peers (the first n * alen bytes are live). */
  get addrs(): Uint8Array {
    return this.buf.subarray(0, this.idOff);
  }

  isSeed(s: number): boolean {
    return this.buf[this.seedOff + s] === 1;
  }

  expiry(s: number): number {
    const b = this.buf;
    const o = this.expOff + 4 * s;
    return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }

  private setExpiry(s: number, v: number): void {
    const b = this.buf;
    const o = this.expOff + 4 * s;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }

  get capacity(): number {
    return this.cap;
  }

  private hashAt(buf: Uint8Array, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.alen; i++) h = Math.imul(h ^ buf[off + i]!, 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  private sameAt(slot: number, key: Uint8Array): boolean {
    const a = this.buf;
    const o = slot * this.alen;
    for (let i = this.alen - 1; i >= 0; i--) if (a[o + i] !== key[i]) return false;
    return true;
  }

  /** Slot of the peer with this compact address, or -1. */
  find(key: Uint8Array): number {
    const idx = this.index;
    if (idx === null) {
      for (let s = 0; s < this.n; s++) if (this.sameAt(s, key)) return s;
      return -1;
    }
    for (let p = this.hashAt(key, 0) & this.mask; ; p = (p + 1) & this.mask) {
      const v = idx[p]!;
      if (v === 0) return -1;
      if (this.sameAt(v - 1, key)) return v - 1;
    }
  }

  private indexPut(slot: number): void {
    const idx = this.index!;
    let p = this.hashAt(this.buf, slot * this.alen) & this.mask;
    while (idx[p] !== 0) p = (p + 1) & this.mask;
    idx[p] = slot + 1;
  }

  private indexPos(slot: number): number {
    const idx = this.index!;
    for (let p = this.hashAt(this.buf, slot * this.alen) & this.mask; ; p = (p + 1) & this.mask) {
      if (idx[p] === slot + 1) return p;
    }
  }

  /** Backward-shift deletion for linear probing. */
  private indexDelete(pos: number): void {
    const idx = this.index!;
    const mask = this.mask;
    let i = pos;
    let j = pos;
    for (;;) {
      j = (j + 1) & mask;
      const v = idx[j]!;
      if (v === 0) break;
      const k = this.hashAt(this.buf, (v - 1) * this.alen) & mask;
      // Move v back to i unless its home k lies cyclically in (i, j].
      const inRange = i <= j ? k > i && k <= j : k > i || k <= j;
      if (!inRange) {
        idx[i] = v;
        i = j;
      }
    }
    idx[i] = 0;
  }

  private rebuildIndex(): void {
    if (this.capacity < INDEX_FROM) {
      this.index = null;
      return;
    }
    let size = 1;
    while (size < this.capacity * 2) size <<= 1;
    this.index = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < this.n; s++) this.indexPut(s);
  }

  private resize(cap: number): void {
    const al = this.alen;
    const n = this.n;
    const old = this.buf;
    const b = new Uint8Array(cap * (al + 25));
    b.set(old.subarray(0, n * al), 0);
    b.set(old.subarray(this.idOff, this.idOff + n * 20), cap * al);
    b.set(old.subarray(this.expOff, this.expOff + n * 4), cap * (al + 20));
    b.set(old.subarray(this.seedOff, this.seedOff + n), cap * (al + 24));
    this.buf = b;
    this.cap = cap;
    this.idOff = cap * al;
    this.expOff = cap * (al + 20);
    this.seedOff = cap * (al + 24);
    this.rebuildIndex();
  }

  private grow(): void {
    this.resize(this.cap < 8 ? this.cap * 2 : Math.ceil(this.cap * 1.5));
  }

  /** Appends a new peer (caller checked it is absent); returns its slot. */
  add(key: Uint8Array, peerId: Uint8Array, exp: number, seeder: boolean): number {
    if (this.n === this.capacity) this.grow();
    const s = this.n++;
    this.buf.set(key, s * this.alen);
    this.buf.set(peerId, this.idOff + s * 20);
    this.setExpiry(s, exp);
    this.buf[this.seedOff + s] = seeder ? 1 : 0;
    if (seeder) this.seeders++;
    if (this.index) this.indexPut(s);
    return s;
  }

  update(s: number, peerId: Uint8Array, exp: number, seeder: boolean): void {
    this.buf.set(peerId, this.idOff + s * 20);
    this.setExpiry(s, exp);
    const was = this.buf[this.seedOff + s] === 1;
    if (was !== seeder) {
      this.buf[this.seedOff + s] = seeder ? 1 : 0;
      this.seeders += seeder ? 1 : -1;
    }
  }

  remove(s: number): void {
    const last = this.n - 1;
    const b = this.buf;
    if (b[this.seedOff + s] === 1) this.seeders--;
    if (this.index) this.indexDelete(this.indexPos(s));
    if (s !== last) {
      const al = this.alen;
      if (this.index) {
        const pos = this.indexPos(last);
        this.index[pos] = s + 1;
      }
      b.copyWithin(s * al, last * al, last * al + al);
      b.copyWithin(this.idOff + s * 20, this.idOff + last * 20, this.idOff + last * 20 + 20);
      b.copyWithin(this.expOff + s * 4, this.expOff + last * 4, this.expOff + last * 4 + 4);
      b[this.seedOff + s] = b[this.seedOff + last]!;
    }
    this.n = last;
    // Shrink when mostly empty so a swarm that emptied gives its memory back.
    if (this.capacity > 16 && this.n < this.capacity / 4) this.shrink();
  }

  private shrink(): void {
    this.resize(Math.max(4, this.n * 2));
  }

  /** Removes peers whose expiry is before `nowSec`; returns how many. */
  expire(nowSec: number): number {
    let removed = 0;
    for (let s = this.n - 1; s >= 0; s--) {
      if (this.expiry(s) <= nowSec) {
        this.remove(s);
        removed++;
        if (s > this.n) s = this.n;
      }
    }
    return removed;
  }

  /**
   * Copies up to `want` peers other than slot `skip` (-1: none) into `out` (compact form),
   * starting at a random slot and wrapping, so each run of peers is one copy. Returns the
   * count; peer ids go to `idsOut` when given.
   */
  sample(want: number, skip: number, out: Uint8Array, idsOut: Uint8Array | null): number {
    const avail = this.n - (skip >= 0 ? 1 : 0);
    const k = Math.min(want, avail);
    if (k <= 0) return 0;
    const al = this.alen;
    let s = (Math.random() * this.n) | 0;
    let got = 0;
    while (got < k) {
      // Longest run from s that stays below n, avoids `skip` and is no longer than needed.
      let end = s + (k - got);
      if (end > this.n) end = this.n;
      if (skip >= s && skip < end) end = skip;
      if (end > s) {
        out.set(this.buf.subarray(s * al, end * al), got * al);
        if (idsOut) idsOut.set(this.buf.subarray(this.idOff + s * 20, this.idOff + end * 20), got * 20);
        got += end - s;
        s = end;
      }
      if (s === skip) s++;
      if (s >= this.n) s = 0;
    }
    return got;
  }
}
