/**
 * Peer wire messages as a discriminated union on `type`. Byte payloads (`bitfield`,
 * `block`, extended `payload`) are views into the decoder's input: copy them if you
 * keep them past the chunk's lifetime and the chunk buffer may be reused.
 */
export interface KeepAlive { readonly type: 'keep-alive' }
export interface Choke { readonly type: 'choke' }
export interface Unchoke { readonly type: 'unchoke' }
export interface Interested { readonly type: 'interested' }
export interface NotInterested { readonly type: 'not-interested' }
export interface Have { readonly type: 'have'; readonly index: number }
export interface BitfieldMsg { readonly type: 'bitfield'; readonly bitfield: Uint8Array }
export interface Request { readonly type: 'request'; readonly index: number; readonly begin: number; readonly length: number }
export interface Piece { readonly type: 'piece'; readonly index: number; readonly begin: number; readonly block: Uint8Array }
export interface Cancel { readonly type: 'cancel'; readonly index: number; readonly begin: number; readonly length: number }
/** BEP 5: the peer's DHT port. */
export interface Port { readonly type: 'port'; readonly port: number }
/** BEP 6 fast extension. */
export interface Suggest { readonly type: 'suggest'; readonly index: number }
export interface HaveAll { readonly type: 'have-all' }
export interface HaveNone { readonly type: 'have-none' }
export interface Reject { readonly type: 'reject'; readonly index: number; readonly begin: number; readonly length: number }
export interface AllowedFast { readonly type: 'allowed-fast'; readonly index: number }
/** BEP 10: `extId` 0 is the extension handshake; others are the ids we announced in `m`. */
export interface Extended { readonly type: 'extended'; readonly extId: number; readonly payload: Uint8Array }
/**
 * A message id shoal does not know (e.g. BEP 52 hash messages 21-23). It is surfaced,
 * not thrown, so the engine can ignore it as the BEPs ask of unknown messages.
 */
export interface Unknown { readonly type: 'unknown'; readonly id: number; readonly payload: Uint8Array }

export type WireMessage =
  | KeepAlive
  | Choke
  | Unchoke
  | Interested
  | NotInterested
  | Have
  | BitfieldMsg
  | Request
  | Piece
  | Cancel
  | Port
  | Suggest
  | HaveAll
  | HaveNone
  | Reject
  | AllowedFast
  | Extended
  | Unknown;

/** The 68-byte BEP 3 handshake. */
export interface Handshake {
  readonly type: 'handshake';
  /** The 8 reserved bytes as received (see `extensionsOf`). */
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
}

/** Emitted (when asked for) as soon as the first 48 handshake bytes are in: incoming
 * connections need the info-hash to pick the torrent before the peer id arrives. */
export interface HandshakeInfoHash {
  readonly type: 'handshake-info-hash';
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
}

export type DecodedMessage = WireMessage | Handshake | HandshakeInfoHash;
