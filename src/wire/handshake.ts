import { WireEncodeError, WireError } from './errors.js';

/** BEP 3 handshake: <19>'BitTorrent protocol'<8 reserved><20 info-hash><20 peer id>. */
export const PROTOCOL = 'BitTorrent protocol';
export const HANDSHAKE_LENGTH = 68;
/** Offset of the info-hash (after pstrlen, pstr and reserved). */
export const HANDSHAKE_INFO_HASH_END = 48;

const PSTR = Buffer.from(PROTOCOL, 'latin1');

/** Capabilities advertised in the reserved bytes. */
export interface Extensions {
  /** BEP 10 extension protocol: reserved[5] & 0x10. */
  readonly extended: boolean;
  /** BEP 6 fast extension: reserved[7] & 0x04. */
  readonly fast: boolean;
  /** BEP 5 DHT: reserved[7] & 0x01. */
  readonly dht: boolean;
}

export function extensionsOf(reserved: Uint8Array): Extensions {
  return {
    extended: ((reserved[5] ?? 0) & 0x10) !== 0,
    fast: ((reserved[7] ?? 0) & 0x04) !== 0,
    dht: ((reserved[7] ?? 0) & 0x01) !== 0,
  };
}

/** The 8 reserved bytes for a set of capabilities (all other bits zero). */
export function reservedBytes(ext: Partial<Extensions>): Buffer {
  const r = Buffer.alloc(8);
  if (ext.extended) r[5]! |= 0x10;
  if (ext.fast) r[7]! |= 0x04;
  if (ext.dht) r[7]! |= 0x01;
  return r;
}

export interface HandshakeInit {
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  /** Either raw reserved bytes or capabilities to set; default: none. */
  readonly reserved?: Uint8Array;
  readonly extensions?: Partial<Extensions>;
}

/** The 68-byte handshake. */
export function encodeHandshake(h: HandshakeInit): Buffer {
  if (h.infoHash.length !== 20) throw new WireEncodeError(`info-hash must be 20 bytes, got ${h.infoHash.length}`);
  if (h.peerId.length !== 20) throw new WireEncodeError(`peer id must be 20 bytes, got ${h.peerId.length}`);
  const reserved = h.reserved ?? reservedBytes(h.extensions ?? {});
  if (reserved.length !== 8) throw new WireEncodeError('reserved must be 8 bytes');
  const out = Buffer.allocUnsafe(HANDSHAKE_LENGTH);
  out[0] = 19;
  PSTR.copy(out, 1);
  out.set(reserved, 20);
  out.set(h.infoHash, 28);
  out.set(h.peerId, 48);
  return out;
}

/**
 * Checks the protocol string in `buf[0..20)` (as far as it has arrived: `n` bytes), so a
 * peer speaking something else is dropped at its first byte, not after 68.
 */
export function checkProtocolPrefix(buf: Uint8Array, n: number): void {
  const end = n < 20 ? n : 20;
  for (let i = 0; i < end; i++) {
    const want = i === 0 ? 19 : PSTR[i - 1]!;
    if (buf[i] !== want) {
      throw new WireError('bad_handshake', i === 0 ? `handshake protocol length must be 19, got ${buf[i]}` : 'handshake protocol string is not "BitTorrent protocol"', { offset: i });
    }
  }
}
