import type { Metainfo } from '../../metainfo/types.js';
import { UT_METADATA, decodeMetadataMessage, encodeMetadataData, encodeMetadataReject, metadataPieceCount, metadataPieceLength, METADATA_PIECE_SIZE } from '../../wire/metadata.js';
import type { HandshakeExtras, TorrentFeature } from '../features.js';
import type { PeerConnection } from '../peer.js';

/** Requests one peer may make per minute: enough to fetch the metadata twice, at least 16. */
const MIN_BURST = 16;
const REFILL_MS = 60_000;
/** Rejected requests (over the limit or out of range) after which we hang up. */
const MAX_REJECTS = 64;

interface Budget {
  tokens: number;
  at: number;
  rejects: number;
}

/**
 * Serves our metadata (BEP 9 ut_metadata) to peers: advertises `metadata_size` (the length
 * of the raw info span, whose SHA-1 is the info-hash) and answers requests with 16 KiB
 * pieces of exactly those bytes. Out-of-range pieces are rejected; each peer has a request
 * budget refilled every minute (rejects past it) and is dropped after many rejects or a
 * malformed message.
 *
 * Private torrents (BEP 27) do not offer it. BEP 27 only restricts where peers come from,
 * but anyone who knows the info-hash can connect and ask, so like libtorrent shoal keeps a
 * private torrent's info dictionary to its .torrent holders.
 */
export class MetadataServer implements TorrentFeature {
  readonly extensions = [UT_METADATA] as const;
  private readonly info: Buffer;
  private readonly count: number;
  private readonly burst: number;
  private readonly budgets = new Map<PeerConnection, Budget>();

  constructor(private readonly meta: Pick<Metainfo, 'infoBytes' | 'private'>) {
    this.info = meta.infoBytes;
    this.count = metadataPieceCount(this.info.length);
    this.burst = Math.max(MIN_BURST, 2 * this.count);
  }

  enabled(): boolean {
    return !this.meta.private && this.info.length > 0;
  }

  handshake(out: HandshakeExtras): void {
    out.metadataSize = this.info.length;
  }

  onExtended(c: PeerConnection, _name: string, payload: Uint8Array): void {
    let msg;
    try {
      // Default limits: a request past our size is answered with a reject, one past any
      // plausible size (32 MiB) is a protocol violation.
      msg = decodeMetadataMessage(payload);
    } catch (e) {
      c.close(`protocol violation: ${(e as Error).message}`);
      return;
    }
    // Data and rejects are answers to requests we never make once we have the metadata.
    if (msg.type !== 'request') return;
    const reply = this.answer(c, msg.piece, performance.now());
    if (reply !== undefined) c.sendExtended(UT_METADATA, reply);
  }

  /** The payload answering a request for `piece` (undefined: the peer was dropped). */
  answer(c: PeerConnection, piece: number, now: number): Buffer | undefined {
    let b = this.budgets.get(c);
    if (b === undefined) {
      b = { tokens: this.burst, at: now, rejects: 0 };
      this.budgets.set(c, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.burst) / REFILL_MS);
      b.at = now;
    }
    if (piece >= this.count || b.tokens < 1) {
      if (++b.rejects > MAX_REJECTS) {
        c.close('too many metadata requests');
        return undefined;
      }
      return encodeMetadataReject(piece);
    }
    b.tokens -= 1;
    const start = piece * METADATA_PIECE_SIZE;
    const data = this.info.subarray(start, start + metadataPieceLength(this.info.length, piece));
    return encodeMetadataData(piece, this.info.length, data);
  }

  onPeerClosed(c: PeerConnection): void {
    this.budgets.delete(c);
  }

  close(): void {
    this.budgets.clear();
  }
}
