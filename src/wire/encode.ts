import { MessageId } from './ids.js';
import { WireEncodeError } from './errors.js';
import type { WireMessage } from './messages.js';

/*
 * Encoders. Fixed messages are preallocated and shared: write them, never mutate them.
 * Variable messages come from Buffer.allocUnsafe (pooled for these small sizes).
 */

function fixed(id: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(1, 0);
  b[4] = id;
  return b;
}

export const KEEP_ALIVE: Buffer = Buffer.alloc(4);
export const CHOKE: Buffer = fixed(MessageId.choke);
export const UNCHOKE: Buffer = fixed(MessageId.unchoke);
export const INTERESTED: Buffer = fixed(MessageId.interested);
export const NOT_INTERESTED: Buffer = fixed(MessageId.notInterested);
export const HAVE_ALL: Buffer = fixed(MessageId.haveAll);
export const HAVE_NONE: Buffer = fixed(MessageId.haveNone);

function u32(b: Buffer, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

function checkU32(v: number, what: string): void {
  if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw new WireEncodeError(`${what} must be a 32-bit unsigned integer, got ${v}`);
}

function index5(id: number, index: number): Buffer {
  checkU32(index, 'index');
  const b = Buffer.allocUnsafe(9);
  u32(b, 0, 5);
  b[4] = id;
  u32(b, 5, index);
  return b;
}

function triple(id: number, index: number, begin: number, length: number): Buffer {
  checkU32(index, 'index');
  checkU32(begin, 'begin');
  checkU32(length, 'length');
  const b = Buffer.allocUnsafe(17);
  u32(b, 0, 13);
  b[4] = id;
  u32(b, 5, index);
  u32(b, 9, begin);
  u32(b, 13, length);
  return b;
}

export function encodeHave(index: number): Buffer {
  return index5(MessageId.have, index);
}

export function encodeBitfield(bitfield: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(5 + bitfield.length);
  u32(b, 0, 1 + bitfield.length);
  b[4] = MessageId.bitfield;
  b.set(bitfield, 5);
  return b;
}

export function encodeRequest(index: number, begin: number, length: number): Buffer {
  return triple(MessageId.request, index, begin, length);
}

export function encodeCancel(index: number, begin: number, length: number): Buffer {
  return triple(MessageId.cancel, index, begin, length);
}

/** BEP 6 reject-request. */
export function encodeReject(index: number, begin: number, length: number): Buffer {
  return triple(MessageId.reject, index, begin, length);
}

/** The 13-byte header of a piece message carrying `blockLength` bytes. */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Buffer {
  checkU32(index, 'index');
  checkU32(begin, 'begin');
  if (!(blockLength >= 0 && blockLength <= 0xffffffff - 9)) throw new WireEncodeError(`block length out of range: ${blockLength}`);
  const b = Buffer.allocUnsafe(13);
  u32(b, 0, 9 + blockLength);
  b[4] = MessageId.piece;
  u32(b, 5, index);
  u32(b, 9, begin);
  return b;
}

/** A piece message as [header, block]: write both (cork / writev) without copying the block. */
export function encodePiece(index: number, begin: number, block: Uint8Array): [Buffer, Uint8Array] {
  return [encodePieceHeader(index, begin, block.length), block];
}

/** BEP 5: our DHT port. */
export function encodePort(port: number): Buffer {
  if (!(port >= 0 && port <= 0xffff && Number.isInteger(port))) throw new WireEncodeError(`port out of range: ${port}`);
  const b = Buffer.allocUnsafe(7);
  u32(b, 0, 3);
  b[4] = MessageId.port;
  b[5] = port >>> 8;
  b[6] = port & 0xff;
  return b;
}

/** BEP 6 suggest-piece. */
export function encodeSuggest(index: number): Buffer {
  return index5(MessageId.suggest, index);
}

/** BEP 6 allowed-fast. */
export function encodeAllowedFast(index: number): Buffer {
  return index5(MessageId.allowedFast, index);
}

/** BEP 10 message: id 20, extended id (0 = handshake), payload. */
export function encodeExtended(extId: number, payload: Uint8Array): Buffer {
  if (!(extId >= 0 && extId <= 255 && Number.isInteger(extId))) throw new WireEncodeError(`extended id out of range: ${extId}`);
  const b = Buffer.allocUnsafe(6 + payload.length);
  u32(b, 0, 2 + payload.length);
  b[4] = MessageId.extended;
  b[5] = extId;
  b.set(payload, 6);
  return b;
}

/** Any message as one buffer (copies piece blocks; the hot path uses encodePiece). */
export function encodeMessage(m: WireMessage): Buffer {
  switch (m.type) {
    case 'keep-alive':
      return KEEP_ALIVE;
    case 'choke':
      return CHOKE;
    case 'unchoke':
      return UNCHOKE;
    case 'interested':
      return INTERESTED;
    case 'not-interested':
      return NOT_INTERESTED;
    case 'have-all':
      return HAVE_ALL;
    case 'have-none':
      return HAVE_NONE;
    case 'have':
      return encodeHave(m.index);
    case 'bitfield':
      return encodeBitfield(m.bitfield);
    case 'request':
      return encodeRequest(m.index, m.begin, m.length);
    case 'cancel':
      return encodeCancel(m.index, m.begin, m.length);
    case 'reject':
      return encodeReject(m.index, m.begin, m.length);
    case 'piece':
      return Buffer.concat(encodePiece(m.index, m.begin, m.block));
    case 'port':
      return encodePort(m.port);
    case 'suggest':
      return encodeSuggest(m.index);
    case 'allowed-fast':
      return encodeAllowedFast(m.index);
    case 'extended':
      return encodeExtended(m.extId, m.payload);
    case 'unknown': {
      if (!(m.id >= 0 && m.id <= 255)) throw new WireEncodeError(`message id out of range: ${m.id}`);
      const b = Buffer.allocUnsafe(5 + m.payload.length);
      u32(b, 0, 1 + m.payload.length);
      b[4] = m.id;
      b.set(m.payload, 5);
      return b;
    }
  }
}
