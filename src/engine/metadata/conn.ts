import type { Socket } from 'node:net';
import { WireDecoder } from '../../wire/decoder.js';
import { encodeExtended } from '../../wire/encode.js';
import { decodeExtensionHandshake, encodeExtensionHandshake } from '../../wire/extension.js';
import { encodeHandshake, extensionsOf } from '../../wire/handshake.js';
import type { DecodedMessage } from '../../wire/messages.js';
import { UT_METADATA, decodeMetadataMessage, encodeMetadataReject, encodeMetadataRequest } from '../../wire/metadata.js';
import { LOCAL_EXT_IDS } from '../features.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const CLIENT_NAME = 'shoal 0.1.0';
/** Our id for ut_metadata, the same as a full connection's. */
const LOCAL_UT_METADATA = LOCAL_EXT_IDS[UT_METADATA]!;

/** What a metadata connection reports to its fetcher. */
export interface MetadataConnHost {
  /** The peer's extension handshake offers ut_metadata with a metadata_size within the limit. */
  onReady(c: MetadataConn, size: number): void;
  /** A data message (its bytes are only valid during the call). */
  onData(c: MetadataConn, piece: number, totalSize: number, data: Uint8Array): void;
  onReject(c: MetadataConn, piece: number): void;
  onClose(c: MetadataConn, reason: string): void;
}

export interface MetadataConnOptions {
  readonly infoHash: Buffer;
  readonly peerId: Buffer;
  /** Our listen port for the extension handshake (0: not sent). */
  readonly listenPort: number;
  /** Largest metadata_size accepted; a peer advertising more is dropped. */
  readonly maxMetadataSize: number;
  /** 'host:port' for messages. */
  readonly address: string;
}

/**
 * A slim, metadata-only peer connection (BEP 3 handshake, BEP 10 extension handshake,
 * BEP 9 requests) for a torrent whose info dictionary we do not have yet. Every other
 * message is read (through the same limits as a full connection's decoder) and ignored;
 * requests for metadata from the peer are rejected, since we have none to give.
 */
export class MetadataConn {
  readonly address: string;
  /** The peer's id for ut_metadata once ready. */
  private peerUtId = 0;
  /** Its metadata_size once ready. */
  size = 0;
  ready = false;
  closed = false;
  client: string | undefined;
  /** Pieces requested from it and not answered yet -> when asked (ms). */
  readonly inflight = new Map<number, number>();
  /** Rejects it sent; no request before `coolUntil`. */
  rejects = 0;
  coolUntil = 0;
  /** Ticks on which a request of its timed out. */
  timeouts = 0;
  private readonly decoder = new WireDecoder();
  private handshaken = false;

  constructor(
    readonly socket: Socket,
    private readonly host: MetadataConnHost,
    private readonly opts: MetadataConnOptions,
  ) {
    this.address = opts.address;
    socket.setNoDelay(true);
    socket.on('error', (e: Error) => this.close(`socket: ${e.message}`));
    socket.on('close', () => this.close('closed by peer'));
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => {
      if (!this.ready) this.close('handshake timeout');
    });
    socket.write(encodeHandshake({ infoHash: opts.infoHash, peerId: opts.peerId, extensions: { extended: true } }));
  }

  /** Socket bytes (a view valid during this call only). */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    let msgs: DecodedMessage[];
    try {
      msgs = this.decoder.push(chunk);
    } catch (e) {
      this.close(`protocol violation: ${(e as Error).message}`);
      return;
    }
    for (let i = 0; i < msgs.length && !this.closed; i++) this.handle(msgs[i]!);
  }

  private handle(m: DecodedMessage): void {
    if (m.type === 'handshake') return this.onHandshake(m.reserved, m.infoHash, m.peerId);
    if (m.type !== 'extended' || !this.handshaken) return;
    if (m.extId === 0) return this.onExtensionHandshake(m.payload);
    if (m.extId !== LOCAL_UT_METADATA) return;
    let msg;
    try {
      msg = decodeMetadataMessage(m.payload, { maxMetadataSize: this.opts.maxMetadataSize });
    } catch (e) {
      return this.close(`protocol violation: ${(e as Error).message}`);
    }
    if (msg.type === 'request') {
      if (this.peerUtId !== 0) this.socket.write(encodeExtended(this.peerUtId, encodeMetadataReject(msg.piece)));
      return;
    }
    if (msg.type === 'unknown' || !this.ready) return;
    if (msg.type === 'reject') {
      if (!this.inflight.delete(msg.piece)) return;
      this.host.onReject(this, msg.piece);
      return;
    }
    if (msg.totalSize !== this.size) return this.close(`protocol violation: total_size ${msg.totalSize} differs from metadata_size ${this.size}`);
    this.host.onData(this, msg.piece, msg.totalSize, msg.data);
  }

  private onHandshake(reserved: Uint8Array, infoHash: Uint8Array, peerId: Uint8Array): void {
    if (!this.opts.infoHash.equals(infoHash)) return this.close('info-hash mismatch');
    if (this.opts.peerId.equals(peerId)) return this.close('connected to ourselves');
    if (!extensionsOf(reserved).extended) return this.close('peer does not speak the extension protocol (BEP 10)');
    this.handshaken = true;
    const m = new Map([[UT_METADATA, LOCAL_UT_METADATA]]);
    const p = this.opts.listenPort > 0 ? this.opts.listenPort : undefined;
    this.socket.write(encodeExtended(0, encodeExtensionHandshake({ m, v: CLIENT_NAME, p })));
  }

  private onExtensionHandshake(payload: Uint8Array): void {
    let hs;
    try {
      hs = decodeExtensionHandshake(payload, { maxMetadataSize: this.opts.maxMetadataSize });
    } catch (e) {
      return this.close((e as Error).message);
    }
    if (hs.v !== undefined) this.client = hs.v.slice(0, 64);
    const id = hs.m.get(UT_METADATA) ?? 0;
    if (this.ready) {
      // A repeated handshake may move or disable the extension; the size stays.
      if (id === 0) return this.close('peer stopped offering metadata');
      this.peerUtId = id;
      return;
    }
    if (id === 0) return this.close('peer does not offer metadata (no ut_metadata)');
    if (hs.metadataSize === undefined) return this.close('peer does not announce metadata_size');
    this.peerUtId = id;
    this.size = hs.metadataSize;
    this.ready = true;
    this.socket.setTimeout(0);
    this.host.onReady(this, this.size);
  }

  /** Asks for one metadata piece. */
  request(piece: number, now: number): void {
    if (this.closed || !this.ready) return;
    this.inflight.set(piece, now);
    this.socket.write(encodeExtended(this.peerUtId, encodeMetadataRequest(piece)));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.host.onClose(this, reason);
  }
}
