import { WireError } from './errors.js';
import { BLOCK_SIZE, MessageId } from './ids.js';
import { HANDSHAKE_INFO_HASH_END, HANDSHAKE_LENGTH, checkProtocolPrefix } from './handshake.js';
import type { DecodedMessage, WireMessage } from './messages.js';

export interface WireDecoderOptions {
  /** Expect the 68-byte handshake first (default true). False: messages from byte 0. */
  readonly handshake?: boolean;
  /** Also emit `handshake-info-hash` once 48 handshake bytes are in (default false). */
  readonly emitInfoHash?: boolean;
  /** Largest block a `piece` message may carry (default 16 KiB). */
  readonly maxBlockLength?: number;
  /** Largest `bitfield` payload in bytes (default 1 MiB; set ceil(pieces / 8) when known). */
  readonly maxBitfieldLength?: number;
  /** Largest BEP 10 payload, extended id included (default 1 MiB). */
  readonly maxExtendedLength?: number;
  /** Largest payload of a message with an unknown id (default 256 KiB). */
  readonly maxUnknownLength?: number;
  /**
   * Gather `piece` messages split across chunks into two buffers reused in turn (default
   * false: a new buffer each). Their `block` is then valid only until the
   * next `push`, like a block inside a socket read buffer that is reused: the engine copies
   * blocks at once. Saves an allocation per split block (about one block in sixteen).
   */
  readonly reusePieceBuffer?: boolean;
}

const KEEP_ALIVE: WireMessage = Object.freeze({ type: 'keep-alive' });
const CHOKE: WireMessage = Object.freeze({ type: 'choke' });
const UNCHOKE: WireMessage = Object.freeze({ type: 'unchoke' });
const INTERESTED: WireMessage = Object.freeze({ type: 'interested' });
const NOT_INTERESTED: WireMessage = Object.freeze({ type: 'not-interested' });
const HAVE_ALL: WireMessage = Object.freeze({ type: 'have-all' });
const HAVE_NONE: WireMessage = Object.freeze({ type: 'have-none' });

const EMPTY = new Uint8Array(0);

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/**
 * Sans-IO peer wire decoder: `push(chunk)` returns the messages completed by `chunk`.
 *
 * Messages wholly inside one chunk are parsed in place: `piece.block`, `bitfield.bitfield`
 * and `extended.payload` are subarray views of that chunk (zero-copy; net.Socket hands out
 * a fresh Buffer per chunk). A message split across chunks is gathered into one buffer of
 * exactly its size, allocated only after its length passed the limits for its id.
 *
 * Array-returning `push` was kept over a callback variant: measured on the bench/wire.ts
 * stream (16 KiB pieces in 64 KiB chunks) the callback form was 0-15 % faster, inside
 * run-to-run noise; the array holds a handful of messages per chunk.
 *
 * Any violation throws `WireError` (code EWIRE); the decoder then stays failed and rethrows.
 * Unknown ids are returned as `{ type: 'unknown' }` (size-capped) for the engine to ignore.
 * Fast-extension and extended messages are decoded whatever was negotiated; whether a
 * peer may send them is the engine's call (it knows both handshakes).
 */
export class WireDecoder {
  private handshaking: boolean;
  private readonly emitInfoHash: boolean;
  private readonly hs: Buffer | undefined;
  private hsLen = 0;
  /** Partial 4-byte length + 1-byte id of a message straddling chunks. */
  private readonly head = new Uint8Array(5);
  private headLen = 0;
  /** Payload (after the id) of a message straddling chunks. */
  private body: Uint8Array | undefined;
  private readonly reusePiece: boolean;
  /**
   * Two buffers taken in turn: one push can complete a split piece (emitted, still to be
   * handled) and begin the next split one, which must not overwrite it.
   */
  private readonly pieceScratch: (Buffer | undefined)[] = [undefined, undefined];
  private scratchTurn = 0;
  private bodyLen = 0;
  private bodyId = 0;
  private base = 0;
  private failed: WireError | undefined;
  private readonly minLen = new Int32Array(256);
  private readonly maxLen = new Float64Array(256);
  /** -0: a double from the start, as the maximum taken over maxLen is (a Smi field turning double would change the hidden class). */
  private globalMax = -0;

  constructor(opts: WireDecoderOptions = {}) {
    this.handshaking = opts.handshake ?? true;
    this.emitInfoHash = opts.emitInfoHash ?? false;
    this.reusePiece = opts.reusePieceBuffer ?? false;
    this.hs = this.handshaking ? Buffer.alloc(HANDSHAKE_LENGTH) : undefined;
    const block = opts.maxBlockLength ?? BLOCK_SIZE;
    const bitfield = opts.maxBitfieldLength ?? 1 << 20;
    const ext = opts.maxExtendedLength ?? 1 << 20;
    const unknown = opts.maxUnknownLength ?? 256 << 10;
    this.minLen.fill(1);
    this.maxLen.fill(1 + unknown);
    const fixed = (id: number, len: number): void => {
      this.minLen[id] = len;
      this.maxLen[id] = len;
    };
    for (const id of [MessageId.choke, MessageId.unchoke, MessageId.interested, MessageId.notInterested, MessageId.haveAll, MessageId.haveNone]) fixed(id, 1);
    for (const id of [MessageId.have, MessageId.suggest, MessageId.allowedFast]) fixed(id, 5);
    for (const id of [MessageId.request, MessageId.cancel, MessageId.reject]) fixed(id, 13);
    fixed(MessageId.port, 3);
    this.maxLen[MessageId.bitfield] = 1 + bitfield;
    this.minLen[MessageId.piece] = 9;
    this.maxLen[MessageId.piece] = 9 + block;
    this.minLen[MessageId.extended] = 2;
    this.maxLen[MessageId.extended] = 1 + ext;
    this.updateGlobalMax();
  }

  private updateGlobalMax(): void {
    let max = 0;
    for (const m of this.maxLen) if (m > max) max = m;
    this.globalMax = max;
  }

  /** Tightens (or loosens) the bitfield limit once the piece count is known (magnet links). */
  setMaxBitfieldLength(bytes: number): void {
    this.maxLen[MessageId.bitfield] = 1 + bytes;
    this.updateGlobalMax();
  }

  /** Bytes held for a message not yet complete (for memory accounting). */
  get bufferedBytes(): number {
    return this.hsLen * (this.handshaking ? 1 : 0) + this.headLen + this.bodyLen;
  }

  /** True once the handshake has been decoded (or was not expected). */
  get handshakeDone(): boolean {
    return !this.handshaking;
  }

  push(chunk: Uint8Array): DecodedMessage[] {
    if (this.failed) throw this.failed;
    const out: DecodedMessage[] = [];
    try {
      this.run(chunk, out);
    } catch (e) {
      this.failed = e instanceof WireError ? e : new WireError('bad_payload', String(e), {}, { cause: e });
      throw this.failed;
    }
    this.base += chunk.length;
    return out;
  }

  private run(chunk: Uint8Array, out: DecodedMessage[]): void {
    const end = chunk.length;
    let pos = 0;
    if (this.handshaking) {
      pos = this.handshakeBytes(chunk, out);
      if (this.handshaking) return;
    }
    if (this.headLen > 0) {
      pos = this.continuePartial(chunk, pos, out);
      if (this.headLen > 0) return;
    }
    while (end - pos >= 4) {
      const len = u32(chunk, pos);
      if (len === 0) {
        out.push(KEEP_ALIVE);
        pos += 4;
        continue;
      }
      if (end - pos < 5) {
        if (len > this.globalMax) this.tooLong(-1, len, pos);
        break;
      }
      const id = chunk[pos + 4]!;
      this.check(id, len, pos);
      if (end - pos - 4 < len) break;
      out.push(this.parse(id, chunk, pos + 5, pos + 4 + len));
      pos += 4 + len;
    }
    if (pos < end) this.continuePartial(chunk, pos, out);
  }

  /** Feeds bytes of a message that straddles chunks; returns the position after them. */
  private continuePartial(chunk: Uint8Array, pos: number, out: DecodedMessage[]): number {
    const end = chunk.length;
    const head = this.head;
    while (this.headLen < 5 && pos < end) {
      head[this.headLen++] = chunk[pos++]!;
      if (this.headLen === 4) {
        const len = u32(head, 0);
        if (len === 0) {
          out.push(KEEP_ALIVE);
          this.headLen = 0;
          return pos;
        }
        if (len > this.globalMax) this.tooLong(-1, len, pos - 4);
      }
    }
    if (this.headLen < 5) return pos;
    const len = u32(head, 0);
    if (this.body === undefined) {
      this.bodyId = head[4]!;
      this.check(this.bodyId, len, pos - 5);
      // Unpooled and not zero-filled: every byte is copied in before the message is emitted.
      if (this.reusePiece && this.bodyId === MessageId.piece) {
        const turn = (this.scratchTurn ^= 1);
        let scratch = this.pieceScratch[turn];
        if (scratch === undefined || scratch.length < len - 1) scratch = this.pieceScratch[turn] = Buffer.allocUnsafeSlow(Math.max(len - 1, 8 + BLOCK_SIZE));
        this.body = scratch.subarray(0, len - 1);
      } else this.body = len > 1 ? Buffer.allocUnsafeSlow(len - 1) : EMPTY;
      this.bodyLen = 0;
    }
    const body = this.body;
    const n = Math.min(body.length - this.bodyLen, end - pos);
    if (n > 0) {
      body.set(chunk.subarray(pos, pos + n), this.bodyLen);
      this.bodyLen += n;
      pos += n;
    }
    if (this.bodyLen === body.length) {
      this.headLen = 0;
      this.body = undefined;
      this.bodyLen = 0;
      out.push(this.parse(this.bodyId, body, 0, body.length));
    }
    return pos;
  }

  private handshakeBytes(chunk: Uint8Array, out: DecodedMessage[]): number {
    const hs = this.hs!;
    const before = this.hsLen;
    const n = Math.min(HANDSHAKE_LENGTH - before, chunk.length);
    hs.set(chunk.subarray(0, n), before);
    this.hsLen += n;
    if (before < 20) checkProtocolPrefix(hs, this.hsLen);
    if (this.emitInfoHash && before < HANDSHAKE_INFO_HASH_END && this.hsLen >= HANDSHAKE_INFO_HASH_END) {
      out.push({ type: 'handshake-info-hash', reserved: hs.subarray(20, 28), infoHash: hs.subarray(28, 48) });
    }
    if (this.hsLen === HANDSHAKE_LENGTH) {
      this.handshaking = false;
      out.push({ type: 'handshake', reserved: hs.subarray(20, 28), infoHash: hs.subarray(28, 48), peerId: hs.subarray(48, 68) });
    }
    return n;
  }

  private check(id: number, len: number, pos: number): void {
    if (len > this.maxLen[id]!) this.tooLong(id, len, pos);
    if (len < this.minLen[id]!) {
      throw new WireError('bad_length', `message id ${id} with length ${len} (at least ${this.minLen[id]} expected)`, { id, length: len, offset: this.base + pos });
    }
  }

  private tooLong(id: number, len: number, pos: number): never {
    const fixed = id >= 0 && this.minLen[id] === this.maxLen[id];
    throw new WireError(fixed ? 'bad_length' : 'too_long', id >= 0 ? `message id ${id} with length ${len} (at most ${this.maxLen[id]})` : `message length ${len} exceeds ${this.globalMax}`, {
      id: id >= 0 ? id : undefined,
      length: len,
      offset: this.base + pos,
    });
  }

  /** Builds the message with payload b[s..e) (after the id byte). Lengths were checked. */
  private parse(id: number, b: Uint8Array, s: number, e: number): WireMessage {
    switch (id) {
      case MessageId.choke:
        return CHOKE;
      case MessageId.unchoke:
        return UNCHOKE;
      case MessageId.interested:
        return INTERESTED;
      case MessageId.notInterested:
        return NOT_INTERESTED;
      case MessageId.have:
        return { type: 'have', index: u32(b, s) };
      case MessageId.bitfield:
        return { type: 'bitfield', bitfield: b.subarray(s, e) };
      case MessageId.request:
        return { type: 'request', index: u32(b, s), begin: u32(b, s + 4), length: u32(b, s + 8) };
      case MessageId.piece:
        return { type: 'piece', index: u32(b, s), begin: u32(b, s + 4), block: b.subarray(s + 8, e) };
      case MessageId.cancel:
        return { type: 'cancel', index: u32(b, s), begin: u32(b, s + 4), length: u32(b, s + 8) };
      case MessageId.port:
        return { type: 'port', port: (b[s]! << 8) | b[s + 1]! };
      case MessageId.suggest:
        return { type: 'suggest', index: u32(b, s) };
      case MessageId.haveAll:
        return HAVE_ALL;
      case MessageId.haveNone:
        return HAVE_NONE;
      case MessageId.reject:
        return { type: 'reject', index: u32(b, s), begin: u32(b, s + 4), length: u32(b, s + 8) };
      case MessageId.allowedFast:
        return { type: 'allowed-fast', index: u32(b, s) };
      case MessageId.extended:
        return { type: 'extended', extId: b[s]!, payload: b.subarray(s + 1, e) };
      default:
        return { type: 'unknown', id, payload: b.subarray(s, e) };
    }
  }
}
