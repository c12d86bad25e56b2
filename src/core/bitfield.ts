/** A fixed-length bit set, most significant bit first (the peer wire layout of BEP 3). */
export class Bitfield {
  readonly length: number;
  readonly buffer: Uint8Array;
  private _count = 0;

  constructor(length: number, buffer?: Uint8Array) {
    this.length = length;
    const bytes = (length + 7) >> 3;
    this.buffer = new Uint8Array(bytes);
    if (buffer) {
      this.buffer.set(buffer.subarray(0, bytes));
      // Spare bits past `length` are cleared so counts and comparisons stay exact.
      if (length & 7 && bytes > 0) this.buffer[bytes - 1]! &= (0xff00 >> (length & 7)) & 0xff;
      for (const b of this.buffer) this._count += POPCOUNT[b]!;
    }
  }

  get(i: number): boolean {
    return ((this.buffer[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
  }

  set(i: number, value = true): void {
    const mask = 1 << (7 - (i & 7));
    const byte = this.buffer[i >> 3]!;
    const had = (byte & mask) !== 0;
    if (value === had) return;
    this.buffer[i >> 3] = value ? byte | mask : byte & ~mask;
    this._count += value ? 1 : -1;
  }

  /** Number of bits set. */
  get count(): number {
    return this._count;
  }

  get complete(): boolean {
    return this._count === this.length;
  }

  setAll(): void {
    this.buffer.fill(0xff);
    if (this.length & 7 && this.buffer.length > 0) this.buffer[this.buffer.length - 1] = (0xff00 >> (this.length & 7)) & 0xff;
    this._count = this.length;
  }
}

const POPCOUNT = new Uint8Array(256);
for (let i = 0; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;
