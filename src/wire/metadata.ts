import { decodeFull } from '../bencode/decode.js';
import { encode } from '../bencode/encode.js';
import { BencodeError } from '../bencode/errors.js';
import type { BValue } from '../bencode/types.js';
import { WireEncodeError, WireError } from './errors.js';

/** BEP 9 ut_metadata: the info dict travels in 16 KiB pieces; only the last may be shorter. */
export const METADATA_PIECE_SIZE = 16384;
export const UT_METADATA = 'ut_metadata';

export interface MetadataRequest { readonly type: 'request'; readonly piece: number }
export interface MetadataData { readonly type: 'data'; readonly piece: number; readonly totalSize: number; readonly data: Uint8Array }
export interface MetadataReject { readonly type: 'reject'; readonly piece: number }
/** A msg_type shoal does not know: BEP 9 says it MUST be ignored. */
export interface MetadataUnknown { readonly type: 'unknown'; readonly msgType: number }
export type MetadataMessage = MetadataRequest | MetadataData | MetadataReject | MetadataUnknown;

const MSG_REQUEST = 0;
const MSG_DATA = 1;
const MSG_REJECT = 2;

/** Number of 16 KiB pieces of a metadata blob of `size` bytes. */
export function metadataPieceCount(size: number): number {
  return Math.ceil(size / METADATA_PIECE_SIZE);
}

/** Length of metadata piece `piece` of a blob of `size` bytes. */
export function metadataPieceLength(size: number, piece: number): number {
  return Math.min(METADATA_PIECE_SIZE, size - piece * METADATA_PIECE_SIZE);
}

function bad(message: string, cause?: unknown): WireError {
  return new WireError('bad_metadata', `ut_metadata: ${message}`, {}, cause ? { cause } : undefined);
}

function nonNegInt(v: BValue | undefined, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`${key} must be a non-negative integer`);
  return v;
}

export interface MetadataLimits {
  /** Largest total_size accepted (default 32 MiB). */
  readonly maxMetadataSize?: number;
}

/**
 * Decodes a ut_metadata payload: a bencoded dict, followed (for data) by the raw piece.
 * Checks piece numbers against total_size and the data length against the piece size.
 */
export function decodeMetadataMessage(payload: Uint8Array, limits: MetadataLimits = {}): MetadataMessage {
  let root: BValue;
  let end: number;
  try {
    const d = decodeFull(payload, { strict: false, allowTrailing: true, maxDepth: 4, maxItems: 64 });
    root = d.value;
    end = d.end;
  } catch (e) {
    if (e instanceof BencodeError) throw bad(e.message, e);
    throw e;
  }
  if (!(root instanceof Map)) throw bad('payload is not a dictionary');
  const msgType = nonNegInt(root.get('msg_type'), 'msg_type');
  if (msgType > MSG_REJECT) return { type: 'unknown', msgType };
  const piece = nonNegInt(root.get('piece'), 'piece');
  const max = limits.maxMetadataSize ?? 32 << 20;
  if (piece >= metadataPieceCount(max)) throw bad(`piece ${piece} beyond any metadata size`);
  if (msgType === MSG_REQUEST) return { type: 'request', piece };
  if (msgType === MSG_REJECT) return { type: 'reject', piece };
  const totalSize = nonNegInt(root.get('total_size'), 'total_size');
  if (totalSize === 0 || totalSize > max) throw bad(`total_size ${totalSize} outside 1..${max}`);
  if (piece >= metadataPieceCount(totalSize)) throw bad(`piece ${piece} beyond total_size ${totalSize}`);
  const data = payload.subarray(end);
  const want = metadataPieceLength(totalSize, piece);
  if (data.length !== want) throw bad(`piece ${piece} carries ${data.length} bytes, expected ${want}`);
  return { type: 'data', piece, totalSize, data };
}

export function encodeMetadataRequest(piece: number): Buffer {
  return encode({ msg_type: MSG_REQUEST, piece });
}

export function encodeMetadataReject(piece: number): Buffer {
  return encode({ msg_type: MSG_REJECT, piece });
}

/** A data message: dict then the piece's bytes (`data` must be the piece's exact length). */
export function encodeMetadataData(piece: number, totalSize: number, data: Uint8Array): Buffer {
  if (data.length !== metadataPieceLength(totalSize, piece) || data.length <= 0) {
    throw new WireEncodeError(`metadata piece ${piece} of ${totalSize} bytes must be ${metadataPieceLength(totalSize, piece)} bytes, got ${data.length}`);
  }
  return Buffer.concat([encode({ msg_type: MSG_DATA, piece, total_size: totalSize }), data]);
}
